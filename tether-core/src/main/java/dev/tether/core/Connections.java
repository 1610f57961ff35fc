package dev.tether.core;

import dev.tether.api.ConnectionInfo;
import dev.tether.api.ConnectionQuery;
import dev.tether.api.ConnectionState;
import dev.tether.api.Event;
import dev.tether.api.EventRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.SessionState;
import dev.tether.api.TargetResult;
import dev.tether.api.TargetStatus;
import dev.tether.api.TetherException;
import dev.tether.core.account.Caller;
import dev.tether.core.request.RequestBook;
import dev.tether.core.request.Submitted;
import dev.tether.core.store.ConnectionRecord;
import dev.tether.core.store.SessionRecord;
import dev.tether.core.store.Store;
import dev.tether.core.terminal.Terminal;
import dev.tether.core.time.Scheduler;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Connections with IMbnConnection's semantics: connecting (attach) is a request whose id the client
 * learns at once, followed by ConnectComplete; a caller's disconnect is a request followed by
 * DisconnectComplete once the transport is closed; what the system does on its own is
 * ConnectStateChange. This class owns the live connections (the {@link Client}s, by id) and every
 * change of one; which sessions are live is the {@link SessionRegistry}'s.
 */
public final class Connections {
    private static final Logger LOG = Logger.getLogger(Connections.class.getName());

    private final SessionRegistry sessions;
    private final Changes changes;
    private final RequestBook requests;
    private final Store store;
    private final InstantSource clock;
    private final Scheduler scheduler;
    private final LongConsumer acknowledgements;
    /** Live connections (ACTIVATING or ACTIVATED) by id. */
    private final Map<Long, Client> connections = new ConcurrentHashMap<>();
    private final List<Consumer<ConnectionRecord>> connectionEnded = new CopyOnWriteArrayList<>();

    /** How long a let-go client's transport may take to close before it is recorded DEACTIVATED anyway. */
    static final java.time.Duration LET_GO_TIMEOUT = java.time.Duration.ofSeconds(5);

    /** @param acknowledgements where a client's acknowledgement of a message goes ({@link SessionMessages}) */
    Connections(SessionRegistry sessions, Changes changes, RequestBook requests, Store store, Scheduler scheduler,
                LongConsumer acknowledgements) {
        this.sessions = sessions;
        this.changes = changes;
        this.requests = requests;
        this.store = store;
        this.clock = scheduler.clock();
        this.scheduler = scheduler;
        this.acknowledgements = acknowledgements;
    }

    /**
     * Connects a client (IMbnConnection::Connect semantics): a connect request and an ACTIVATING
     * connection are stored and the transport is told their ids at once; then the connection is
     * ACTIVATED, the transport is told, output starts (the replay, then live bytes) and a
     * ConnectComplete event {connectionId, requestId, status} is recorded. A size, when given,
     * becomes the session's size (the most recent client's size wins). Output starts at the ring's tail.
     */
    public CompletableFuture<ClientHandle> attach(Caller caller, long id, ClientTransport transport,
                                                  Integer cols, Integer rows, String clientName, String remote) {
        return attach(caller, id, transport, cols, rows, clientName, remote, Replay.SCREEN);
    }

    /**
     * What a new connection is sent first: the screen (with {@code scrollback} lines of scrollback),
     * the raw output from the ring's tail, or (with {@code offset}) exactly the bytes after that
     * output offset (a client that had that many), which falls back to the screen when the ring no
     * longer holds them.
     */
    public record Replay(Long offset, boolean raw, int scrollback) {
        public static final int DEFAULT_SCROLLBACK = 1000;
        public static final Replay SCREEN = new Replay(null, false, DEFAULT_SCROLLBACK);
        public static final Replay RAW = new Replay(null, true, 0);

        public static Replay resume(long offset) {
            return new Replay(offset, true, DEFAULT_SCROLLBACK);
        }
    }

    /**
     * As {@link #attach(Caller, long, ClientTransport, Integer, Integer, String, String, Replay)}:
     * resuming at {@code offset} when it is given, else with the screen.
     */
    public CompletableFuture<ClientHandle> attach(Caller caller, long id, ClientTransport transport,
                                                  Integer cols, Integer rows, String clientName, String remote, Long offset) {
        return attach(caller, id, transport, cols, rows, clientName, remote, offset == null ? Replay.SCREEN : Replay.resume(offset));
    }

