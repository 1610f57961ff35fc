package dev.tether.core;

import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sessions: starting them, attaching clients, disconnecting and closing them, and the requests
 * that do so.
 *
 * <p><b>Who owns what.</b> This service owns the live state of every session that is not CLOSED
 * (the {@link LiveSession} registry); the store owns history and the event log. Every change of a
 * session goes through {@link #change}: under the session's monitor it replaces the live record and
 * submits the stored record together with its events as one store write. Because the store has a
 * single FIFO writer, the writes of one session are stored in the order they were made, and
 * events are published in id order after their commit.
 *
 * <p><b>Threads.</b> Nothing here blocks: PTY callbacks arrive on the PTY loop, store completions
 * on the store writer, timers on one timer thread; work that may take milliseconds (spawning a
 * program) runs on a small worker pool.
 */
public final class SessionService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SessionService.class.getName());
    private static final int SIGHUP = 1;
    private static final int SIGKILL = 9;
    private static final int SIGTERM = 15;

    /** Settings of the service: the server name, ring buffer size and the two close graces. */
    public record Settings(String serverName, int ringBytes, Duration hangupGrace, Duration termGrace) {
    }

    private final Store store;
    private final PtyHost pty;
    private final InstantSource clock;
    private final Settings settings;
    private final Launcher launcher;
    private final EventHub hub = new EventHub();
    private final RequestBook requests;
    private final Map<Long, LiveSession> live = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timers;
    private final ExecutorService workers;
    /** Live connections (ACTIVATING or ACTIVATED) by id. */
    private final Map<Long, Client> connections = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<Void>> pendingMessages = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong messageIds = new java.util.concurrent.atomic.AtomicLong();
    private final List<Consumer<ConnectionRecord>> connectionEnded = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile String serverUrl = "";
    private volatile boolean stopping;

    public SessionService(Store store, PtyHost pty, InstantSource clock, Settings settings) {
        this(store, pty, clock, settings, System.getenv());
    }

    SessionService(Store store, PtyHost pty, InstantSource clock, Settings settings, Map<String, String> serverEnv) {
        this.store = store;
        this.pty = pty;
        this.clock = clock;
        this.settings = settings;
        this.launcher = new Launcher(serverEnv);
        this.requests = new RequestBook(store, clock);
        this.timers = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("tether-timer").daemon().factory());
        this.workers = Executors.newFixedThreadPool(2, Thread.ofPlatform().name("tether-worker-", 1).daemon().factory());
        store.onCommit(hub::publish);
    }

    public EventHub events() {
        return hub;
    }

    public String serverName() {
        return settings.serverName();
    }

    /**
     * Opens for business at {@code url}: sessions a previous run left open (it died without closing
     * them) are recorded CLOSED with reason {@code server crashed}, then ServerStarted is recorded.
     *
     * @return how many sessions were found left open
     */
    public CompletableFuture<Integer> start(String url) {
        this.serverUrl = url;
        return store.write(tx -> {
            int crashed = 0;
            for (ConnectionRecord c : tx.connections(ConnectionQuery.ALL)) {
                if (c.state() != ConnectionState.DEACTIVATED) {
                    ConnectionRecord done = c.deactivated(clock.instant(), "server crashed", c.bytesIn(), c.bytesOut());
                    tx.updateConnection(done);
                    tx.append(connectionEvent("ConnectStateChange", done, Map.of("connectionId", done.id(),
                            "state", ConnectionState.DEACTIVATED.name(), "stateCode", ConnectionState.DEACTIVATED.code(),
                            "reason", "server crashed")));
                }
            }
            for (SessionRecord s : tx.sessions(false)) {
                SessionRecord closed = s.closed(clock.instant(), null, "server crashed");
                tx.updateSession(closed);
                tx.append(event("SessionClosed", closed, Map.of("from", s.state().name(), "to", "CLOSED",
                        "reason", "server crashed", "by", "system")));
                crashed++;
            }
            tx.append(new EventRecord(0, "ServerStarted", clock.instant(), null, "system",
                    Map.of("name", settings.serverName(), "url", url, "recoveredSessions", crashed)));
            return crashed;
        });
    }

    // ---------------------------------------------------------------- sessions

    /** Starts a session owned by the caller; completes once it is running (DISCONNECTED). */
    public CompletableFuture<SessionInfo> create(Caller caller, NewSession request) {
        try {
            refuseWhileStopping();
            int cols = request.colsOrDefault();
            int rows = request.rowsOrDefault();
            Map<String, String> extra = Launcher.checkEnvironment(request.env());
            List<String> argv = launcher.argv(request);
            var draft = new SessionRecord(0, settings.serverName(), caller.user(), argv, cols, rows, SessionState.INIT,
                    false, 0, clock.instant(), null, null, null);
            return store.write(tx -> {
                SessionRecord r = tx.insertSession(draft);
                tx.append(event("SessionCreated", r, Map.of("command", SessionInfo.commandLine(argv), "by", caller.user())));
                return r;
            }).thenComposeAsync(r -> launch(r, extra), workers);
        } catch (TetherException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<SessionInfo> launch(SessionRecord r, Map<String, String> extra) {
        var s = new LiveSession(r);
        live.put(r.id(), s);
        Terminal terminal;
        try {
            var spec = new TerminalSpec(r.command(), launcher.environment(r.id(), serverUrl, extra),
                    Path.of(launcher.home()), r.cols(), r.rows(), settings.ringBytes());
            terminal = pty.spawn(spec, code -> exited(s, code));
        } catch (RuntimeException e) {
            String reason = "failed to start: " + e.getMessage();
            synchronized (s) {
                change(s, r.closed(clock.instant(), null, reason),
                        List.of(event("SessionClosed", r, Map.of("from", "INIT", "to", "CLOSED", "reason", reason, "by", "system"))));
            }
            live.remove(r.id());
            s.closed.complete(s.record);
            return CompletableFuture.failedFuture(e instanceof TetherException te ? te
                    : new TetherException(ResultCode.INTERNAL, "session " + r.id() + " " + reason, e));
        }
        CompletableFuture<Void> started;
        synchronized (s) {
            s.terminal = terminal;
            if (s.record.state() != SessionState.INIT) {
                return CompletableFuture.completedFuture(s.info()); // it exited already
            }
            SessionRecord next = s.record.withPid(terminal.pid()).withState(SessionState.DISCONNECTED);
            started = change(s, next, List.of(stateChanged(s.record, next, "started", "system")));
            if (s.closeReason != null) {
                terminal.signal(SIGHUP);
            }
        }
        return started.thenApply(v -> s.info());
    }

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
            return found.filter(r -> caller.maySee(r.user())).map(r -> SessionInfo.of(r, 0))
                    .orElseThrow(() -> notFound(id));
        });
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
                    return s != null ? s.info() : SessionInfo.of(r, 0);
                })
                .toList());
    }

    /**
     * Stored events after {@code afterId}, in id order, that the caller may see: admins all, users
     * those about their own sessions and requests ({@link EventRecord#user()} is whose they are).
     */
    public CompletableFuture<EventPage> history(Caller caller, long afterId, int limit) {
        return store.read(tx -> tx.events(afterId, limit)).thenApply(events -> new EventPage(
                caller.admin() ? events : events.stream().filter(e -> caller.maySee(e.user())).toList(),
                events.isEmpty() ? afterId : events.getLast().id(),
                events.size() == limit));
    }

    /**
     * One page of history: the visible events, the id up to which the log was read (every event up
     * to it is in {@code events} or not visible to the caller), and whether more may follow.
     */
    public record EventPage(List<EventRecord> events, long scannedTo, boolean more) {
    }

    // ---------------------------------------------------------------- attach (connect)

    /**
     * Connects a client (IMbnConnection::Connect semantics): a connect request and an ACTIVATING
     * connection are stored and the transport is told their ids at once; then the connection is
     * ACTIVATED, the transport is told, output starts (the replay, then live bytes) and a
     * ConnectComplete event {connectionId, requestId, status} is recorded. A size, when given,
     * becomes the session's size (the most recent client's size wins).
     */
    public CompletableFuture<ClientHandle> attach(Caller caller, long id, ClientTransport transport,
                                                  Integer cols, Integer rows, String clientName, String remote) {
        LiveSession s;
        try {
            refuseWhileStopping();
            if (caller.ownSessionId() == id) {
                throw new TetherException(ResultCode.OWN_SESSION,
                        "session " + id + " is the session this call comes from; attaching it to itself would loop its output");
            }
            s = live.get(id);
        } catch (TetherException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (s == null || !caller.maySee(s.record.user())) {
            return get(caller, id).thenApply(info -> {
                throw new TetherException(ResultCode.INVALID_STATE, "session " + id + " is closed ("
                        + info.closeReason() + "); start a new one");
            });
        }
        var target = TargetResult.pending(id, "connection to " + s.describe());
        var draft = new ConnectionRecord(0, id, caller.user(), caller.application(), caller.workspaceId(), clientName,
                remote, ConnectionState.ACTIVATING, clock.instant(), null, null, 0, 0);
        return requests.open(caller, "connect", List.of(target))
                .thenCompose(accepted -> store.write(tx -> tx.insertConnection(draft)).thenApply(connection -> {
                    var client = new Client(connection, accepted.request().id(), s, transport, this);
                    connections.put(connection.id(), client);
                    transport.connecting(connection.id(), client.requestId);
                    return client;
                }))
                .thenCompose(client -> activate(client, caller, cols, rows).thenApply(v -> (ClientHandle) client));
    }

    private CompletableFuture<Void> activate(Client client, Caller caller, Integer cols, Integer rows) {
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
                    tx.append(connectionEvent("ConnectComplete", failed, Map.of("connectionId", failed.id(),
                            "requestId", client.requestId, "status", ResultCode.INVALID_STATE.name())));
                    return null;
                });
                requests.finish(client.requestId, 0, TargetResult.pending(s.id, "connection to " + s.describe())
                        .finish(TargetStatus.FAILED, ResultCode.INVALID_STATE, why));
                return CompletableFuture.failedFuture(new TetherException(ResultCode.INVALID_STATE, why));
            }
            s.clients.add(client);
            var events = new ArrayList<EventRecord>();
            SessionRecord next = s.record;
            if (cols != null && rows != null) {
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
            events.add(event("ClientAttached", next, Map.of("clientId", activated.id(), "client", String.valueOf(activated.clientName()),
                    "remote", String.valueOf(activated.remote()), "clients", s.clients.size(), "by", caller.user())));
            events.add(connectionEvent("ConnectComplete", activated, Map.of("connectionId", activated.id(),
                    "requestId", client.requestId, "status", ResultCode.OK.name())));
            if (next.state() != SessionState.ACTIVE) {
                SessionRecord active = next.withState(SessionState.ACTIVE);
                events.add(stateChanged(next, active, "client attached", caller.user()));
                next = active;
            }
            stored = change(s, next, events, tx -> tx.updateConnection(activated));
            client.transport.activated(activated.id(), client.requestId, next.cols(), next.rows());
            if (s.lockMessage != null) {
                client.transport.locked(s.lockMessage);
            }
            client.attachTerminal();
        }
        return stored.thenRun(() -> requests.finish(client.requestId, 0, TargetResult.pending(s.id, "connection to " + s.describe())
                .finish(TargetStatus.DONE, ResultCode.OK, "connection " + client.id() + " to " + s.describe() + " activated")));
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
            events.add(event("ClientDetached", s.record, Map.of("clientId", client.id(), "reason", reason,
                    "clients", s.clients.size(), "by", "system")));
            SessionRecord next = s.record;
            if (s.clients.isEmpty() && next.state() == SessionState.ACTIVE) {
                next = next.withState(SessionState.DISCONNECTED);
                events.add(stateChanged(s.record, next, reason, "system"));
            }
            change(s, next, events, tx -> tx.updateConnection(gone)).thenRun(() -> ended(gone));
        }
    }

    /**
     * Records a connection DEACTIVATED: with DisconnectComplete {connectionId, requestId, status}
     * when a caller's request ended it, else with ConnectStateChange {connectionId, state, reason}.
     * Call holding the session's monitor; store the returned record with the events.
     */
    private ConnectionRecord deactivate(Client client, String reason, List<EventRecord> events, Long requestId) {
        ConnectionRecord done = client.current().deactivated(clock.instant(), reason, client.bytesIn(), client.bytesOut());
        client.record = done;
        connections.remove(done.id());
        if (requestId != null) {
            events.add(connectionEvent("DisconnectComplete", done, Map.of("connectionId", done.id(), "requestId", requestId,
                    "status", ResultCode.OK.name(), "reason", reason)));
        } else {
            events.add(connectionEvent("ConnectStateChange", done, Map.of("connectionId", done.id(),
                    "state", ConnectionState.DEACTIVATED.name(), "stateCode", ConnectionState.DEACTIVATED.code(), "reason", reason)));
        }
        return done;
    }

    // ---------------------------------------------------------------- connections

    /** The caller's visible connections matching the query, live ones with their byte counts now. */
    public CompletableFuture<List<ConnectionInfo>> connections(Caller caller, ConnectionQuery query) {
        ConnectionQuery scoped = caller.admin() ? query
                : new ConnectionQuery(query.sessionId(), query.state(), query.workspaceId(), caller.user());
        return store.read(tx -> tx.connections(scoped)).thenApply(found -> found.stream()
                .map(this::current)
                .filter(c -> caller.maySee(c.user()) && (query.state() == null || c.state() == query.state()))
                .map(ConnectionInfo::of)
                .toList());
    }

    public CompletableFuture<ConnectionInfo> connection(Caller caller, long id) {
        Client live = connections.get(id);
        CompletableFuture<ConnectionRecord> found = live != null
                ? CompletableFuture.completedFuture(live.current())
                : store.read(tx -> tx.connection(id).orElse(null));
        return found.thenApply(c -> {
            if (c == null || !caller.maySee(c.user())) {
                throw noConnection(id);
            }
            return ConnectionInfo.of(c);
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
            refuseWhileStopping();
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
        if (!caller.maySee(c.user())) {
            return CompletableFuture.failedFuture(noConnection(id));
        }
        if (c.state() != ConnectionState.ACTIVATED) {
            return CompletableFuture.failedFuture(new TetherException(c.state() == ConnectionState.DEACTIVATING
                    ? ResultCode.NOT_FOUND : ResultCode.INVALID_STATE, "connection " + id + " is " + c.state().name().toLowerCase()));
        }
        if (caller.application() != null && !caller.application().equals(c.application())) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.ACCESS_DENIED, "connection " + id
                    + " was initiated by " + (c.application() == null ? "no application" : "application " + c.application())
                    + "; a token of application " + caller.application() + " may disconnect only the connections it initiated"));
        }
        var target = TargetResult.pending(id, "connection " + id + " to " + client.session.describe());
        return requests.open(caller, "disconnect-connection", List.of(target)).thenApply(accepted -> {
            long requestId = accepted.request().id();
            CompletableFuture<Void> done;
            LiveSession s = client.session;
            synchronized (s) {
                done = s.clients.contains(client)
                        ? letGo(s, client, "disconnected by " + caller.user(), requestId, caller.user())
                        : CompletableFuture.completedFuture(null);
            }
            done.whenComplete((v, e) -> requests.finish(requestId, 0, e == null
                    ? target.finish(TargetStatus.DONE, ResultCode.OK, target.description() + " disconnected")
                    : target.finish(TargetStatus.FAILED, codeOf(e), target.description() + ": " + messageOf(e))));
            return new Submitted(accepted.request(), accepted.completion());
        });
    }

    /**
     * Disconnects several connections as one request (DisconnectWorkspace): each through the same
     * path as a single disconnect, each with its DisconnectComplete carrying this request's id.
     * Connections no longer live are reported done ("already disconnected").
     */
    CompletableFuture<Submitted> disconnectConnections(Caller caller, String operation, List<Long> ids, String reason) {
        var targets = ids.stream().map(id -> TargetResult.pending(id, "connection " + id)).toList();
        return requests.open(caller, operation, targets).thenApply(accepted -> {
            long requestId = accepted.request().id();
            for (int i = 0; i < ids.size(); i++) {
                int index = i;
                TargetResult target = targets.get(i);
                Client client = connections.get(ids.get(i));
                CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
                if (client != null) {
                    LiveSession s = client.session;
                    synchronized (s) {
                        if (s.clients.contains(client)) {
                            done = letGo(s, client, reason, requestId, caller.user());
                        }
                    }
                }
                boolean wasLive = client != null;
                done.whenComplete((v, e) -> requests.finish(requestId, index, e != null
                        ? target.finish(TargetStatus.FAILED, codeOf(e), target.description() + ": " + messageOf(e))
                        : target.finish(TargetStatus.DONE, ResultCode.OK, target.description()
                                + (wasLive ? " disconnected" : " was already disconnected"))));
            }
            return new Submitted(accepted.request(), accepted.completion());
        });
    }

    /** Live connections (ACTIVATING or ACTIVATED) of a user's workspace. */
    List<ConnectionRecord> liveConnections(String user, String workspaceId) {
        return connections.values().stream().map(c -> c.record)
                .filter(c -> c.user().equals(user) && workspaceId.equals(c.workspaceId()))
                .toList();
    }

    /** Hears every connection that ended (DEACTIVATED and stored), on the store's writer thread. */
    void onConnectionEnded(Consumer<ConnectionRecord> listener) {
        connectionEnded.add(listener);
    }

    private void ended(ConnectionRecord c) {
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

    private TetherException noConnection(long id) {
        return new TetherException(ResultCode.NOT_FOUND, "no connection " + id + " on " + settings.serverName());
    }

    // ---------------------------------------------------------------- requests

    /** The request as accepted (RUNNING, or COMPLETED when nothing was left to do) and its completion. */
    public record Submitted(RequestRecord request, CompletableFuture<RequestRecord> completion) {
    }

    /**
     * Disconnects the selected sessions: every client is detached and told who disconnected it;
     * the programs keep running.
     *
     * @param single a single-target call: a target that cannot be acted on fails the call itself,
     *     synchronously, and no request is created
     */
    public CompletableFuture<Submitted> disconnect(Caller caller, Selection selection, boolean single) {
        return submit(caller, "disconnect", selection, single);
    }

    /** Logs the selected sessions off: SIGHUP, then SIGTERM, then SIGKILL; done when the program is gone. */
    public CompletableFuture<Submitted> close(Caller caller, Selection selection, boolean single) {
        return submit(caller, "close", selection, single);
    }

    /**
     * Locks the selected sessions (Lock-WmsSession): attached clients show a lock screen with the
     * message; input is ignored and output withheld (kept in the ring buffer) until unlocked.
     */
    public CompletableFuture<Submitted> lock(Caller caller, Selection selection, String message, boolean single) {
        if (message == null || message.isBlank() || message.length() > 1024) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.INVALID_PARAMETER,
                    "a lock needs a message of 1 to 1024 characters to show on the lock screen"));
        }
        return submit(caller, "lock", selection, single, (s, t, r) -> lockTarget(s, t, caller, message));
    }

    /**
     * Unlocks the selected sessions (Unlock-WmsSession): by an administrator, or by the owner with
     * their password.
     */
    public CompletableFuture<Submitted> unlock(Caller caller, Selection selection, boolean single, Accounts accounts, char[] password) {
        CompletableFuture<Boolean> allowed = caller.admin() ? CompletableFuture.completedFuture(true)
                : password == null ? CompletableFuture.completedFuture(false)
                : accounts.verifyPassword(caller.user(), password);
        return allowed.thenCompose(ok -> {
            if (!ok) {
                throw new TetherException(ResultCode.ACCESS_DENIED, password == null
                        ? "unlocking needs your password (or an administrator)"
                        : "the password of " + caller.user() + " is wrong; the sessions stay locked");
            }
            return submit(caller, "unlock", selection, single, (s, t, r) -> unlockTarget(s, t, caller));
        });
    }

    private CompletableFuture<TargetResult> lockTarget(LiveSession s, TargetResult target, Caller caller, String message) {
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
            return change(s, s.record.withLocked(true), List.of(event("SessionLocked", s.record,
                    Map.of("message", message, "by", caller.user())))).thenApply(v -> target.finish(TargetStatus.DONE,
                    ResultCode.OK, target.description() + " locked"));
        }
    }

    private CompletableFuture<TargetResult> unlockTarget(LiveSession s, TargetResult target, Caller caller) {
        synchronized (s) {
            if (!s.record.locked()) {
                return CompletableFuture.completedFuture(target.finish(TargetStatus.DONE, ResultCode.OK,
                        target.description() + " was not locked"));
            }
            s.lockMessage = null;
            s.terminal.hold(false);
            s.clients.forEach(c -> c.transport.unlocked());
            return change(s, s.record.withLocked(false), List.of(event("SessionUnlocked", s.record,
                    Map.of("by", caller.user())))).thenApply(v -> target.finish(TargetStatus.DONE, ResultCode.OK,
                    target.description() + " unlocked"));
        }
    }

    /**
     * Shows a message to every client of the session (WTSSendMessage). With {@code wait} the answer
     * is OK once a client acknowledged it or TIMEOUT (IDTIMEOUT 32000) when {@code timeoutSeconds}
     * pass first; without it, ASYNC (IDASYNC 32001) at once. A session with no client is INVALID_STATE.
     */
    public CompletableFuture<MessageResult> message(Caller caller, long id, String title, String text, int timeoutSeconds, boolean wait) {
        if (title == null || title.isBlank() || title.length() > 256 || text == null || text.isBlank() || text.length() > 4096) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.INVALID_PARAMETER,
                    "a message needs a title (1 to 256 characters) and a text (1 to 4096 characters)"));
        }
        if (timeoutSeconds < 0 || timeoutSeconds > 3600) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.INVALID_PARAMETER,
                    "the message timeout " + timeoutSeconds + " s is outside 0..3600 (0: no timeout)"));
        }
        return get(caller, id).thenCompose(info -> {
            LiveSession s = live.get(id);
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
            long limit = timeoutSeconds == 0 ? 3600 : timeoutSeconds;
            acknowledged.orTimeout(limit, TimeUnit.SECONDS).whenComplete((v, e) -> pendingMessages.remove(messageId));
            store.write(tx -> tx.append(event("SessionMessageSent", s.record, Map.of("messageId", messageId, "title", title,
                    "clients", shown, "wait", wait, "by", caller.user()))));
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

    public CompletableFuture<RequestRecord> request(Caller caller, long id) {
        return requests.get(caller, id);
    }

    public CompletableFuture<RequestRecord> awaitRequest(Caller caller, long id, Duration timeout) {
        return requests.await(caller, id, timeout);
    }

    private record Planned(LiveSession session, TargetResult target) {
    }

    private interface TargetAction {
        CompletableFuture<TargetResult> run(LiveSession session, TargetResult target, long requestId);
    }

    private CompletableFuture<Submitted> submit(Caller caller, String operation, Selection selection, boolean single) {
        return submit(caller, operation, selection, single, operation.equals("close")
                ? (s, t, r) -> closeTarget(s, t, caller)
                : (s, t, r) -> disconnectTarget(s, t, caller, r));
    }

    private CompletableFuture<Submitted> submit(Caller caller, String operation, Selection selection, boolean single,
                                                TargetAction action) {
        try {
            refuseWhileStopping();
        } catch (TetherException e) {
            return CompletableFuture.failedFuture(e);
        }
        return plan(caller, operation, selection).thenCompose(plan -> {
            List<TargetResult> targets = plan.stream().map(Planned::target).toList();
            if (single && targets.size() == 1 && targets.getFirst().status() == TargetStatus.FAILED) {
                TargetResult t = targets.getFirst();
                throw new TetherException(t.result(), t.message());
            }
            if (selection.whatIf()) {
                var answer = new RequestRecord(0, operation, caller.user(), true, RequestStatus.COMPLETED,
                        RequestBook.overall(targets), targets, clock.instant(), clock.instant());
                return CompletableFuture.completedFuture(new Submitted(answer, CompletableFuture.completedFuture(answer)));
            }
            return requests.open(caller, operation, targets).thenApply(accepted -> {
                long requestId = accepted.request().id();
                for (int i = 0; i < plan.size(); i++) {
                    Planned p = plan.get(i);
                    if (p.target().status() != TargetStatus.PENDING) {
                        continue;
                    }
                    int index = i;
                    CompletableFuture<TargetResult> done = action.run(p.session(), p.target(), requestId);
                    done.whenComplete((result, error) -> requests.finish(requestId, index, error == null ? result
                            : p.target().finish(TargetStatus.FAILED, codeOf(error), p.target().description() + ": " + messageOf(error))));
                }
                return new Submitted(accepted.request(), accepted.completion());
            });
        });
    }

    /** Decides per target what will happen: PENDING (to do), SKIPPED or FAILED, with the reason. */
    private CompletableFuture<List<Planned>> plan(Caller caller, String operation, Selection selection) {
        String verb = Character.toUpperCase(operation.charAt(0)) + operation.substring(1);
        if (caller.application() != null) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.ACCESS_DENIED, "a token restricted to application "
                    + caller.application() + " may not " + operation + " whole sessions; it may disconnect the connections it initiated"));
        }
        if (selection.all()) {
            List<Planned> plan = live.values().stream()
                    .filter(s -> caller.maySee(s.record.user()))
                    .sorted(Comparator.comparingLong(s -> s.id))
                    .map(s -> {
                        String d = s.describe();
                        if (s.id == caller.ownSessionId()) {
                            return new Planned(s, new TargetResult(s.id, d, TargetStatus.SKIPPED, ResultCode.OWN_SESSION,
                                    d + " is your own session: skipped"));
                        }
                        return new Planned(s, pending(s.id, d, verb, selection.whatIf()));
                    })
                    .toList();
            return CompletableFuture.completedFuture(plan);
        }
        var ids = new LinkedHashSet<>(selection.ids());
        var missing = ids.stream().filter(id -> !live.containsKey(id)).toList();
        CompletableFuture<Map<Long, SessionRecord>> history = missing.isEmpty()
                ? CompletableFuture.completedFuture(Map.of())
                : store.read(tx -> {
                    var found = new HashMap<Long, SessionRecord>();
                    missing.forEach(id -> tx.session(id).ifPresent(r -> found.put(id, r)));
                    return found;
                });
        return history.thenApply(stored -> {
            var plan = new ArrayList<Planned>();
            for (long id : ids) {
                LiveSession s = live.get(id);
                SessionRecord r = s != null ? s.record : stored.get(id);
                if (r == null || !caller.maySee(r.user())) {
                    plan.add(new Planned(null, new TargetResult(id, "session " + id, TargetStatus.FAILED, ResultCode.NOT_FOUND,
                            notFound(id).getMessage())));
                    continue;
                }
                String d = LiveSession.describe(r);
                if (id == caller.ownSessionId()) {
                    plan.add(new Planned(s, new TargetResult(id, d, TargetStatus.FAILED, ResultCode.OWN_SESSION,
                            d + " is your own session: Tether does not " + operation + " the session a call comes from")));
                } else if (s == null || r.state() == SessionState.CLOSED) {
                    plan.add(new Planned(s, new TargetResult(id, d, TargetStatus.FAILED, ResultCode.INVALID_STATE,
                            d + " is closed already (" + r.closeReason() + ")")));
                } else {
                    plan.add(new Planned(s, pending(id, d, verb, selection.whatIf())));
                }
            }
            return plan;
        });
    }

    private static TargetResult pending(long id, String description, String verb, boolean whatIf) {
        return new TargetResult(id, description, TargetStatus.PENDING, null, whatIf
                ? "What if: Performing the operation \"" + verb + "\" on target \"" + description + "\"."
                : null);
    }

    private CompletableFuture<TargetResult> disconnectTarget(LiveSession s, TargetResult target, Caller caller, long requestId) {
        String reason = "disconnected by " + caller.user();
        var ends = new ArrayList<CompletableFuture<Void>>();
        int count;
        synchronized (s) {
            if (s.record.state() == SessionState.CLOSED) {
                return CompletableFuture.completedFuture(target.finish(TargetStatus.FAILED, ResultCode.INVALID_STATE,
                        target.description() + " is closed already (" + s.record.closeReason() + ")"));
            }
            count = s.clients.size();
            if (count == 0) {
                return CompletableFuture.completedFuture(target.finish(TargetStatus.DONE, ResultCode.OK,
                        target.description() + " had no client attached; it stays disconnected"));
            }
            for (Client c : List.copyOf(s.clients)) {
                ends.add(letGo(s, c, reason, requestId, caller.user()));
            }
        }
        return CompletableFuture.allOf(ends.toArray(CompletableFuture[]::new)).thenApply(v -> target.finish(
                TargetStatus.DONE, ResultCode.OK, target.description() + " disconnected ("
                        + count + (count == 1 ? " client" : " clients") + " let go); its programs keep running"));
    }

    /**
     * A caller's request lets a connection go (IMbnConnection::Disconnect): it is DEACTIVATING at
     * once; when its transport is closed it is DEACTIVATED with a DisconnectComplete event carrying
     * the request id. Call holding the session's monitor.
     */
    private CompletableFuture<Void> letGo(LiveSession s, Client c, String reason, long requestId, String by) {
        s.clients.remove(c);
        c.detach();
        c.record = c.record.withState(ConnectionState.DEACTIVATING);
        var events = new ArrayList<EventRecord>();
        events.add(event("ClientDetached", s.record, Map.of("clientId", c.id(), "reason", reason,
                "clients", s.clients.size(), "by", by)));
        if (s.clients.isEmpty() && s.record.state() == SessionState.ACTIVE) {
            SessionRecord next = s.record.withState(SessionState.DISCONNECTED);
            events.add(stateChanged(s.record, next, reason, by));
            change(s, next, events);
        } else {
            change(s, s.record, events);
        }
        return c.transport.end(EndNotice.disconnected(reason)).toCompletableFuture()
                .completeOnTimeout(null, 5, TimeUnit.SECONDS)
                .thenCompose(closed -> {
                    synchronized (s) {
                        var done = new ArrayList<EventRecord>();
                        ConnectionRecord record = deactivate(c, reason, done, requestId);
                        return store.<Void>write(tx -> {
                            tx.updateConnection(record);
                            done.forEach(tx::append);
                            return null;
                        }).thenRun(() -> ended(record));
                    }
                });
    }

    private CompletableFuture<TargetResult> closeTarget(LiveSession s, TargetResult target, Caller caller) {
        synchronized (s) {
            if (s.record.state() == SessionState.CLOSED) {
                return CompletableFuture.completedFuture(target.finish(TargetStatus.FAILED, ResultCode.INVALID_STATE,
                        target.description() + " is closed already (" + s.record.closeReason() + ")"));
            }
            beginClose(s, "logoff by " + caller.user());
        }
        return s.closed.thenApply(r -> target.finish(TargetStatus.DONE, ResultCode.OK,
                target.description() + " logged off (" + r.closeReason() + ", exit code " + r.exitCode() + ")"));
    }

    /** Hangs the session up, escalating to SIGTERM and SIGKILL. Call holding the session's monitor. */
    private void beginClose(LiveSession s, String reason) {
        if (s.closeReason != null) {
            return; // already closing: the first reason stands and the escalation is under way
        }
        s.closeReason = reason;
        if (s.terminal == null) {
            return; // still starting: launch() hangs it up as soon as it runs
        }
        Terminal t = s.terminal;
        t.signal(SIGHUP);
        long hangup = settings.hangupGrace().toMillis();
        s.escalations.add(timers.schedule(() -> t.signal(SIGTERM), hangup, TimeUnit.MILLISECONDS));
        s.escalations.add(timers.schedule(() -> t.signal(SIGKILL), hangup + settings.termGrace().toMillis(), TimeUnit.MILLISECONDS));
    }

    /** The program is gone: tell the clients, record CLOSED with the exit code and the reason. */
    private void exited(LiveSession s, int exitCode) {
        synchronized (s) {
            s.escalations.forEach(f -> f.cancel(false));
            String reason = s.closeReason != null ? s.closeReason : "program exited";
            var events = new ArrayList<EventRecord>();
            var ended = new ArrayList<ConnectionRecord>();
            for (Client c : s.clients) {
                c.detach();
                ended.add(deactivate(c, reason, events, null));
                events.add(event("ClientDetached", s.record, Map.of("clientId", c.id(), "reason", reason, "clients", 0, "by", "system")));
                c.transport.end(EndNotice.ended(reason, exitCode));
            }
            s.clients.clear();
            SessionRecord closed = s.record.closed(clock.instant(), exitCode, reason);
            events.add(event("SessionClosed", closed, Map.of("from", s.record.state().name(), "to", "CLOSED",
                    "exitCode", exitCode, "reason", reason, "by", reason.startsWith("logoff by ") ? reason.substring(10) : "system")));
            change(s, closed, events, tx -> ended.forEach(tx::updateConnection)).whenComplete((v, e) -> {
                ended.forEach(this::ended);
                live.remove(s.id);
                s.closed.complete(closed);
            });
        }
    }

    // ---------------------------------------------------------------- the one path of change

    /**
     * Replaces the live record and stores it with its events as one write. Call holding the
     * session's monitor, so the writes of one session reach the store in the order they were made.
     */
    private CompletableFuture<Void> change(LiveSession s, SessionRecord next, List<EventRecord> events) {
        return change(s, next, events, tx -> { });
    }

    /** {@link #change} that also stores what {@code also} writes (connection records) in the same transaction. */
    private CompletableFuture<Void> change(LiveSession s, SessionRecord next, List<EventRecord> events, Consumer<WriteTx> also) {
        s.record = next;
        return store.<Void>write(tx -> {
            tx.updateSession(next);
            also.accept(tx);
            events.forEach(tx::append);
            return null;
        }).whenComplete((v, e) -> {
            if (e != null) {
                LOG.log(Level.SEVERE, "could not store the change of session " + s.id, e);
            }
        });
    }

    private EventRecord event(String type, SessionRecord s, Map<String, Object> data) {
        return new EventRecord(0, type, clock.instant(), s.id(), s.user(), data);
    }

    private EventRecord connectionEvent(String type, ConnectionRecord c, Map<String, Object> data) {
        return new EventRecord(0, type, clock.instant(), c.sessionId(), c.user(), data);
    }

    private EventRecord stateChanged(SessionRecord from, SessionRecord to, String reason, String by) {
        var data = new LinkedHashMap<String, Object>();
        data.put("from", from.state().name());
        data.put("to", to.state().name());
        data.put("fromCode", from.state().code());
        data.put("toCode", to.state().code());
        data.put("reason", reason);
        data.put("by", by);
        return event("SessionStateChanged", to, data);
    }

    private TetherException notFound(long id) {
        return new TetherException(ResultCode.NOT_FOUND, "no session " + id + " on " + settings.serverName());
    }

    private void refuseWhileStopping() {
        if (stopping) {
            throw new TetherException(ResultCode.CANCELLED, "the server " + settings.serverName() + " is stopping");
        }
    }

    static ResultCode codeOf(Throwable error) {
        Throwable e = unwrap(error);
        return e instanceof TetherException te ? te.code() : ResultCode.INTERNAL;
    }

    static String messageOf(Throwable error) {
        Throwable e = unwrap(error);
        return e instanceof TetherException ? e.getMessage() : "internal error";
    }

    static Throwable unwrap(Throwable e) {
        while ((e instanceof java.util.concurrent.CompletionException || e instanceof java.util.concurrent.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * Stops: refuses new work, closes every session with reason {@code server stopped} (waiting up
     * to both graces and a little more for the programs to go), fails what is still pending, and
     * records ServerStopped. Idempotent.
     */
    @Override
    public void close() {
        if (stopping) {
            return;
        }
        stopping = true;
        List<LiveSession> sessions = List.copyOf(live.values());
        for (LiveSession s : sessions) {
            synchronized (s) {
                beginClose(s, "server stopped");
            }
        }
        long waitMs = settings.hangupGrace().plus(settings.termGrace()).toMillis() + 3_000;
        try {
            CompletableFuture.allOf(sessions.stream().map(s -> s.closed).toArray(CompletableFuture[]::new))
                    .get(waitMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warning("sessions still running after " + waitMs + " ms: " + live.keySet());
        } catch (Exception e) {
            LOG.log(Level.WARNING, "while closing sessions", e);
        }
        requests.abandonAll(ResultCode.CANCELLED, "the server stopped first");
        try {
            store.write(tx -> tx.append(new EventRecord(0, "ServerStopped", clock.instant(), null, "system",
                    Map.of("name", settings.serverName(), "closedSessions", sessions.size())))).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "could not record ServerStopped", e);
        }
        timers.shutdownNow();
        workers.shutdown();
    }
}
