package dev.tether.core;

import dev.tether.api.ResultCode;
import dev.tether.api.SessionInfo;
import dev.tether.api.TetherException;
import dev.tether.core.account.Caller;
import dev.tether.core.store.Store;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which sessions are live (not CLOSED yet) and whether the server is stopping: the one owner of
 * both facts. {@link SessionService} adds a session when it starts and removes it once its CLOSED
 * record is stored; everybody else only looks. Reads of sessions, live or from the store, are here.
 */
public final class SessionRegistry {
    private final Map<Long, LiveSession> live = new ConcurrentHashMap<>();
    private final Store store;
    private final String serverName;
    private volatile boolean stopping;

    SessionRegistry(Store store, String serverName) {
        this.store = store;
        this.serverName = serverName;
    }

    public String serverName() {
        return serverName;
    }

    /** The live session with this id, or null. */
    LiveSession find(long id) {
        return live.get(id);
    }

    Collection<LiveSession> all() {
        return live.values();
    }

    void add(LiveSession s) {
        live.put(s.id, s);
    }

    void remove(long id) {
        live.remove(id);
    }

    /** From now on, new work is refused ({@link #refuseWhileStopping}). */
    void stop() {
        stopping = true;
    }

    boolean stopping() {
        return stopping;
    }

    void refuseWhileStopping() {
        if (stopping) {
            throw new TetherException(ResultCode.CANCELLED, "the server " + serverName + " is stopping");
        }
    }

    TetherException notFound(long id) {
        return new TetherException(ResultCode.NOT_FOUND, "no session " + id + " on " + serverName);
    }

    /** A session the caller may see: live with its clients now, else as stored. */
    public CompletableFuture<SessionInfo> get(Caller caller, long id) {
        LiveSession s = live.get(id);
        if (s != null && caller.maySee(s.record.user())) {
            return CompletableFuture.completedFuture(s.info());
        }
        return store.read(tx -> tx.session(id)).thenApply(found -> {
            LiveSession now = live.get(id);
            if (now != null && caller.maySee(now.record.user())) {
                return now.info();
            }
            return found.filter(r -> caller.maySee(r.user())).map(r -> r.info(0))
                    .orElseThrow(() -> notFound(id));
        });
    }

    /**
     * The screen of session {@code id} as a terminal that saw its whole output shows it now, like
     * {@code tmux capture-pane}, for a caller who may see the session. A closed session has no screen
     * any more: INVALID_STATE; one the caller may not see, or none: NOT_FOUND.
     */
    public CompletableFuture<dev.tether.core.terminal.ScreenCapture> screen(Caller caller, long id,
                                                                           dev.tether.core.terminal.ScreenCapture.Request request) {
        LiveSession s = live.get(id);
        if (s == null || !caller.maySee(s.record.user())) {
            return get(caller, id).thenApply(info -> {
                throw new TetherException(ResultCode.INVALID_STATE, "session " + id + " is closed (" + info.closeReason()
                        + "): its screen is gone with its terminal");
            });
        }
        dev.tether.core.terminal.Terminal terminal;
        synchronized (s) {
            terminal = s.terminal;
        }
        if (terminal == null) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.INVALID_STATE,
                    "session " + id + " is still starting; try again"));
        }
        return terminal.capture(request);
    }

    /** The caller's visible sessions in id order; CLOSED ones too when {@code allStates}. */
    public CompletableFuture<List<SessionInfo>> list(Caller caller, boolean allStates) {
        if (!allStates) {
            return CompletableFuture.completedFuture(live.values().stream()
                    .filter(s -> caller.maySee(s.record.user()))
                    .sorted(Comparator.comparingLong(s -> s.id))
                    .map(LiveSession::info)
                    .toList());
        }
        return store.read(tx -> tx.sessions(true)).thenApply(all -> all.stream()
                .filter(r -> caller.maySee(r.user()))
                .map(r -> {
                    LiveSession s = live.get(r.id());
                    return s != null ? s.info() : r.info(0);
                })
                .toList());
    }
}
