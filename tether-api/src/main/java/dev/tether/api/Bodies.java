package dev.tether.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.List;

/**
 * The JSON bodies of the REST API that are not domain records of their own, one record per shape,
 * shared by the server (which reads requests and writes answers) and the SDK (which does the
 * opposite). In a request a field left out is null; the SDK leaves out what it does not set.
 */
public final class Bodies {
    private Bodies() {
    }

    // ---------------------------------------------------------------- requests

    /** {@code POST /users}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AddUser(String name, Boolean admin, String osUser) {
    }

    /** {@code PATCH /users/{name}}: what changes (only the Linux account of multi-user mode, for now). */
    public record ChangeUser(String osUser) {
    }

    /** {@code POST /sessions/disconnect} and {@code /close}: {@code ids} or {@code all}, and {@code whatIf}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Batch(List<Long> ids, Boolean all, Boolean whatIf) {
        public static Batch of(Selection s) {
            return new Batch(s.all() ? null : s.ids(), s.all() ? true : null, s.whatIf() ? true : null);
        }

        public Selection selection() {
            return Bodies.selection(ids, all, whatIf);
        }
    }

    /** {@code POST /sessions/lock}: a {@link Batch} and the lock screen's message. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LockBatch(List<Long> ids, Boolean all, Boolean whatIf, String message) {
        public static LockBatch of(Selection s, String message) {
            Batch b = Batch.of(s);
            return new LockBatch(b.ids(), b.all(), b.whatIf(), message);
        }

        public Selection selection() {
            return Bodies.selection(ids, all, whatIf);
        }
    }

    /** {@code POST /sessions/unlock}: a {@link Batch} and, for a user who is not an administrator, their password. */
    public record UnlockBatch(List<Long> ids, Boolean all, Boolean whatIf, String password) {
        public Selection selection() {
            return Bodies.selection(ids, all, whatIf);
        }

        @Override public String toString() { return "UnlockBatch[ids=" + ids + ", all=" + all + "]"; }
    }

    /** {@code POST /sessions/{id}/lock}. */
    public record LockMessage(String message) {
    }

    /** {@code POST /sessions/{id}/message} (WTSSendMessage); {@code wait}: answer once acknowledged or timed out. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SendMessage(String title, String text, Integer timeoutSeconds, @JsonProperty("wait") Boolean waitForAnswer) {
    }

    /** {@code POST /tokens}: a token restricted to one application. */
    public record NewToken(String application) {
    }

    /** {@code POST /login}. */
    public record LogOn(String user, String password) {
        @Override public String toString() { return "LogOn[user=" + user + "]"; }
    }

    /** {@code POST /users/{name}/password} and {@code POST /sessions/{id}/unlock}. */
    public record Password(String password) {
        @Override public String toString() { return "Password[]"; }
    }

    /** {@code POST /workspaces} (StartWorkspace), as it is sent: the two flags in {@code flags}. */
    public record StartWorkspaceBody(String id, String friendlyName, String userName, String password, Integer timeoutMinutes,
                                     Flags flags) {
        public record Flags(Boolean clearCredsOnLastResource, Boolean credsAuthenticated) {
        }

        public static StartWorkspaceBody of(StartWorkspace s) {
            return new StartWorkspaceBody(s.id(), s.friendlyName(), s.userName(), s.password(), s.timeoutMinutes(),
                    new Flags(Boolean.TRUE.equals(s.clearCredsOnLastResource()), Boolean.TRUE.equals(s.credsAuthenticated())));
        }

        public StartWorkspace start() {
            Flags f = flags == null ? new Flags(false, false) : flags;
            return new StartWorkspace(id, friendlyName, userName, password, timeoutMinutes, f.clearCredsOnLastResource(),
                    f.credsAuthenticated());
        }

        @Override public String toString() { return "StartWorkspaceBody[id=" + id + "]"; }
    }

    /** {@code POST /workspaces/disconnect}: DisconnectWorkspace by friendly name. */
    public record FriendlyName(String friendlyName) {
    }

    /** {@code POST /sessions/{id}/virtual-desktop/send-message}. */
    public record VirtualDesktopMessage(String title, String message) {
    }

    // ---------------------------------------------------------------- answers

