package dev.tether.core;

import dev.tether.api.ConnectionQuery;
import dev.tether.api.ConnectionState;
import dev.tether.api.Event;
import dev.tether.api.EventRecord;
import dev.tether.api.NewSession;
import dev.tether.api.RequestRecord;
import dev.tether.api.RequestStatus;
import dev.tether.api.ResultCode;
import dev.tether.api.Selection;
import dev.tether.api.SessionInfo;
import dev.tether.api.SessionState;
import dev.tether.api.TargetResult;
import dev.tether.api.TargetStatus;
import dev.tether.api.TetherException;
import dev.tether.api.UserRecord;
import dev.tether.core.account.Accounts;
import dev.tether.core.account.Caller;
import dev.tether.core.request.CrashRecovery;
import dev.tether.core.request.RequestBook;
import dev.tether.core.request.Submitted;
import dev.tether.core.store.ConnectionRecord;
import dev.tether.core.store.SessionRecord;
import dev.tether.core.store.Store;
import dev.tether.core.terminal.PtyHost;
import dev.tether.core.terminal.Survivor;
import dev.tether.core.terminal.Terminal;
import dev.tether.core.terminal.TerminalSpec;
import dev.tether.core.time.Scheduler;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The commands on whole sessions: starting them, and disconnecting, closing (logging off), locking
 * and unlocking them as requests over a {@link Selection}.
 *
 * <p><b>Who owns what.</b> The {@link SessionRegistry} owns which sessions are live, {@link Connections}
 * owns their clients, {@link SessionMessages} the lock screen and messages, the {@link RequestBook}
 * the requests, and the store the history and the event log. This class owns a session's life: its
 * start (the program spawned, the record stored) and its end (the close escalation, the CLOSED record
 * with the exit code). Every change of a session goes through {@link Changes}: under the session's
 * monitor it replaces the live record and submits the stored record together with its events as one
 * store write. Because the store has a single FIFO writer, the writes of one session are stored in
 * the order they were made, and events are published in id order after their commit.
 *
 * <p><b>Threads.</b> Nothing here blocks: PTY callbacks arrive on the PTY loop, store completions
 * on the store writer, timers on the {@link Scheduler}'s thread (its clock is the service's clock);
 * work that may take milliseconds (spawning a program, starting many targets) runs on a small worker
 * pool.
 */
