package dev.tether.core;

import dev.tether.api.Event;
import dev.tether.api.MessageResult;
import dev.tether.api.ResultCode;
import dev.tether.api.SessionState;
import dev.tether.api.TargetResult;
import dev.tether.api.TargetStatus;
import dev.tether.api.TetherException;
import dev.tether.core.account.Caller;
import dev.tether.core.store.Store;
import dev.tether.core.time.Scheduler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a session shows its clients besides the program: the lock screen (Lock-/Unlock-WmsSession:
 * output held, input ignored) and messages (WTSSendMessage: OK when acknowledged, TIMEOUT 32000,
 * ASYNC 32001).
 */
public final class SessionMessages {
    private final SessionRegistry sessions;
    private final Changes changes;
    private final Store store;
    private final Scheduler scheduler;
    private final Map<Long, CompletableFuture<Void>> pendingMessages = new ConcurrentHashMap<>();
    private final AtomicLong messageIds = new AtomicLong();

    /** How long a message with no timeout of its own (0) waits for an acknowledgement. */
    static final java.time.Duration LONGEST_WAIT = java.time.Duration.ofHours(1);

    SessionMessages(SessionRegistry sessions, Changes changes, Store store, Scheduler scheduler) {
        this.scheduler = scheduler;
        this.sessions = sessions;
        this.changes = changes;
        this.store = store;
    }
    CompletableFuture<TargetResult> lockTarget(LiveSession s, TargetResult target, Caller caller, String message) {
        synchronized (s) {
            if (s.record.state() == SessionState.CLOSED || s.terminal == null) {
                return CompletableFuture.completedFuture(target.finish(TargetStatus.FAILED, ResultCode.INVALID_STATE,
                        target.description() + " is " + (s.terminal == null ? "still starting" : "closed")));
            }
            s.lockMessage = message;
            s.terminal.hold(true);
            s.clients.forEach(c -> c.transport.locked(message));
            if (s.record.locked()) {
                return CompletableFuture.completedFuture(target.finish(TargetStatus.DONE, ResultCode.OK,
                        target.description() + " was locked already; its lock screen now says the new message"));
            }
            return changes.change(s, s.record.withLocked(true), List.of(changes.event(s.record,
                    new Event.SessionLocked(message, caller.user())))).thenApply(v -> target.finish(TargetStatus.DONE,
                    ResultCode.OK, target.description() + " locked"));
        }
    }

    CompletableFuture<TargetResult> unlockTarget(LiveSession s, TargetResult target, Caller caller) {
        synchronized (s) {
            if (!s.record.locked()) {
                return CompletableFuture.completedFuture(target.finish(TargetStatus.DONE, ResultCode.OK,
                        target.description() + " was not locked"));
            }
            s.lockMessage = null;
            s.clients.forEach(c -> c.transport.unlocked()); // first: the held output follows the unlock message
            s.terminal.hold(false);
            return changes.change(s, s.record.withLocked(false), List.of(changes.event(s.record,
                    new Event.SessionUnlocked(caller.user())))).thenApply(v -> target.finish(TargetStatus.DONE, ResultCode.OK,
                    target.description() + " unlocked"));
        }
    }

    /**
     * Shows a message to every client of the session (WTSSendMessage). With {@code wait} the answer
     * is OK once a client acknowledged it or TIMEOUT (IDTIMEOUT 32000) when {@code timeoutSeconds}
     * pass first; without it, ASYNC (IDASYNC 32001) at once. A session with no client is INVALID_STATE.
     */
    public CompletableFuture<MessageResult> message(Caller caller, long id, String title, String text, int timeoutSeconds, boolean wait) {
        if (caller.workspaceId() != null) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.ACCESS_DENIED, "a token of workspace "
                    + caller.workspaceId() + " may not send messages to sessions; it may act only on that workspace's connections"));
        }
        if (title == null || title.isBlank() || title.length() > 256 || text == null || text.isBlank() || text.length() > 4096) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.INVALID_PARAMETER,
                    "a message needs a title (1 to 256 characters) and a text (1 to 4096 characters)"));
        }
        if (timeoutSeconds < 0 || timeoutSeconds > 3600) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.INVALID_PARAMETER,
                    "the message timeout " + timeoutSeconds + " s is outside 0..3600 (0: no timeout)"));
        }
        return sessions.get(caller, id).thenCompose(info -> {
            LiveSession s = sessions.find(id);
            long messageId = messageIds.incrementAndGet();
            var acknowledged = new CompletableFuture<Void>();
            int shown;
            synchronized (s == null ? this : s) {
                if (s == null || s.clients.isEmpty()) {
                    throw new TetherException(ResultCode.INVALID_STATE, "session " + id + " has no client attached to show the message to");
                }
                pendingMessages.put(messageId, acknowledged);
                s.clients.forEach(c -> c.transport.message(messageId, title, text, timeoutSeconds));
                shown = s.clients.size();
            }
            var limit = timeoutSeconds == 0 ? LONGEST_WAIT : java.time.Duration.ofSeconds(timeoutSeconds);
            var expiry = scheduler.after(limit, () -> acknowledged.completeExceptionally(
                    new java.util.concurrent.TimeoutException("message " + messageId + " not acknowledged within " + limit.toSeconds() + " s")));
            acknowledged.whenComplete((v, e) -> {
                expiry.cancel();
                pendingMessages.remove(messageId);
            });
            store.write(tx -> tx.append(changes.event(s.record,
                    new Event.SessionMessageSent(messageId, title, shown, wait, caller.user()))));
            if (!wait) {
                return CompletableFuture.completedFuture(new MessageResult(messageId, "ASYNC", MessageResult.IDASYNC, shown));
            }
            return acknowledged.handle((v, e) -> e == null
                    ? new MessageResult(messageId, "OK", MessageResult.IDOK, shown)
                    : new MessageResult(messageId, "TIMEOUT", MessageResult.IDTIMEOUT, shown));
        });
    }

    void acknowledge(long messageId) {
        CompletableFuture<Void> pending = pendingMessages.remove(messageId);
        if (pending != null) {
            pending.complete(null);
        }
    }
}