    /**
     * {@code GET /server}: the server and who the caller is on it.
     *
     * @param url the server's own idea of its base URL
     * @param sharedAccountSessions whether users who are not administrators may start sessions, which
     *     then run as the server's own account ({@code serve --shared-account-sessions})
     * @param multiUser whether each session is a log-on of its user's own Linux account (the keeper
     *     runs as root); else every session runs as the server's account
     * @param lastEventId the last event the caller may see: where to follow events from now
     */
    /**
     * A session's screen as a terminal that saw its whole output shows it ({@code GET
     * /sessions/{id}/screen?format=json}): the visible rows, trailing blanks trimmed, after the last
     * {@code scrollback} lines asked for.
     *
     * @param offset the output offset the screen is at
     * @param modes the modes the program set, by name (appCursor, appKeypad, bracketedPaste, mouse, …)
     */
    @JsonPropertyOrder({"sessionId", "offset", "cols", "rows", "cursor", "alternateScreen", "title", "modes", "scrollback", "lines"})
    public record Screen(long sessionId, long offset, int cols, int rows, Cursor cursor, boolean alternateScreen, String title,
                         java.util.Map<String, Object> modes, List<String> scrollback, List<String> lines) {
    }

    /** Where the cursor is (0-based, on the visible screen) and whether it is shown. */
    public record Cursor(int row, int col, boolean visible) {
    }

    /**
     * The lines of a session's scrollback and screen that match a pattern ({@code GET
     * /sessions/{id}/scrollback?grep=}), each with up to {@code context} lines around it.
     *
     * @param lines how many lines were searched (the scrollback's, then the screen's rows)
     */
    @JsonPropertyOrder({"sessionId", "pattern", "lines", "matches"})
    public record ScrollbackSearch(long sessionId, String pattern, int lines, List<ScrollbackMatch> matches) {
    }

    /** @param line its number, 1 for the oldest line of the scrollback */
    @JsonPropertyOrder({"line", "text", "before", "after"})
    public record ScrollbackMatch(int line, String text, List<String> before, List<String> after) {
    }

    public record ServerView(String name, String version, String url, Instant startedAt, boolean sharedAccountSessions,
                             boolean multiUser, long lastEventId, CallerView caller) {
    }

    /** Who a token stands for. */
    public record CallerView(String name, boolean admin) {
    }

    /** {@code POST /tokens}: the token (shown once) and its application. */
    public record IssuedToken(String token, String application) {
        @Override public String toString() { return "IssuedToken[application=" + application + "]"; }
    }

    /** {@code POST /tickets}: a single-use ticket for the attach WebSocket or the event stream. */
    public record Ticket(String ticket, Instant expiresAt) {
        @Override public String toString() { return "Ticket[expiresAt=" + expiresAt + "]"; }
    }

    /** {@code POST /users/{name}/password}. */
    public record PasswordSet(String user, boolean passwordSet) {
    }

    /** {@code GET /workspaces/{id}/credential} (IsCredentialSpecified). */
    public record CredentialSpecified(String workspaceId, boolean specified) {
    }

    /** {@code DELETE /workspaces/{id}/credential} (ClearWorkspaceCredential). */
    public record CredentialCleared(String workspaceId, boolean credentialsDeleted, boolean workspaceRemoved) {
    }

    /**
     * {@code GET /sessions/{id}/virtual-desktop} (Win32_VirtualDesktopSession): the WMI properties,
     * named as WMI names them on the wire.
     *
     * @param vmHostName the server's name
     * @param connectState the WTS_CONNECTSTATE_CLASS number (ACTIVE 0, DISCONNECTED 4, ...)
     * @param domainName the server's realm ({@code local} by default)
     * @param collectionId what the session was started from: its command's name for now
     * @param clientMachineName the last client's name, or null when none ever connected
     */
    public record VirtualDesktopView(
            @JsonProperty("VMHostName") String vmHostName,
            @JsonProperty("SessionId") long sessionId,
            @JsonProperty("ConnectState") int connectState,
            @JsonProperty("UserName") String userName,
            @JsonProperty("DomainName") String domainName,
            @JsonProperty("CollectionId") String collectionId,
            @JsonProperty("ClientMachineName") String clientMachineName) {
    }

    /**
     * What a virtual-desktop method answered.
     *
     * @param returnValue 0 on success, else the Windows error code (NOT_FOUND 1168, ACCESS_DENIED 5, ...)
     * @param message the server's sentence: {@code done}, or what went wrong with which target
     */
    public record VirtualDesktopResult(
            @JsonProperty("ReturnValue") long returnValue,
            @JsonProperty("Method") String method,
            @JsonProperty("Message") String message) {

        public boolean succeeded() {
            return returnValue == 0;
        }
    }

    private static Selection selection(List<Long> ids, Boolean all, Boolean whatIf) {
        return new Selection(ids, Boolean.TRUE.equals(all), Boolean.TRUE.equals(whatIf));
    }
}