    /**
     * As {@link #attach(Caller, long, ClientTransport, Integer, Integer, String, String)}, starting as
     * {@code replay} says. An offset beyond the session's output is INVALID_PARAMETER, with nothing
     * recorded ({@link #checkOffset}).
     */
    public CompletableFuture<ClientHandle> attach(Caller caller, long id, ClientTransport transport,
                                                  Integer cols, Integer rows, String clientName, String remote, Replay replay) {
        return attach(caller, id, transport, cols, rows, clientName, remote, replay, false);
    }

    /**
     * As {@link #attach(Caller, long, ClientTransport, Integer, Integer, String, String, Replay)}; with
     * {@code view} the connection only watches: it gets the output, but its input is refused (and
     * counted), and it neither resizes the session nor acknowledges its messages.
     */
    public CompletableFuture<ClientHandle> attach(Caller caller, long id, ClientTransport transport, Integer cols, Integer rows,
                                                  String clientName, String remote, Replay replay, boolean view) {
        Long offset = replay.offset();
        LiveSession s;
        try {
            sessions.refuseWhileStopping();
            if (caller.ownSessionId() == id) {
                throw new TetherException(ResultCode.OWN_SESSION,
                        "session " + id + " is the session this call comes from; attaching it to itself would loop its output");
            }
            s = sessions.find(id);
            if (s != null && offset != null && caller.maySee(s.record.user())) {
                checkOffset(id, offset);
            }
        } catch (TetherException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (s == null || !caller.maySee(s.record.user())) {
            return sessions.get(caller, id).thenApply(info -> {
                throw new TetherException(ResultCode.INVALID_STATE, "session " + id + " is closed ("
                        + info.closeReason() + "); start a new one");
            });
        }
        var target = TargetResult.pending(id, "connection to " + s.describe());
        var draft = new ConnectionRecord(0, id, caller.user(), caller.application(), caller.workspaceId(), clientName,
                remote, ConnectionState.ACTIVATING, clock.instant(), null, null, 0, 0);
        return requests.open(caller, "connect", List.of(target), tx -> tx.insertConnection(draft))
                .thenApply(opened -> {
                    ConnectionRecord connection = opened.also();
                    var client = new Client(connection, opened.accepted().request().id(), s, transport, this, acknowledgements, view);
                    connections.put(connection.id(), client);
                    transport.connecting(connection.id(), client.requestId);
                    return client;
                })
                .thenCompose(client -> activate(client, target, caller, cols, rows, replay).thenApply(v -> (ClientHandle) client));
    }

    /**
     * Refuses, with INVALID_PARAMETER, a resume offset that is negative or beyond the output of live
     * session {@code id} so far (a client cannot have bytes the program has not written yet). Does
     * nothing for a session that is not live or still starting: the attach itself says why then.
     */
    public void checkOffset(long id, long offset) {
        if (offset < 0) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "the offset " + offset + " for session " + id + " is negative");
        }
        LiveSession s = sessions.find(id);
        Terminal terminal = null;
        if (s != null) {
            synchronized (s) {
                terminal = s.terminal;
            }
        }
        if (terminal != null && offset > terminal.outputBytes()) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "the offset " + offset + " for session " + id
                    + " is beyond its output: the program has written " + terminal.outputBytes() + " bytes so far");
        }
    }

    private CompletableFuture<Void> activate(Client client, TargetResult target, Caller caller, Integer cols, Integer rows,
                                             Replay replay) {
        LiveSession s = client.session;
        CompletableFuture<Void> stored;
        synchronized (s) {
            if (s.terminal == null || s.record.state() == SessionState.CLOSED) {
                String why = "session " + s.id + " is " + (s.terminal == null ? "still starting" : "closed") + "; try again";
                ConnectionRecord failed = client.current().deactivated(clock.instant(), why, 0, 0);
                client.record = failed;
                connections.remove(failed.id());
                store.write(tx -> {
                    tx.updateConnection(failed);
                    tx.append(changes.connectionEvent(failed, new Event.ConnectComplete(failed.id(), client.requestId, ResultCode.INVALID_STATE)));
                    return null;
                });
                requests.target(client.requestId, 0).finish(target.finish(TargetStatus.FAILED, ResultCode.INVALID_STATE, why));
                return CompletableFuture.failedFuture(new TetherException(ResultCode.INVALID_STATE, why));
            }
            s.clients.add(client);
            var connected = requests.target(client.requestId, 0).recordWith(
                    target.finish(TargetStatus.DONE, ResultCode.OK, "connection " + client.id() + " to " + s.describe() + " activated"), 1);
            var events = new ArrayList<EventRecord>();
            SessionRecord next = s.record;
            if (cols != null && rows != null && !client.viewOnly) { // a viewer's window does not size the session
                client.cols = cols;
                client.rows = rows;
                next = next.withSize(cols, rows);
                s.terminal.resize(cols, rows);
                for (Client other : s.clients) {
                    if (other != client) {
                        other.transport.resized(cols, rows);
                    }
                }
            }
            ConnectionRecord activated = client.record.withState(ConnectionState.ACTIVATED);
            client.record = activated;
            events.add(changes.event(next, new Event.ClientAttached(activated.id(), activated.clientName(), activated.remote(),
                    s.clients.size(), caller.user())));
            events.add(changes.connectionEvent(activated, new Event.ConnectComplete(activated.id(), client.requestId, ResultCode.OK)));
            if (next.state() != SessionState.ACTIVE) {
                SessionRecord active = next.withState(SessionState.ACTIVE);
                events.add(changes.stateChanged(next, active, "client attached", caller.user()));
                next = active;
            }
            stored = changes.change(s, next, events, tx -> {
                tx.updateConnection(activated);
                connected.within(tx);
            }).whenComplete((v, e) -> connected.written(e));
            Long offset = replay.offset();
            boolean raw = offset != null ? offset >= s.terminal.outputTail() : replay.raw(); // a resume the ring lost gets the screen
            long from = raw ? (offset != null ? offset : s.terminal.outputTail()) : s.terminal.outputBytes();
            client.transport.activated(activated.id(), client.requestId, next.cols(), next.rows(), from);
            if (s.lockMessage != null) {
                client.transport.locked(s.lockMessage);
            }
            if (raw) {
                client.attachTerminal(from);
            } else {
                client.attachScreen(replay.scrollback());
            }
        }
        return stored;
    }

    void resize(Client client, int cols, int rows) {
        if (cols < 1 || cols > 65535 || rows < 1 || rows > 65535) {
            return;
        }
        LiveSession s = client.session;
        synchronized (s) {
            if (!s.clients.contains(client)) {
                return;
            }
            s.terminal.resize(cols, rows);
            s.record = s.record.withSize(cols, rows); // stored with the next change: resizes are too frequent for events
            for (Client other : s.clients) {
                if (other != client) {
                    other.transport.resized(cols, rows);
                }
            }
        }
    }

    /**
     * The system let a connection go on its own: the client closed its socket, the network dropped,
     * it was too slow. Recorded DEACTIVATED with a ConnectStateChange event; the session goes on.
     */
    void clientGone(Client client, String reason) {
        LiveSession s = client.session;
        synchronized (s) {
            if (!s.clients.remove(client)) {
                return;
            }
            client.detach();
            var events = new ArrayList<EventRecord>();
            ConnectionRecord gone = deactivate(client, reason, events, null);
            events.add(changes.event(s.record, new Event.ClientDetached(client.id(), reason, s.clients.size(), "system")));
            SessionRecord next = s.record;
            if (s.clients.isEmpty() && next.state() == SessionState.ACTIVE) {
                next = next.withState(SessionState.DISCONNECTED);
                events.add(changes.stateChanged(s.record, next, reason, "system"));
            }
            changes.change(s, next, events, tx -> tx.updateConnection(gone)).thenRun(() -> ended(gone));
        }
    }

    /**
     * Records a connection DEACTIVATED: with DisconnectComplete {connectionId, requestId, status}
     * when a caller's request ended it, else with ConnectStateChange {connectionId, state, reason}.
     * Call holding the session's monitor; store the returned record with the events.
     */
    ConnectionRecord deactivate(Client client, String reason, List<EventRecord> events, Long requestId) {
        ConnectionRecord done = client.current().deactivated(clock.instant(), reason, client.bytesIn(), client.bytesOut());
        client.record = done;
        connections.remove(done.id());
        if (requestId != null) {
            events.add(changes.connectionEvent(done, new Event.DisconnectComplete(done.id(), requestId, ResultCode.OK, reason)));
        } else {
            events.add(changes.connectionEvent(done, new Event.ConnectStateChange(done.id(), ConnectionState.DEACTIVATED,
                    ConnectionState.DEACTIVATED.code(), reason)));
        }
        return done;
    }

    // ---------------------------------------------------------------- connections

    /** The caller's visible connections matching the query, live ones with their byte counts now. */
    public CompletableFuture<List<ConnectionInfo>> connections(Caller caller, ConnectionQuery query) {
        String workspace = query.workspaceId();
        if (caller.workspaceId() != null) {
            if (workspace != null && !workspace.equals(caller.workspaceId())) {
                return CompletableFuture.failedFuture(otherWorkspace(caller, "list the connections of workspace " + workspace));
            }
            workspace = caller.workspaceId();
        }
        ConnectionQuery scoped = new ConnectionQuery(query.sessionId(), query.state(), workspace,
                caller.admin() ? query.user() : caller.user());
        return store.read(tx -> tx.connections(scoped)).thenApply(found -> found.stream()
                .map(this::current)
                .filter(c -> caller.maySee(c.user()) && (query.state() == null || c.state() == query.state()))
                .map(ConnectionRecord::info)
                .toList());
    }

    public CompletableFuture<ConnectionInfo> connection(Caller caller, long id) {
        Client live = connections.get(id);
        CompletableFuture<ConnectionRecord> found = live != null
                ? CompletableFuture.completedFuture(live.current())
                : store.read(tx -> tx.connection(id).orElse(null));
        return found.thenApply(c -> {
            // Another workspace's connection is not found, as another user's is: a workspace token
            // walking ids would otherwise learn which other workspaces its user has.
            if (c == null || !caller.maySee(c.user()) || !mayActOn(caller, c)) {
                throw noConnection(id);
            }
            return c.info();
        });
    }

    /**
     * Disconnects one connection (IMbnConnection::Disconnect): answers at once with a RUNNING
     * request; DisconnectComplete {connectionId, requestId, status} follows when the transport is
     * closed. A connection that is already disconnected is NOT_FOUND, synchronously and with no
     * request. A token restricted to an application may disconnect only connections that the same
     * application initiated (ACCESS_DENIED otherwise).
     */
    public CompletableFuture<Submitted> disconnectConnection(Caller caller, long id) {
        try {
            sessions.refuseWhileStopping();
        } catch (TetherException e) {
            return CompletableFuture.failedFuture(e);
        }
        Client client = connections.get(id);
        if (client == null) {
            return connection(caller, id).thenApply(c -> {
                throw new TetherException(ResultCode.NOT_FOUND, "connection " + id + " is already disconnected ("
                        + (c.disconnectReason() == null ? c.state().name().toLowerCase() : c.disconnectReason()) + ")");
            });
        }
        ConnectionRecord c = client.record;
        if (!caller.maySee(c.user()) || !mayActOn(caller, c)) {
            return CompletableFuture.failedFuture(noConnection(id));
        }
        if (caller.application() != null && !caller.application().equals(c.application())) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.ACCESS_DENIED, "connection " + id
                    + " was initiated by " + (c.application() == null ? "no application" : "application " + c.application())
                    + "; a token of application " + caller.application() + " may disconnect only the connections it initiated"));
        }
        LiveSession s = client.session;
        synchronized (s) {
            // Checked and claimed under the monitor, before the request is stored: of concurrent calls, one is accepted.
            ConnectionState state = client.record.state();
            if (client.disconnectClaimed || state == ConnectionState.DEACTIVATING || state == ConnectionState.DEACTIVATED) {
                return CompletableFuture.failedFuture(new TetherException(ResultCode.NOT_FOUND, "connection " + id
                        + " is already " + (state == ConnectionState.DEACTIVATED ? "disconnected" : "being disconnected")));
            }
            if (state != ConnectionState.ACTIVATED) {
                return CompletableFuture.failedFuture(new TetherException(ResultCode.INVALID_STATE,
                        "connection " + id + " is " + state.name().toLowerCase() + "; disconnect it once it is activated"));
            }
            client.disconnectClaimed = true;
        }
        var target = TargetResult.pending(id, "connection " + id + " to " + s.describe());
        return requests.open(caller, "disconnect-connection", List.of(target)).whenComplete((accepted, notStored) -> {
            if (notStored != null) {
                synchronized (s) {
                    client.disconnectClaimed = false; // nothing was accepted: a later call may try again
                }
            }
        }).thenApply(accepted -> {
            long requestId = accepted.request().id();
            var outcome = requests.target(requestId, 0);
            TargetResult disconnected = target.finish(TargetStatus.DONE, ResultCode.OK, target.description() + " disconnected");
            CompletableFuture<Void> done;
            synchronized (s) {
                done = s.clients.contains(client)
                        ? letGo(s, client, "disconnected by " + caller.user(), requestId, caller.user(), outcome.recordWith(disconnected, 1))
                        : CompletableFuture.completedFuture(null);
            }
            outcome.finishWhen(done.thenApply(v -> disconnected));
            return accepted;
        });
    }

    /**
     * Disconnects several connections as one request (DisconnectWorkspace): each through the same
     * path as a single disconnect, each with its DisconnectComplete carrying this request's id.
     * Connections no longer live are reported done ("already disconnected").
     */
    public CompletableFuture<Submitted> disconnectConnections(Caller caller, String operation, List<Long> ids, String reason) {
        var targets = ids.stream().map(id -> TargetResult.pending(id, "connection " + id)).toList();
        return requests.open(caller, operation, targets).thenApply(accepted -> {
            long requestId = accepted.request().id();
            for (int i = 0; i < ids.size(); i++) {
                TargetResult target = targets.get(i);
                Client client = connections.get(ids.get(i));
                var outcome = requests.target(requestId, i);
                TargetResult result = target.finish(TargetStatus.DONE, ResultCode.OK, target.description()
                        + (client != null ? " disconnected" : " was already disconnected"));
                CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
                if (client != null) {
                    LiveSession s = client.session;
                    synchronized (s) {
                        if (s.clients.contains(client)) {
                            done = letGo(s, client, reason, requestId, caller.user(), outcome.recordWith(result, 1));
                        }
                    }
                }
                outcome.finishWhen(done.thenApply(v -> result));
            }
            return accepted;
        });
    }

    /** Live connections (ACTIVATING or ACTIVATED) of a user's workspace. */
    public List<ConnectionRecord> liveConnections(String user, String workspaceId) {
        return connections.values().stream().map(c -> c.record)
                .filter(c -> c.user().equals(user) && workspaceId.equals(c.workspaceId()))
                .toList();
    }

    /** Hears every connection that ended (DEACTIVATED and stored), on the store's writer thread. */
    public void onConnectionEnded(Consumer<ConnectionRecord> listener) {
        connectionEnded.add(listener);
    }

    void ended(ConnectionRecord c) {
        for (var listener : connectionEnded) {
            try {
                listener.accept(c);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a connection listener failed on connection " + c.id(), e);
            }
        }
    }

    private ConnectionRecord current(ConnectionRecord stored) {
        Client live = connections.get(stored.id());
        return live != null ? live.current() : stored;
    }

    /** A workspace token acts only on its own workspace's connections; other tokens on all they may see. */
    private static boolean mayActOn(Caller caller, ConnectionRecord c) {
        return caller.workspaceId() == null || caller.workspaceId().equals(c.workspaceId());
    }

    private static TetherException otherWorkspace(Caller caller, String what) {
        return new TetherException(ResultCode.ACCESS_DENIED, "a token of workspace " + caller.workspaceId()
                + " may act only on that workspace's connections; it may not " + what);
    }

    private TetherException noConnection(long id) {
        return new TetherException(ResultCode.NOT_FOUND, "no connection " + id + " on " + sessions.serverName());
    }

    /**
     * A caller's request lets a connection go (IMbnConnection::Disconnect): it is DEACTIVATING at
     * once; when its transport is closed it is DEACTIVATED with a DisconnectComplete event carrying
     * the request id. The request's target is recorded in that same write ({@code outcome}, see
     * {@link RequestBook.Target#recordWith}). Call holding the session's monitor.
     */
    CompletableFuture<Void> letGo(LiveSession s, Client c, String reason, long requestId, String by, RequestBook.Target outcome) {
        s.clients.remove(c);
        c.detach();
        c.record = c.record.withState(ConnectionState.DEACTIVATING);
        var events = new ArrayList<EventRecord>();
        events.add(changes.event(s.record, new Event.ClientDetached(c.id(), reason, s.clients.size(), by)));
        if (s.clients.isEmpty() && s.record.state() == SessionState.ACTIVE) {
            SessionRecord next = s.record.withState(SessionState.DISCONNECTED);
            events.add(changes.stateChanged(s.record, next, reason, by));
            changes.change(s, next, events);
        } else {
            changes.change(s, s.record, events);
        }
        // A copy: the transport's own future is not ours to complete.
        return scheduler.completeAfter(c.transport.end(EndNotice.disconnected(reason)).toCompletableFuture().copy(), LET_GO_TIMEOUT, null)
                .thenCompose(closed -> {
                    synchronized (s) {
                        var done = new ArrayList<EventRecord>();
                        ConnectionRecord record = deactivate(c, reason, done, requestId);
                        return store.<Void>write(tx -> {
                            tx.updateConnection(record);
                            done.forEach(tx::append);
                            outcome.within(tx);
                            return null;
                        }).whenComplete((v, e) -> outcome.written(e)).thenRun(() -> ended(record));
                    }
                });
    }
}
