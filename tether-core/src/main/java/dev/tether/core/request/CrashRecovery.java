package dev.tether.core.request;

import dev.tether.api.ConnectionState;
import dev.tether.api.RequestRecord;
import dev.tether.api.RequestStatus;
import dev.tether.api.ResultCode;
import dev.tether.api.SessionState;
import dev.tether.api.TargetResult;
import dev.tether.api.TargetStatus;
import dev.tether.core.store.ConnectionRecord;
import dev.tether.core.store.WriteTx;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Completes the requests a run that died without stopping left RUNNING. A request keeps its
 * targets' progress in memory until its last target finishes (see {@link RequestBook}), so after
 * a crash the store holds it as accepted; each target's true outcome is read from what the store
 * knows of the target itself (a session closed or locked, a connection let go before the crash).
 * A target that did not finish is FAILED (CANCELLED) with reason {@code server crashed}.
 *
 * <p>Runs inside the start's write, before the sessions and connections the crash ended are
 * recorded: which of them were still live at the crash is what tells the unfinished targets.
 */
public final class CrashRecovery {
    public static final String REASON = "server crashed";

    private final WriteTx tx;
    private final Instant now;
    private final Set<Long> liveConnections = new HashSet<>();
    private final Map<Long, List<ConnectionRecord>> liveBySession = new HashMap<>();

    /** {@code connections}: every stored connection; those not DEACTIVATED were live at the crash. */
    public CrashRecovery(WriteTx tx, Instant now, List<ConnectionRecord> connections) {
        this.tx = tx;
        this.now = now;
        for (ConnectionRecord c : connections) {
            if (c.state() != ConnectionState.DEACTIVATED) {
                liveConnections.add(c.id());
                liveBySession.computeIfAbsent(c.sessionId(), id -> new ArrayList<>()).add(c);
            }
        }
    }

    /** Completes every RUNNING request, each with a RequestCompleted event; returns how many. */
    public int completeRunning() {
        List<RequestRecord> running = tx.requests(RequestStatus.RUNNING);
        for (RequestRecord r : running) {
            List<TargetResult> targets = r.targets().stream()
                    .map(t -> t.status() == TargetStatus.PENDING ? outcome(r, t) : t)
                    .toList();
            RequestBook.store(tx, new RequestRecord(r.id(), r.operation(), r.user(), r.whatIf(), RequestStatus.COMPLETED,
                    RequestBook.overall(targets), targets, r.createdAt(), now));
        }
        return running.size();
    }

    private TargetResult outcome(RequestRecord r, TargetResult t) {
        String d = t.description();
        return switch (r.operation()) {
            case "close" -> tx.session(t.id()).filter(s -> s.state() == SessionState.CLOSED)
                    .map(s -> done(t, d + " logged off (" + s.closeReason() + ", exit code " + s.exitCode() + ")"))
                    .orElseGet(() -> crashed(t));
            case "disconnect" -> liveBySession.getOrDefault(t.id(), List.of()).stream()
                    .anyMatch(c -> c.connectedAt() == null || !c.connectedAt().isAfter(r.createdAt()))
                    ? crashed(t) // a client it had to let go was still attached
                    : done(t, d + " disconnected before the server crashed");
            case "lock", "unlock" -> tx.session(t.id()).filter(s -> s.locked() == r.operation().equals("lock"))
                    .map(s -> done(t, d + " " + r.operation() + "ed before the server crashed"))
                    .orElseGet(() -> crashed(t));
            case "disconnect-connection", "disconnect-workspace" -> liveConnections.contains(t.id()) ? crashed(t)
                    : tx.connection(t.id()).map(c -> done(t, d + " disconnected (" + c.disconnectReason() + ")"))
                    .orElseGet(() -> crashed(t));
            // connect: the activation stores the completion in its own write, so it never happened
            default -> crashed(t);
        };
    }

    private static TargetResult done(TargetResult t, String message) {
        return t.finish(TargetStatus.DONE, ResultCode.OK, message);
    }

    private static TargetResult crashed(TargetResult t) {
        return t.finish(TargetStatus.FAILED, ResultCode.CANCELLED, t.description() + ": " + REASON + " before it finished");
    }
}
