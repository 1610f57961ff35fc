package dev.tether.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What an event says happened: its {@code data}, one record per event type, named as the type. The
 * fields of each record are the fields of its JSON object, in this order. {@code by} is who caused it
 * (a user name or {@code system}); no event carries a password, credential or token.
 *
 * <p>A reader that meets a type it does not know (a newer server) gets an {@link Unknown} with the
 * fields as JSON values, and ignores fields a known record does not have.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public sealed interface Event {

    /** The event type: the record's name, e.g. {@code ConnectComplete}. */
    default String type() {
        return getClass().getSimpleName();
    }

    /** The fields of {@code data} by their JSON names, in order: for tables and logs. */
    default Map<String, Object> fields() {
        var fields = new LinkedHashMap<String, Object>();
        for (RecordComponent c : getClass().getRecordComponents()) {
            // On the accessor: Java keeps an annotation on a record component only where its targets allow,
            // and @JsonProperty's are field, method and parameter.
            JsonProperty named = c.getAccessor().getAnnotation(JsonProperty.class);
            try {
                fields.put(named != null ? named.value() : c.getName(), c.getAccessor().invoke(this));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("the event field " + c.getName() + " cannot be read", e);
            }
        }
        return Collections.unmodifiableMap(fields);
    }

    /** The record class of an event type, or null for a type this version does not know. */
    static Class<? extends Event> classOf(String type) {
        return Types.BY_NAME.get(type);
    }

    // ---------------------------------------------------------------- the server

    /**
     * The server started: it adopted the sessions its keeper kept ({@code adoptedSessions}), and
     * completed what a crashed run left behind ({@code recoveredSessions} recorded closed,
     * {@code recoveredRequests} completed).
     */
    record ServerStarted(String name, String url, int recoveredSessions, int recoveredRequests, int adoptedSessions)
            implements Event {
    }

    /**
     * The server stopped: it closed its live sessions ({@code closedSessions}), or left them
     * running in the keeper for the next server ({@code keptSessions}).
     */
    record ServerStopped(String name, int closedSessions, int keptSessions) implements Event {
    }

    // ---------------------------------------------------------------- sessions

    record SessionCreated(String command, String by) implements Event {
    }

    /** A live session's WTS state changed; the codes are WTS_CONNECTSTATE_CLASS numbers. */
    record SessionStateChanged(SessionState from, SessionState to, int fromCode, int toCode, String reason, String by)
            implements Event {
    }

    /**
     * A restarted server adopted a session its keeper kept running: same id, owner, program and
     * output; DISCONNECTED, since its clients were the old server's.
     */
    record SessionRecovered(SessionState from, SessionState to, long pid, String by) implements Event {
    }

    /** @param exitCode the program's exit status, or null when it did not exit on its own (e.g. the server crashed) */
    record SessionClosed(SessionState from, SessionState to, Integer exitCode, String reason, String by) implements Event {
    }

    record SessionLocked(String message, String by) implements Event {
    }

    record SessionUnlocked(String by) implements Event {
    }

    /**
     * @param clients how many clients were shown the message
     * @param waits whether the sender waits for an answer (JSON {@code wait}; a record cannot have a component named so)
     */
    record SessionMessageSent(long messageId, String title, int clients, @JsonProperty("wait") boolean waits, String by)
            implements Event {
    }

    /**
     * @param client the client's name, or null when it gave none
     * @param remote the client's address, or null
     * @param clients how many clients the session has now
     */
    record ClientAttached(long clientId, String client, String remote, int clients, String by) implements Event {
    }

    record ClientDetached(long clientId, String reason, int clients, String by) implements Event {
    }

    // ---------------------------------------------------------------- connections (IMbnConnectionEvents)

    /** OnConnectComplete: the attach request {@code requestId} ended with {@code status}. */
    record ConnectComplete(long connectionId, long requestId, ResultCode status) implements Event {
    }

    /** OnDisconnectComplete: the disconnect request {@code requestId} let the connection go. */
    record DisconnectComplete(long connectionId, long requestId, ResultCode status, String reason) implements Event {
    }

    /** OnConnectStateChange: a change the system made on its own; {@code stateCode} is MBN_ACTIVATION_STATE's number. */
    record ConnectStateChange(long connectionId, ConnectionState state, int stateCode, String reason) implements Event {
    }

    // ---------------------------------------------------------------- requests

    /** An asynchronous request finished: {@code result} is OK or its first failed target's code. */
    record RequestCompleted(long requestId, String operation, ResultCode result, long done, long failed, long skipped)
            implements Event {
    }

    // ---------------------------------------------------------------- workspaces

    record WorkspaceStarted(String workspaceId, String friendlyName, CredentialState credentialState, int timeoutMinutes,
                            boolean restarted, String by) implements Event {
    }

    record WorkspaceAuthenticated(String workspaceId, String by) implements Event {
    }

    /** @param reason why the system cleared it ({@code last connection ended}), or null when {@code by} asked */
    record WorkspaceCredentialCleared(String workspaceId, boolean workspaceRemoved, String by, String reason) implements Event {
    }

    record WorkspaceCredentialExpired(String workspaceId, int timeoutMinutes) implements Event {
    }

    record WorkspaceDisconnected(String workspaceId, int connections, String by) implements Event {
    }

    // ---------------------------------------------------------------- users

    record UserCreated(String name, boolean admin, String by) implements Event {
    }

    record UserPasswordSet(String name, String by) implements Event {
    }

    record UserLoggedIn(String name) implements Event {
    }

    /**
     * A log-on was refused: the name tried (a user or not), the client's address, and why (a wrong
     * Tether or Linux password, or the sentence PAM gives for a locked or expired account).
     */
    record UserLogOnFailed(String name, String address, String reason) implements Event {
    }

    /** An event of a type this version does not know; {@code data} holds its fields as JSON values. */
    record Unknown(String type, @JsonValue Map<String, Object> data) implements Event {
        public Unknown {
            data = Collections.unmodifiableMap(new LinkedHashMap<>(data)); // JSON nulls allowed, order kept
        }

        @Override
        public Map<String, Object> fields() {
            return data;
        }
    }

    /** The known types by name. */
    final class Types {
        private static final Map<String, Class<? extends Event>> BY_NAME = Arrays.stream(Event.class.getPermittedSubclasses())
                .filter(c -> c != Unknown.class)
                .map(c -> c.asSubclass(Event.class))
                .collect(Collectors.toUnmodifiableMap(Class::getSimpleName, Function.identity()));

        private Types() {
        }
    }
}