public final class SessionService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SessionService.class.getName());
    private static final int SIGHUP = 1;
    private static final int SIGKILL = 9;
    private static final int SIGTERM = 15;

    /**
     * Settings of the service: the server name, ring buffer size, the two close graces, whether
     * users who are not administrators may start sessions, which run as the server's own account
     * (personal mode), and whether each session is a log-on of its user's Linux account instead
     * (multi-user mode: the PTY host must {@linkplain PtyHost#logsOnUsers run as root}).
     */
    public record Settings(String serverName, int ringBytes, Duration hangupGrace, Duration termGrace,
                           boolean sharedAccountSessions, boolean multiUser) {
        /** Sessions for administrators only. */
        public Settings(String serverName, int ringBytes, Duration hangupGrace, Duration termGrace) {
            this(serverName, ringBytes, hangupGrace, termGrace, false, false);
        }

        /** Personal mode. */
        public Settings(String serverName, int ringBytes, Duration hangupGrace, Duration termGrace, boolean sharedAccountSessions) {
            this(serverName, ringBytes, hangupGrace, termGrace, sharedAccountSessions, false);
        }
    }

    private final Store store;
    private final PtyHost pty;
    private final InstantSource clock;
    private final Settings settings;
    private final Launcher launcher;
    private final SessionRegistry registry;
    private final RequestBook requests;
    private final Scheduler scheduler;
    private final ExecutorService workers;
    private final Changes changes;
    private final Connections connections;
    private final SessionMessages messages;
    private volatile String serverUrl = "";

    /** Built by {@link Kernel}, which owns the parts it shares with the others. */
    SessionService(Store store, PtyHost pty, Scheduler scheduler, Settings settings, Map<String, String> serverEnv,
                   SessionRegistry registry, Changes changes, RequestBook requests, Connections connections,
                   SessionMessages messages) {
        this.store = store;
        this.pty = pty;
        this.scheduler = scheduler;
        this.clock = scheduler.clock();
        this.settings = settings;
        this.launcher = new Launcher(serverEnv);
        this.registry = registry;
        this.requests = requests;
        this.changes = changes;
        this.connections = connections;
        this.messages = messages;
        this.workers = Executors.newFixedThreadPool(2, Thread.ofPlatform().name("tether-worker-", 1).daemon().factory());
    }

    /** Why a session whose program ended while no server ran is recorded CLOSED. */
    public static final String EXITED_WHILE_DOWN = "program exited while the server was down";

    /**
     * Opens for business at {@code url}, taking over what the previous run left. Each session it
     * left open is adopted when the PTY host's keeper still runs it (DISCONNECTED, same id, owner and
     * output, with SessionRecovered), recorded CLOSED with its real exit code when its program ended
     * while no server ran ({@value #EXITED_WHILE_DOWN}), and otherwise recorded CLOSED with reason
     * {@code server crashed} (a session still starting was never announced and is removed). Its
     * RUNNING requests are completed with each target's true outcome (see {@link CrashRecovery}),
     * its connections recorded DEACTIVATED, then ServerStarted is recorded. Survivors the store does
     * not know are released (hung up).
     *
     * @return how many sessions were found left open and could not be adopted
     */
    public CompletableFuture<Integer> start(String url) {
        this.serverUrl = url;
        Map<Long, Survivor> kept = new HashMap<>();
        for (Survivor survivor : pty.survivors()) {
            kept.put(survivor.sessionId(), survivor);
        }
        List<SessionRecord> adopted = new ArrayList<>();
        List<Long> recorded = new ArrayList<>(); // survivors whose end is recorded, or that nobody knows
        return store.write(tx -> {
            adopted.clear();
            recorded.clear();
            List<ConnectionRecord> connections = tx.connections(ConnectionQuery.ALL);
            // First: what was still live at the crash tells which targets did not finish.
            int requests = new CrashRecovery(tx, clock.instant(), connections).completeRunning();
            for (ConnectionRecord c : connections) {
                if (c.state() != ConnectionState.DEACTIVATED) {
                    ConnectionRecord done = c.deactivated(clock.instant(), CrashRecovery.REASON, c.bytesIn(), c.bytesOut());
                    tx.updateConnection(done);
                    tx.append(changes.connectionEvent(done, new Event.ConnectStateChange(done.id(), ConnectionState.DEACTIVATED,
                            ConnectionState.DEACTIVATED.code(), CrashRecovery.REASON)));
                }
            }
            int crashed = 0;
            var known = new HashSet<Long>();
            for (SessionRecord s : tx.sessions(false)) {
                known.add(s.id());
                Survivor survivor = kept.get(s.id());
                if (s.state() == SessionState.INIT) {
                    tx.deleteSession(s.id()); // its start was never recorded (nor answered): as a failed start, it leaves nothing
                    if (survivor != null) {
                        recorded.add(s.id());
                    }
                    continue;
                }
                if (survivor != null && survivor.running()) {
                    SessionRecord next = s.withPid(survivor.pid()).withState(SessionState.DISCONNECTED);
                    tx.updateSession(next);
                    tx.append(changes.event(next, new Event.SessionRecovered(s.state(), next.state(), survivor.pid(), "system")));
                    adopted.add(next);
                    continue;
                }
                Integer exitCode = survivor != null ? survivor.exitCode() : null;
                String reason = survivor != null ? EXITED_WHILE_DOWN : CrashRecovery.REASON;
                SessionRecord closed = s.closed(clock.instant(), exitCode, reason);
                tx.updateSession(closed);
                tx.append(changes.event(closed, new Event.SessionClosed(s.state(), SessionState.CLOSED, exitCode, reason, "system")));
                if (survivor != null) {
                    recorded.add(s.id());
                } else {
                    crashed++;
                }
            }
            for (long id : kept.keySet()) {
                if (!known.contains(id)) {
                    recorded.add(id); // a session of another store, or one recorded closed already
                }
            }
            if (requests > 0) {
                LOG.warning(requests + " request(s) a previous run left running are completed (server crashed)");
            }
            tx.append(new EventRecord(clock.instant(), null, "system",
                    new Event.ServerStarted(settings.serverName(), url, crashed, requests, adopted.size())));
            return crashed;
        }).thenApply(crashed -> {
            for (SessionRecord r : adopted) {
                adopt(r);
            }
            recorded.forEach(pty::release);
            if (!adopted.isEmpty()) {
                LOG.info("adopted " + adopted.size() + " session(s) the keeper kept running");
            }
            return crashed;
        });
    }

    /** Takes over a session the keeper kept running, recorded DISCONNECTED already. */
    private void adopt(SessionRecord r) {
        var s = new LiveSession(r);
        registry.add(s);
        synchronized (s) { // an exit reported at once waits until the terminal is set
            try {
                s.terminal = pty.adopt(r.id(), code -> exited(s, code));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "could not adopt session " + r.id() + "; recording it closed", e);
                SessionRecord closed = r.closed(clock.instant(), null, CrashRecovery.REASON);
                changes.change(s, closed, List.of(changes.event(closed, new Event.SessionClosed(r.state(), SessionState.CLOSED,
                        null, CrashRecovery.REASON, "system")))).whenComplete((v, notStored) -> {
                    registry.remove(r.id());
                    s.closed.complete(closed);
                });
            }
        }
    }

    // ---------------------------------------------------------------- sessions

    /** Whether each session is a log-on of its user's own Linux account. */
    public boolean multiUser() {
        return settings.multiUser();
    }

    /**
     * Starts a session owned by the caller; completes once it is running (DISCONNECTED). In
     * multi-user mode ({@link Settings#multiUser}) it is a log-on of the caller's Linux account
     * ({@link UserRecord#linuxAccount}); else it runs as the server's own account.
     */
    public CompletableFuture<SessionInfo> create(Caller caller, NewSession request) {
        return create(caller, request, null);
    }

    /**
     * As {@link #create(Caller, NewSession)}, for a client at {@code from} (its address): a log-on
     * records it as its host in utmp and gives it to PAM as PAM_RHOST, as sshd does.
     */
    public CompletableFuture<SessionInfo> create(Caller caller, NewSession request, String from) {
        try {
            registry.refuseWhileStopping();
            boolean multiUser = settings.multiUser();
            refuseUnsharedAccount(caller, multiUser);
            int cols = request.colsOrDefault();
            int rows = request.rowsOrDefault();
            Map<String, String> extra = Launcher.checkEnvironment(request.env());
            CompletableFuture<String> account = multiUser
                    ? store.read(tx -> tx.user(caller.user())).thenApply(u -> u.map(UserRecord::linuxAccount).orElse(caller.user()))
                    : CompletableFuture.completedFuture(null);
            return account.thenCompose(linux -> {
                List<String> argv = linux != null ? launcher.argvAs(linux, request) : launcher.argv(request);
                var draft = new SessionRecord(0, settings.serverName(), caller.user(), argv, cols, rows, SessionState.INIT,
                        false, 0, clock.instant(), null, null, null);
                // The row reserves the id (the program's environment carries it) and nothing is announced
                // yet: SessionCreated is recorded with the start, so a program that cannot start leaves nothing.
                return store.write(tx -> tx.insertSession(draft))
                        .thenComposeAsync(r -> launch(r, extra, caller.user(), linux, from), workers);
            });
        } catch (TetherException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Every session runs as the server's account, which can read the data directory (admin.token,
     * master.key): a user's session would make them administrator, so only the operator's explicit
     * opt-in lets users who are not administrators start one.
     */
    private void refuseUnsharedAccount(Caller caller, boolean multiUser) {
        if (caller.workspaceId() != null) {
            throw new TetherException(ResultCode.ACCESS_DENIED, "a token of workspace " + caller.workspaceId()
                    + " may not start sessions; it may attach and act on the connections of its workspace");
        }
        if (!multiUser && !caller.admin() && !settings.sharedAccountSessions()) {
            throw new TetherException(ResultCode.ACCESS_DENIED, "the user " + caller.user() + " may not start sessions on "
                    + settings.serverName() + ": sessions run as the server's own account, so only administrators start them"
                    + " unless the server runs with --shared-account-sessions");
        }
    }

    /**
     * @param linux the Linux account the session logs on to (multi-user mode), or null: the server's own
     * @param from the address of the client that asked for it, or null
     */
    private CompletableFuture<SessionInfo> launch(SessionRecord r, Map<String, String> extra, String by, String linux, String from) {
        var s = new LiveSession(r);
        registry.add(s);
        Terminal terminal;
        try {
            var spec = linux == null
                    ? new TerminalSpec(r.id(), r.command(), launcher.environment(r.id(), serverUrl, extra),
                            Path.of(launcher.home()), r.cols(), r.rows(), settings.ringBytes())
                    : new TerminalSpec(r.id(), r.command(), launcher.environmentOfLogOn(r.id(), serverUrl, extra),
                            Path.of("/"), r.cols(), r.rows(), settings.ringBytes(), new TerminalSpec.LogOn(linux, from));
            terminal = pty.spawn(spec, code -> exited(s, code));
        } catch (RuntimeException e) {
            TetherException failure = e instanceof TetherException te ? te
                    : new TetherException(ResultCode.INTERNAL, "session " + r.id() + " failed to start: " + e.getMessage(), e);
            synchronized (s) {
                registry.remove(r.id());
            }
            // A close that found it starting waits on this: it never existed as far as anybody was told.
            s.closed.completeExceptionally(new TetherException(ResultCode.NOT_FOUND,
                    "session " + r.id() + " never started: " + failure.getMessage()));
            return store.write(tx -> {
                tx.deleteSession(r.id());
                return null;
            }).handle((v, deleteFailed) -> {
                if (deleteFailed != null) {
                    LOG.log(Level.SEVERE, "could not remove session " + r.id() + ", which never started", deleteFailed);
                }
                throw failure;
            });
        }
        CompletableFuture<Void> started;
        synchronized (s) {
            s.terminal = terminal;
            SessionRecord next = r.withPid(terminal.pid()).withState(SessionState.DISCONNECTED);
            started = changes.change(s, next, List.of(
                    changes.event(r, new Event.SessionCreated(SessionInfo.commandLine(r.command()), by)),
                    changes.stateChanged(r, next, "started", "system")));
            if (s.exitedBeforeStart != null) {
                exited(s, s.exitedBeforeStart); // recorded after the start it follows
            } else if (s.closeReason != null) {
                String reason = s.closeReason; // a close came while it was starting: begin it now, with its escalation
                s.closeReason = null;
                beginClose(s, reason);
            }
        }
        return started.thenApply(v -> s.info());
    }

    // ---------------------------------------------------------------- requests

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
        return submit(caller, "lock", selection, single, (s, t, r, i) -> messages.lockTarget(s, t, caller, message));
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
            return submit(caller, "unlock", selection, single, (s, t, r, i) -> messages.unlockTarget(s, t, caller));
        });
    }

    private record Planned(LiveSession session, TargetResult target) {
    }

    private interface TargetAction {
        CompletableFuture<TargetResult> run(LiveSession session, TargetResult target, long requestId, int index);
    }

    private CompletableFuture<Submitted> submit(Caller caller, String operation, Selection selection, boolean single) {
        return submit(caller, operation, selection, single, operation.equals("close")
                ? (s, t, r, i) -> closeTarget(s, t, caller)
                : (s, t, r, i) -> disconnectTarget(s, t, caller, r, i));
    }

    private CompletableFuture<Submitted> submit(Caller caller, String operation, Selection selection, boolean single,
                                                TargetAction action) {
        try {
            registry.refuseWhileStopping();
        } catch (TetherException e) {
            return CompletableFuture.failedFuture(e);
        }
        return plan(caller, operation, selection).thenCompose(planned -> {
            List<Planned> plan = operation.equals("close") && !selection.whatIf() ? claimCloses(planned) : planned;
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
            return requests.open(caller, operation, targets).whenComplete((accepted, notStored) -> {
                if (notStored != null) {
                    releaseCloses(plan); // nothing was accepted: a later close may try again
                }
            }).thenApply(accepted -> {
                long requestId = accepted.request().id();
                Runnable startAll = () -> {
                    for (int i = 0; i < plan.size(); i++) {
                        Planned p = plan.get(i);
                        if (p.target().status() != TargetStatus.PENDING) {
                            continue;
                        }
                        CompletableFuture<TargetResult> done;
                        try {
                            done = action.run(p.session(), p.target(), requestId, i);
                        } catch (RuntimeException e) {
                            done = CompletableFuture.failedFuture(e);
                        }
                        requests.target(requestId, i).finishWhen(done);
                    }
                };
                // This runs on the store's writer thread: one target starts here, at once; many start on a
                // worker, so the request is answered now and the writer goes on committing their changes.
                if (plan.stream().filter(p -> p.target().status() == TargetStatus.PENDING).count() <= 1) {
                    startAll.run();
                } else {
                    try {
                        workers.execute(startAll);
                    } catch (java.util.concurrent.RejectedExecutionException stopping) {
                        startAll.run();
                    }
                }
                return accepted;
            });
        });
    }

    /**
     * Claims each session a close will log off, holding its monitor, before the request is stored:
     * of concurrent closes of one session exactly one is accepted; for the others it is FAILED
     * (INVALID_STATE), which a single-target call answers at once, with no request.
     */
    private List<Planned> claimCloses(List<Planned> plan) {
        var claimed = new ArrayList<Planned>(plan.size());
        for (Planned p : plan) {
            LiveSession s = p.session();
            if (p.target().status() != TargetStatus.PENDING) {
                claimed.add(p);
                continue;
            }
            synchronized (s) {
                if (s.closeClaimed || s.closeReason != null) {
                    TargetResult t = p.target();
                    claimed.add(new Planned(s, t.finish(TargetStatus.FAILED, ResultCode.INVALID_STATE, t.description()
                            + " is being logged off already" + (s.closeReason == null ? "" : " (" + s.closeReason + ")"))));
                } else {
                    s.closeClaimed = true;
                    claimed.add(p);
                }
            }
        }
        return claimed;
    }

    private static void releaseCloses(List<Planned> plan) {
        for (Planned p : plan) {
            if (p.target().status() == TargetStatus.PENDING) {
                synchronized (p.session()) {
                    p.session().closeClaimed = false;
                }
            }
        }
    }

    /** Decides per target what will happen: PENDING (to do), SKIPPED or FAILED, with the reason. */
    private CompletableFuture<List<Planned>> plan(Caller caller, String operation, Selection selection) {
        String verb = Character.toUpperCase(operation.charAt(0)) + operation.substring(1);
        if (caller.application() != null) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.ACCESS_DENIED, "a token restricted to application "
                    + caller.application() + " may not " + operation + " whole sessions; it may disconnect the connections it initiated"));
        }
        if (caller.workspaceId() != null) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.ACCESS_DENIED, "a token of workspace "
                    + caller.workspaceId() + " may not " + operation + " whole sessions; it may act only on that workspace's connections"));
        }
        if (selection.all()) {
            List<Planned> plan = registry.all().stream()
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
        // One look at the live map per id: a session that closes while the store is read stays in
        // this plan as closed, instead of being in neither the live map nor the store's answer.
        var alive = new HashMap<Long, LiveSession>();
        ids.forEach(id -> {
            LiveSession s = registry.find(id);
            if (s != null) {
                alive.put(id, s);
            }
        });
        var missing = ids.stream().filter(id -> !alive.containsKey(id)).toList();
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
                LiveSession s = alive.get(id);
                SessionRecord r = s != null ? s.record : stored.get(id);
                if (r == null || !caller.maySee(r.user())) {
                    plan.add(new Planned(null, new TargetResult(id, "session " + id, TargetStatus.FAILED, ResultCode.NOT_FOUND,
                            registry.notFound(id).getMessage())));
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

    private CompletableFuture<TargetResult> disconnectTarget(LiveSession s, TargetResult target, Caller caller, long requestId, int index) {
        String reason = "disconnected by " + caller.user();
        synchronized (s) {
            if (s.record.state() == SessionState.CLOSED) {
                return CompletableFuture.completedFuture(target.finish(TargetStatus.FAILED, ResultCode.INVALID_STATE,
                        target.description() + " is closed already (" + s.record.closeReason() + ")"));
            }
            int count = s.clients.size();
            if (count == 0) {
                return CompletableFuture.completedFuture(target.finish(TargetStatus.DONE, ResultCode.OK,
                        target.description() + " had no client attached; it stays disconnected"));
            }
            TargetResult disconnected = target.finish(TargetStatus.DONE, ResultCode.OK, target.description() + " disconnected ("
                    + count + (count == 1 ? " client" : " clients") + " let go); its programs keep running");
            // Recorded with the last connection's DEACTIVATED write, not in a commit of its own.
            var outcome = requests.target(requestId, index).recordWith(disconnected, count);
            var ends = new ArrayList<CompletableFuture<Void>>();
            for (Client c : List.copyOf(s.clients)) {
                ends.add(connections.letGo(s, c, reason, requestId, caller.user(), outcome));
            }
            return CompletableFuture.allOf(ends.toArray(CompletableFuture[]::new)).thenApply(v -> disconnected);
        }
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
        // The deadlines first: a terminal may report the exit within signal(), and exited() cancels them.
        var term = clock.instant().plus(settings.hangupGrace());
        s.escalations.add(scheduler.at(term, () -> t.signal(SIGTERM)));
        s.escalations.add(scheduler.at(term.plus(settings.termGrace()), () -> t.signal(SIGKILL)));
        t.signal(SIGHUP);
    }

    /** The program is gone: tell the clients, record CLOSED with the exit code and the reason. */
    private void exited(LiveSession s, int exitCode) {
        synchronized (s) {
            if (s.terminal == null) {
                s.exitedBeforeStart = exitCode; // launch() has not recorded the start yet; it records the exit after it
                return;
            }
            s.escalations.forEach(Scheduler.Deadline::cancel);
            String reason = s.closeReason != null ? s.closeReason : "program exited";
            var events = new ArrayList<EventRecord>();
            List<ConnectionRecord> ended = endClients(s, EndNotice.ended(reason, exitCode), events);
            SessionRecord closed = s.record.closed(clock.instant(), exitCode, reason);
            events.add(changes.event(closed, new Event.SessionClosed(s.record.state(), SessionState.CLOSED, exitCode, reason,
                    reason.startsWith("logoff by ") ? reason.substring(10) : "system")));
            changes.change(s, closed, events, tx -> ended.forEach(tx::updateConnection)).whenComplete((v, e) -> {
                ended.forEach(connections::ended);
                registry.remove(s.id);
                s.closed.complete(closed);
                if (e == null) {
                    pty.release(s.id); // recorded: a keeper may forget its exit and ring
                }
            });
        }
    }

    /** Ends every client of the session with {@code notice}; their DEACTIVATED records and events are for the caller to store. */
    private List<ConnectionRecord> endClients(LiveSession s, EndNotice notice, List<EventRecord> events) {
        var ended = new ArrayList<ConnectionRecord>();
        for (Client c : s.clients) {
            c.detach();
            ended.add(connections.deactivate(c, notice.reason(), events, null));
            events.add(changes.event(s.record, new Event.ClientDetached(c.id(), notice.reason(), 0, "system")));
            c.transport.end(notice);
        }
        s.clients.clear();
        return ended;
    }

    /**
     * Leaves a session running for the next server (a host that keeps sessions is stopping): its
     * clients are let go with "server restarting" (they reconnect by themselves), and it is recorded
     * DISCONNECTED. Call holding the session's monitor.
     */
    private CompletableFuture<Void> keepForNextServer(LiveSession s) {
        var events = new ArrayList<EventRecord>();
        List<ConnectionRecord> ended = endClients(s, EndNotice.restarting(RESTARTING), events);
        SessionRecord next = s.record;
        if (next.state() == SessionState.ACTIVE) {
            next = next.withState(SessionState.DISCONNECTED);
            events.add(changes.stateChanged(s.record, next, RESTARTING, "system"));
        }
        return changes.change(s, next, events, tx -> ended.forEach(tx::updateConnection))
                .thenRun(() -> ended.forEach(connections::ended));
    }

    /** Why clients are let go when the server stops and its sessions stay with the keeper. */
    public static final String RESTARTING = "server restarting";

    // ---------------------------------------------------------------- shutdown

    /**
     * Stops: refuses new work, closes every session with reason {@code server stopped} (waiting up
     * to both graces and a little more for the programs to go) — or, when the PTY host keeps
     * sessions, leaves each running for the next server ({@link #keepForNextServer}) — fails what
     * is still pending, and records ServerStopped. Idempotent.
     */
    @Override
    public void close() {
        if (registry.stopping()) {
            return;
        }
        registry.stop();
        List<LiveSession> sessions = List.copyOf(registry.all());
        boolean keep = pty.keepsSessions();
        var done = new ArrayList<CompletableFuture<?>>();
        for (LiveSession s : sessions) {
            synchronized (s) {
                if (keep && s.terminal != null) {
                    done.add(keepForNextServer(s));
                } else {
                    beginClose(s, "server stopped");
                    done.add(s.closed.exceptionally(neverStarted -> null));
                }
            }
        }
        long waitMs = settings.hangupGrace().plus(settings.termGrace()).toMillis() + 3_000;
        try {
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(waitMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warning("sessions still running after " + waitMs + " ms: " + registry.all().stream().map(s -> s.id).toList());
        } catch (Exception e) {
            LOG.log(Level.WARNING, "while closing sessions", e);
        }
        requests.abandonAll(ResultCode.CANCELLED, "the server stopped first");
        long kept = keep ? sessions.stream().filter(s -> s.terminal != null).count() : 0;
        if (kept > 0) {
            LOG.info("stopping; " + kept + " session(s) keep running in the keeper for the next server");
        }
        try {
            store.write(tx -> tx.append(new EventRecord(clock.instant(), null, "system",
                    new Event.ServerStopped(settings.serverName(), sessions.size() - (int) kept, (int) kept)))).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "could not record ServerStopped", e);
        }
        workers.shutdown();
    }
}
