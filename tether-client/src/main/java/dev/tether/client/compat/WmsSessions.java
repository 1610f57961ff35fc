package dev.tether.client.compat;

import dev.tether.api.RequestRecord;
import dev.tether.api.RequestStatus;
import dev.tether.api.ResultCode;
import dev.tether.api.Selection;
import dev.tether.api.SessionInfo;
import dev.tether.api.TargetResult;
import dev.tether.api.TargetStatus;
import dev.tether.api.TetherException;
import dev.tether.client.PendingRequest;
import dev.tether.client.TetherClient;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The WMS session cmdlets for Java: Get-, Disconnect-, Close-, Lock- and Unlock-WmsSession, each taking
 * {@code -SessionId <uint32[]>} ({@code long[] sessionIds}) or {@code -All}, and the common
 * {@link Options}: {@code -Server}, {@code -WhatIf} and {@code -Confirm}.
 *
 * <p>The mutating cmdlets wait until the request completes and return it, with a result per session; a
 * failed session does not stop the others. With {@code -WhatIf} they return the server's answer to
 * "what would be done" and change nothing. With {@code -Confirm} they ask about each session the server
 * would act on, then act on the chosen ones only (sessions the server would refuse are not asked about;
 * their failures are in the returned request's targets). The caller's own session ({@code TETHER_SESSION_ID}
 * given to the client) is refused when named and skipped under {@code -All}.
 */
public final class WmsSessions {
    /** The {@code -Server} default. */
    public static final String LOCALHOST = "localhost";

    private final Function<String, TetherClient> connect;
    private final boolean closeAfterUse;

    private WmsSessions(Function<String, TetherClient> connect, boolean closeAfterUse) {
        this.connect = connect;
        this.closeAfterUse = closeAfterUse;
    }

    /**
     * Cmdlets that call {@code client}'s server. A {@code -Server} other than {@code localhost} or that
     * server's host name is INVALID_PARAMETER: this instance talks to one server.
     */
    public static WmsSessions using(TetherClient client) {
        Objects.requireNonNull(client, "client");
        String host = client.serverUri().getHost();
        return new WmsSessions(server -> {
            if (server.equalsIgnoreCase(LOCALHOST) || server.equalsIgnoreCase(host)) {
                return client;
            }
            throw new TetherException(ResultCode.INVALID_PARAMETER, "-Server " + server + " is not the server this WmsSessions calls ("
                    + client.serverUri() + "); use WmsSessions.withToken to reach several servers");
        }, false);
    }

    /**
     * Cmdlets that reach any {@code -Server} with one token: a host name means {@code http://HOST:7420},
     * {@code localhost} means {@code http://127.0.0.1:7420}, a URL is used as given.
     */
    public static WmsSessions withToken(String token) {
        return new WmsSessions(server -> TetherClient.builder(address(server)).token(token).ownSessionFromEnvironment().build(), true);
    }

    static URI address(String server) {
        if (server.contains("://")) {
            return URI.create(server);
        }
        String host = server.equalsIgnoreCase(LOCALHOST) ? "127.0.0.1" : server;
        return URI.create("http://" + host + (host.matches(".*:[0-9]+") && !host.startsWith("[") ? "" : ":7420"));
    }

    /** -Confirm's answers. */
    public enum Answer { YES, YES_TO_ALL, NO, NO_TO_ALL }

    /** -Confirm: asked once per session, with the operation ({@code Disconnect}) and the server's description of the session. */
    @FunctionalInterface
    public interface Confirm {
        Answer ask(String operation, String target);
    }

    /**
     * The common parameters: {@code -Server} (default localhost), {@code -WhatIf} and {@code -Confirm}
     * (null: do not ask). Immutable; each {@code with} method returns a copy.
     */
    public record Options(String server, boolean whatIf, Confirm confirm) {
        public Options {
            server = server == null || server.isBlank() ? LOCALHOST : server.strip();
        }

        public static Options defaults() {
            return new Options(LOCALHOST, false, null);
        }

        public Options withServer(String newServer) {
            return new Options(newServer, whatIf, confirm);
        }

        public Options withWhatIf() {
            return new Options(server, true, confirm);
        }

        public Options withConfirm(Confirm newConfirm) {
            return new Options(server, whatIf, newConfirm);
        }
    }

    // ---------------------------------------------------------------- Get-WmsSession

    /** Get-WmsSession -SessionId: these sessions, also when CLOSED; an unknown id is NOT_FOUND. */
    public List<SessionInfo> get(long[] sessionIds, Options options) {
        return with(options, client -> Arrays.stream(sessionIds).mapToObj(id -> client.sessions().get(id)).toList());
    }

    /** Get-WmsSession: every live session the caller may see. */
    public List<SessionInfo> getAll(Options options) {
        return with(options, client -> client.sessions().list());
    }

    // ---------------------------------------------------------------- Disconnect-WmsSession

    /** Disconnect-WmsSession -SessionId: every client lets go; the programs keep running. */
    public RequestRecord disconnect(long[] sessionIds, Options options) {
        return run("Disconnect", Selection.of(sessionIds), options, (c, s) -> c.sessions().disconnectAsync(s));
    }

    /** Disconnect-WmsSession -All. */
    public RequestRecord disconnectAll(Options options) {
        return run("Disconnect", Selection.everything(), options, (c, s) -> c.sessions().disconnectAsync(s));
    }

    // ---------------------------------------------------------------- Close-WmsSession

    /** Close-WmsSession -SessionId: logs off; only administrators close administrators' sessions. */
    public RequestRecord close(long[] sessionIds, Options options) {
        return run("Close", Selection.of(sessionIds), options, (c, s) -> c.sessions().closeAsync(s));
    }

    /** Close-WmsSession -All. */
    public RequestRecord closeAll(Options options) {
        return run("Close", Selection.everything(), options, (c, s) -> c.sessions().closeAsync(s));
    }

    // ---------------------------------------------------------------- Lock- and Unlock-WmsSession

    /** Lock-WmsSession -SessionId -Message: the message is required and shown on the lock screen. */
    public RequestRecord lock(long[] sessionIds, String message, Options options) {
        return run("Lock", Selection.of(sessionIds), options, (c, s) -> c.sessions().lockAsync(s, message));
    }

    /** Lock-WmsSession -All -Message. */
    public RequestRecord lockAll(String message, Options options) {
        return run("Lock", Selection.everything(), options, (c, s) -> c.sessions().lockAsync(s, message));
    }

    /** Unlock-WmsSession -SessionId: administrators need no password (null); owners give theirs. */
    public RequestRecord unlock(long[] sessionIds, char[] password, Options options) {
        return run("Unlock", Selection.of(sessionIds), options, (c, s) -> c.sessions().unlockAsync(s, password));
    }

    /** Unlock-WmsSession -All. */
    public RequestRecord unlockAll(char[] password, Options options) {
        return run("Unlock", Selection.everything(), options, (c, s) -> c.sessions().unlockAsync(s, password));
    }

    // ---------------------------------------------------------------- the common flow

    private RequestRecord run(String operation, Selection selection, Options options,
                              BiFunction<TetherClient, Selection, PendingRequest> submit) {
        return with(options, client -> {
            if (options.whatIf()) {
                return submit.apply(client, selection.asWhatIf()).accepted();
            }
            if (options.confirm() == null) {
                return submit.apply(client, selection).await();
            }
            RequestRecord preview = submit.apply(client, selection.asWhatIf()).accepted();
            List<Long> chosen = choose(operation, preview, options.confirm());
            // Sessions the preview found failing were not asked about; their failures stay in the answer.
            List<TargetResult> failed = preview.targets().stream().filter(t -> t.status() == TargetStatus.FAILED).toList();
            if (chosen.isEmpty()) {
                return new RequestRecord(0, operation.toLowerCase(Locale.ROOT), preview.user(), false, RequestStatus.COMPLETED,
                        failed.isEmpty() ? ResultCode.OK : failed.getFirst().result(), failed, preview.createdAt(), preview.completedAt());
            }
            RequestRecord done = submit.apply(client, Selection.of(chosen)).await();
            if (failed.isEmpty()) {
                return done;
            }
            var targets = new ArrayList<>(failed);
            targets.addAll(done.targets());
            return new RequestRecord(done.id(), done.operation(), done.user(), false, done.status(), failed.getFirst().result(),
                    targets, done.createdAt(), done.completedAt());
        });
    }

    private static List<Long> choose(String operation, RequestRecord preview, Confirm confirm) {
        var chosen = new ArrayList<Long>();
        boolean yesToAll = false;
        for (TargetResult target : preview.targets()) {
            if (target.status() == TargetStatus.FAILED || target.status() == TargetStatus.SKIPPED) {
                continue;
            }
            if (yesToAll) {
                chosen.add(target.id());
                continue;
            }
            Answer answer = confirm.ask(operation, target.description() != null ? target.description() : "session " + target.id());
            switch (answer == null ? Answer.NO : answer) {
                case YES -> chosen.add(target.id());
                case YES_TO_ALL -> {
                    yesToAll = true;
                    chosen.add(target.id());
                }
                case NO -> {
                }
                case NO_TO_ALL -> {
                    return chosen;
                }
            }
        }
        return chosen;
    }

    private <T> T with(Options options, Function<TetherClient, T> call) {
        TetherClient client = connect.apply(options.server());
        try {
            return call.apply(client);
        } finally {
            if (closeAfterUse) {
                client.close();
            }
        }
    }
}
