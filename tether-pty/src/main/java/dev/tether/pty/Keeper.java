package dev.tether.pty;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.tether.api.TetherException;
import dev.tether.core.account.LinuxPasswords;
import dev.tether.pty.KeeperProtocol.Entry;
import dev.tether.pty.KeeperProtocol.Message;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session keeper: a small process that owns the sessions' programs so that they outlive the
 * server. It spawns them (posix_spawn with SETSID, as the in-process host does), is their parent
 * and a child subreaper, holds every PTY master and pidfd, reaps exits and keeps each exit status
 * until a server has recorded it ({@code Release}). It hands the masters to the server over a UNIX
 * socket ({@link UnixSocket}, SCM_RIGHTS; only the keeper's own uid may connect) and the server
 * reads and writes them itself: no terminal byte passes through the keeper while a server is
 * attached. While none is, the keeper drains every master into the session's {@link SharedRing},
 * so a program never blocks because the server is gone, and nothing it prints is lost.
 *
 * <p><b>Rings</b> are memfds: files in memory with no name, held by the keeper and handed to the
 * server beside the master, which maps them too. They cost no disk write, no file system can
 * remove them (systemd-logind's RemoveIPC empties a user's /dev/shm at log-out), and they live
 * exactly as long as the keeper holds the session.
 *
 * <p><b>One reader per master.</b> The keeper stops reading (takes the masters out of its epoll,
 * under its lock) before it sends them to a server, and starts again only after that server said
 * {@code Bye} or its socket closed (it crashed): the hand-over is ordered by the socket.
 *
 * <p><b>Threads</b> (named, all logged): {@code tether-keeper-accept} takes connections,
 * {@code tether-keeper-peer} serves one (a server, or a {@code tether keeper stop}), and
 * {@code tether-keeper-loop} waits in epoll for exits (pidfds, always) and output (masters, while
 * draining), and sweeps orphans every second (as a subreaper it inherits the sessions'
 * grandchildren). The state below is guarded by {@code this}.
 *
 * <p><b>Upgrade</b> ({@link #upgrade}, {@link KeeperUpgrade}): while no server is attached, the
 * keeper execve(2)s itself with a new command line under its monitor (so no master is read and no
 * ring written meanwhile), keeping its pid, children, lock (an flock on {@value #LOCK}, which
 * lives with its fd), listening socket and every master, pidfd and ring; the new image finds the
 * state in {@code TETHER_KEEPER_STATE} and carries on. A failed execve changes nothing.
 *
 * <p>No network, no database, no JSON; memory is the sessions' table and one read buffer.
 */
public final class Keeper implements AutoCloseable {
    /**
     * The system property that lets a keeper running as root start sessions of root and of system
     * accounts ({@code serve --allow-root-sessions} starts the keeper with it). Read once, at start:
     * nothing a server says later changes it.
     */
    public static final String ALLOW_ROOT_PROPERTY = "tether.allowRootSessions";
    /**
     * The PAM service of log-ons: the keeper checks Linux passwords under it, and each log-on's
     * {@link LogOnLeader} opens its session under it. Used only when the administrator installed it
     * (dist/pam/tether as /etc/pam.d/tether): without that file PAM would use /etc/pam.d/other.
     */
    static final String PAM_SERVICE = PtySpawner.PAM_SERVICE;
    static final int PAM_THREADS = 8;
    /** Whether the service is installed and libpam loads: asked once, at the first password check, not at every keeper's start. */
    private static final class PamService {
        static final boolean INSTALLED = java.nio.file.Files.isRegularFile(Path.of("/etc/pam.d", PAM_SERVICE)) && Pam.available();
    }
    static final boolean ALLOW_ROOT_SESSIONS = Boolean.getBoolean(ALLOW_ROOT_PROPERTY);

    private static final Logger log = LoggerFactory.getLogger(Keeper.class);
    public static final String SOCKET = "keeper.sock";
    public static final String LOCK = "keeper.lock";
    private static final int PR_SET_CHILD_SUBREAPER = 36;
    private static final int READ_BYTES = 64 * 1024;
    private static final int MAX_EVENTS = 64;
    private static final long GRACE_MILLIS = 1_000;

    /** A session as the keeper holds it. */
    private static final class Kept {
        final long id;
        final int pid;
        final SharedRing ring;
        /** The memfd behind the ring, handed to servers. */
        final int ringFd;
        int master;
        int pidfd;
        Integer exitCode;
        /** The store does not know it: hung up, forgotten once it exits. */
        boolean released;
        /** A log-on recorded in utmp on this terminal ("pts/N"), whose log-off is recorded at its exit; else null. */
        String loggedOnLine;
        boolean reading;

        Kept(long id, int pid, int master, int pidfd, SharedRing ring, int ringFd) {
            this.id = id;
            this.pid = pid;
            this.master = master;
            this.pidfd = pidfd;
            this.ring = ring;
            this.ringFd = ringFd;
        }

        Entry entry() {
            return new Entry(id, pid, exitCode);
        }
    }

    private final Path dir;
    /** The open lock file, flock'ed: the lock goes with the fd, which an upgrade keeps. */
    private final int lockFd;
    private final UnixSocket listener;
    private final String build = KeeperProcess.build();
    private final PtySpawner spawner;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment loopErr;
    private final MemorySegment ctlEvent;
    private final MemorySegment events;
    private final MemorySegment buffer;
    private final MemorySegment status;
    private final int epfd;
    private final Map<Long, Kept> sessions = new LinkedHashMap<>();
    /** Password checks under way (see {@link #authenticate}). */
    private final java.util.concurrent.Semaphore pamGate = new java.util.concurrent.Semaphore(PAM_THREADS);
    private final Map<Integer, Kept> byFd = new HashMap<>();
    private UnixSocket server;
    private int serverPid;
    private volatile boolean stopping;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread loop;
    private final Thread acceptor;

    private Keeper(Path dir, int lockFd, UnixSocket listener) throws IOException {
        this.dir = dir;
        this.lockFd = lockFd;
        this.listener = listener;
        this.spawner = new PtySpawner(arena, ALLOW_ROOT_SESSIONS);
        this.loopErr = LibC.newErrno(arena);
        this.ctlEvent = arena.allocate(LibC.EPOLL_EVENT_BYTES, 8);
        this.events = arena.allocate(LibC.EPOLL_EVENT_BYTES * MAX_EVENTS, 8);
        this.buffer = arena.allocate(READ_BYTES, 64);
        this.status = arena.allocate(JAVA_INT);
        int ep = LibC.epollCreate1(loopErr, LibC.EPOLL_CLOEXEC);
        if (ep < 0) {
            throw new IOException("epoll_create1 failed: " + LibC.strerror(-ep));
        }
        this.epfd = ep;
        int r = LibC.prctl(loopErr, PR_SET_CHILD_SUBREAPER, 1);
        if (r < 0) {
            log.warn("cannot become a child subreaper ({}): orphaned grandchildren of sessions go to init", LibC.strerror(-r));
        }
        this.loop = Thread.ofPlatform().name("tether-keeper-loop").unstarted(this::runLoop);
        this.acceptor = Thread.ofPlatform().name("tether-keeper-accept").unstarted(this::accept);
    }

    /**
     * Starts a keeper for the runtime folder {@code dir} (created 0700 if missing).
     *
     * @throws IOException when another keeper runs for it (the message names its pid), or the
     *     socket cannot be made
     */
    public static Keeper start(Path dir) throws IOException {
        KeeperUpgrade.State inherited;
        try {
            inherited = KeeperUpgrade.inherited();
        } catch (IOException e) {
            // The fds of the image before stay open, unused; the lock refuses a fresh start if it is among them.
            log.error("this keeper was exec'd with an upgrade state it cannot read ({}); starting afresh", e.getMessage());
            inherited = null;
        }
        if (inherited != null) {
            return restore(dir, inherited);
        }
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        int lockFd = lock(dir);
        Keeper keeper;
        try {
            Path socket = dir.resolve(SOCKET);
            Files.deleteIfExists(socket); // a dead keeper's; the lock says none runs
            keeper = new Keeper(dir, lockFd, UnixSocket.listen(socket));
            int owner = ownerOf(dir);
            if (owner != LibC.geteuid()) { // a root keeper of an unprivileged server: the socket is the folder owner's to open
                int r = LinuxAccounts.chown(socket, owner, -1);
                if (r < 0) {
                    throw new IOException("cannot give " + socket + " to uid " + owner + ": " + LibC.strerror(-r));
                }
            }
        } catch (IOException | RuntimeException e) {
            LibC.close(lockFd);
            throw e;
        }
        keeper.loop.start();
        keeper.acceptor.start();
        log.info("keeper {} (build {}) serves {}", ProcessHandle.current().pid(), keeper.build, dir);
        return keeper;
    }

    /** Opens and flocks {@value #LOCK} in {@code dir}, writing this pid into it; returns the fd. */
    private static int lock(Path dir) throws IOException {
        Path file = dir.resolve(LOCK);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = LibC.newErrno(a);
            int fd = LibC.open(err, a.allocateFrom(file.toString()), LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0600);
            if (fd < 0) {
                throw new IOException("cannot open the keeper's lock " + file + ": " + LibC.strerror(-fd));
            }
            int r = LibC.flock(err, fd, LibC.LOCK_EX | LibC.LOCK_NB);
            if (r < 0) {
                LibC.close(fd);
                if (r != -LibC.EWOULDBLOCK) {
                    throw new IOException("cannot lock " + file + ": " + LibC.strerror(-r));
                }
                String pid = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).strip();
                throw new IOException("another keeper runs for " + dir + (pid.isEmpty() ? "" : " (pid " + pid + ")")
                        + "; one keeper serves a data directory");
            }
            try {
                Files.writeString(file, ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII); // the lock is on the fd, not this open
            } catch (IOException e) {
                LibC.close(fd);
                throw e;
            }
            return fd;
        }
    }

    /** Carries on as the image before this one left off ({@link KeeperUpgrade}): same lock, socket and sessions. */
    private static Keeper restore(Path dir, KeeperUpgrade.State state) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = LibC.newErrno(a);
            for (int fd : state.fds()) {
                LibC.setCloexec(err, fd); // kept for this exec only: a session's program must not inherit them
            }
        }
        var keeper = new Keeper(dir, state.lockFd(), UnixSocket.adoptListener(state.listenerFd(), dir.resolve(SOCKET)));
        synchronized (keeper) {
            for (KeeperUpgrade.Session s : state.sessions()) {
                SharedRing ring;
                int ringFd = s.ringFd();
                try {
                    ring = SharedRing.open(Path.of("/proc/self/fd/" + ringFd));
                } catch (IOException e) {
                    log.error("session {}: its ring cannot be mapped again ({}); its output so far is lost, a new ring takes what follows",
                            s.id(), e.getMessage());
                    LibC.close(ringFd);
                    ringFd = keeper.memfd("tether-ring-" + s.id());
                    ring = SharedRing.format(Path.of("/proc/self/fd/" + ringFd), s.id(), 256 * 1024);
                }
                var k = new Kept(s.id(), s.pid(), s.master(), s.pidfd(), ring, ringFd);
                k.exitCode = s.exitCode();
                k.released = s.released();
                k.loggedOnLine = s.loggedOnLine();
                keeper.sessions.put(k.id, k);
                if (k.pidfd >= 0) {
                    keeper.watch(k.pidfd, k); // one that exited during the exec is a zombie of ours: the loop reaps it
                }
            }
            keeper.startReading();
        }
        keeper.loop.start();
        keeper.acceptor.start();
        log.info("keeper pid {} upgraded from build {} to {}; {} session(s) kept", state.pid(), state.build(), keeper.build,
                state.sessions().size());
        return keeper;
    }

    /**
     * Asks the keeper of {@code dir} to close every session and stop ({@code tether keeper stop});
     * returns how many sessions it closed, once it has.
     *
     * @throws IOException when no keeper answers there
     */
    public static int stopRunning(Path dir) throws IOException {
        try (UnixSocket socket = UnixSocket.connect(dir.resolve(SOCKET))) {
            socket.send(KeeperProtocol.encode(new KeeperProtocol.Stop()), new int[0]);
            UnixSocket.Received r = socket.receive();
            if (r == null) {
                throw new IOException("the keeper closed the connection before it said it stopped");
            }
            Message m = KeeperProtocol.decode(r.message());
            if (m instanceof KeeperProtocol.Stopped(int closed)) {
                return closed;
            }
            throw new IOException(m instanceof KeeperProtocol.Failed f ? f.message() : "the keeper answered " + m);
        }
    }

    /** A running keeper as it describes itself: pid, build, sessions held, whether a server is attached. */
    public record Running(long pid, String build, int sessions, boolean attached) {
    }

    /** A finished upgrade: the keeper's pid (unchanged), the builds before and after, the sessions it kept. */
    public record Upgraded(long pid, String fromBuild, String toBuild, int sessions) {
    }

    /**
     * Asks the keeper of {@code dir} how it runs ({@code tether keeper status}).
     *
     * @throws IOException when no keeper answers there within {@code patience}
     */
    public static Running status(Path dir, Duration patience) throws IOException {
        try (UnixSocket socket = UnixSocket.connect(dir.resolve(SOCKET))) {
            Message m = ask(socket, new KeeperProtocol.Status(), patience);
            if (m instanceof KeeperProtocol.Info(long pid, String build, int sessions, boolean attached)) {
                return new Running(pid, build, sessions, attached);
            }
            throw new IOException("the keeper of " + dir + " answered Status with " + (m == null ? "nothing" : m));
        }
    }

    /**
     * Has the keeper of {@code dir} re-execute itself as {@code command} (a keeper's command line
     * without the folder, as {@link KeeperProcess#command()}) and waits, up to {@code patience},
     * until it answers again from the same pid with the build {@code command} names
     * ({@code -Dtether.build=}), if it names one.
     *
     * @throws IOException naming the reason: no keeper, a server attached, the exec failed (the
     *     keeper goes on as before), or the new image did not answer (see keeper.log)
     */
    public static Upgraded upgrade(Path dir, List<String> command, Duration patience) throws IOException {
        Running before = status(dir, patience);
        try (UnixSocket socket = UnixSocket.connect(dir.resolve(SOCKET))) {
            Message m = ask(socket, new KeeperProtocol.Upgrade(command), patience);
            if (m != null) { // the exec closes this connection; an answer is a refusal
                throw new IOException(m instanceof KeeperProtocol.Failed f ? f.message() : "the keeper answered Upgrade with " + m);
            }
        }
        Running after;
        try {
            after = status(dir, patience); // the listening socket survived the exec: this waits in its backlog
        } catch (IOException e) {
            throw new IOException("the keeper of " + dir + " (pid " + before.pid() + ") re-executed but does not answer ("
                    + e.getMessage() + "); see " + dir.resolve(KeeperProcess.LOG), e);
        }
        if (after.pid() != before.pid()) {
            throw new IOException("the keeper of " + dir + " answers as pid " + after.pid() + " now, not " + before.pid()
                    + ": the upgraded image did not start; see " + dir.resolve(KeeperProcess.LOG));
        }
        String expected = command.stream().filter(a -> a.startsWith("-D" + KeeperProcess.BUILD_PROPERTY + "="))
                .map(a -> a.substring(a.indexOf('=') + 1)).reduce((x, y) -> y).orElse(null);
        if (expected != null && !expected.equals(after.build())) {
            throw new IOException("the keeper of " + dir + " (pid " + after.pid() + ") runs build " + after.build()
                    + " after the upgrade, not " + expected);
        }
        return new Upgraded(after.pid(), before.build(), after.build(), after.sessions());
    }

    /** Sends {@code m} and waits for the answer, null when the keeper closed the connection instead. */
    private static Message ask(UnixSocket socket, Message m, Duration patience) throws IOException {
        socket.send(KeeperProtocol.encode(m), new int[0]);
        var done = new java.util.concurrent.atomic.AtomicBoolean();
        var timedOut = new java.util.concurrent.atomic.AtomicBoolean();
        CompletableFuture.delayedExecutor(patience.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (done.compareAndSet(false, true)) {
                timedOut.set(true);
                socket.close(); // wakes the receive below
            }
        });
        UnixSocket.Received r;
        try {
            r = socket.receive();
        } catch (IOException e) {
            throw timedOut.get() ? new IOException("no answer within " + patience.toSeconds() + " s", e) : e;
        } finally {
            done.set(true);
        }
        if (r == null) {
            return null;
        }
        closeAll(r.fds());
        return KeeperProtocol.decode(r.message());
    }

    /** Waits until the keeper stopped (a {@code Stop} closed every session, or {@link #close}). */
    public boolean awaitStop(long timeout, TimeUnit unit) throws InterruptedException {
        return stopped.await(timeout, unit);
    }

    // ---------------------------------------------------------------- peers

    private void accept() {
        int uid = (int) LibC.geteuid();
        while (!stopping) {
            UnixSocket peer;
            try {
                peer = listener.accept();
            } catch (IOException e) {
                if (!stopping) {
                    log.error("accepting on {} failed; the keeper stops listening", dir.resolve(SOCKET), e);
                }
                return;
            }
            try {
                UnixSocket.Credentials who = peer.peer();
                int owner = ownerOf(dir);
                if (who.uid() != uid && who.uid() != owner) {
                    log.warn("refused a peer with uid {} (pid {}): only uid {} and the folder's owner, uid {}, may connect",
                            who.uid(), who.pid(), uid, owner);
                    refuse(peer, "the keeper accepts only uid " + uid + (owner != uid ? " and uid " + owner + " (the owner of " + dir + ")" : "")
                            + ", not uid " + who.uid());
                    continue;
                }
                Thread.ofPlatform().name("tether-keeper-peer").start(() -> serve(peer, who));
            } catch (RuntimeException e) {
                log.warn("a peer could not be served", e);
                peer.close();
            }
        }
    }

    /**
     * The owner of the runtime folder: besides the keeper's own uid, the one account that may
     * connect. A root keeper serves a server that runs unprivileged ({@code serve --multi-user} as
     * root drops to its {@code --run-as} account and makes the data directory that account's);
     * only root can give the folder to another account, so a server cannot widen who may connect.
     */
    private static int ownerOf(Path dir) {
        try {
            return (Integer) java.nio.file.Files.getAttribute(dir, "unix:uid");
        } catch (IOException | RuntimeException e) {
            return (int) LibC.geteuid();
        }
    }

    private static void refuse(UnixSocket peer, String why) {
        try {
            peer.send(KeeperProtocol.encode(new KeeperProtocol.Failed(0, why)), new int[0]);
        } catch (IOException | RuntimeException ignored) {
            // it is refused either way
        } finally {
            peer.close();
        }
    }

    private void serve(UnixSocket peer, UnixSocket.Credentials who) {
        boolean attached = false;
        try {
            UnixSocket.Received first = peer.receive();
            if (first == null) {
                return;
            }
            closeAll(first.fds());
            Message hello = KeeperProtocol.decode(first.message());
            if (hello instanceof KeeperProtocol.Status) {
                peer.send(KeeperProtocol.encode(info()), new int[0]);
                return;
            }
            // Upgrade is an execve of a command line the peer names, and Stop ends every session: the keeper's
            // own account's to ask, never the runtime folder's owner's (a server that dropped root to it).
            boolean own = who.uid() == LibC.geteuid();
            if (!own && (hello instanceof KeeperProtocol.Upgrade || hello instanceof KeeperProtocol.Stop)) {
                log.warn("refused {} from uid {} (pid {}): only uid {} may ask that", hello.getClass().getSimpleName(), who.uid(),
                        who.pid(), LibC.geteuid());
                refuse(peer, "only uid " + LibC.geteuid() + ", the keeper's own, may " + (hello instanceof KeeperProtocol.Stop
                        ? "stop" : "upgrade") + " it; uid " + who.uid() + " may only attach as its server");
                return;
            }
            if (hello instanceof KeeperProtocol.Upgrade(List<String> command)) {
                upgrade(peer, who, command);
                return;
            }
            if (hello instanceof KeeperProtocol.Stop) {
                int closed = stopAll();
                peer.send(KeeperProtocol.encode(new KeeperProtocol.Stopped(closed)), new int[0]);
                close();
                return;
            }
            if (!(hello instanceof KeeperProtocol.Hello(int version)) || version != KeeperProtocol.VERSION) {
                refuse(peer, "the keeper speaks version " + KeeperProtocol.VERSION + " of its protocol; got " + hello);
                return;
            }
            synchronized (this) {
                if (server != null) {
                    refuse(peer, "a server (another connection) is attached to this keeper already");
                    return;
                }
                stopReading();
                sendKept(peer);
                server = peer;
                serverPid = who.pid();
                attached = true;
            }
            log.info("server pid {} attached; {} session(s) handed over", who.pid(), sessions.size());
            while (true) {
                UnixSocket.Received r = peer.receive();
                if (r == null) {
                    log.warn("server pid {} went away without saying so (crashed?); draining the sessions", who.pid());
                    return;
                }
                closeAll(r.fds());
                Message m = KeeperProtocol.decode(r.message());
                switch (m) {
                    case KeeperProtocol.Spawn s -> spawn(peer, s);
                    case KeeperProtocol.Signal g -> signal(g.pid(), g.signal());
                    case KeeperProtocol.Authenticate a -> {
                        java.util.Arrays.fill(r.message(), (byte) 0); // the received copy of the password
                        authenticate(peer, a);
                    }
                    case KeeperProtocol.Release rel -> release(rel.sessionId());
                    case KeeperProtocol.Bye b -> {
                        log.info("server pid {} stopped reading; draining the sessions", who.pid());
                        return;
                    }
                    default -> throw new IOException("a server may not send " + m);
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("the connection of pid {} failed: {}", who.pid(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (attached) {
                synchronized (this) {
                    server = null;
                    startReading();
                }
            }
            peer.close();
        }
    }

    private synchronized KeeperProtocol.Info info() {
        return new KeeperProtocol.Info(ProcessHandle.current().pid(), build, sessions.size(), server != null);
    }

    /**
     * Re-executes this keeper as {@code command} + its folder, unless a server is attached (it reads
     * the masters: exactly one reader per master, and the new image would drain them). Returns
     * only when it did not, having told the peer why.
     */
    private void upgrade(UnixSocket peer, UnixSocket.Credentials who, List<String> command) throws IOException {
        String why;
        synchronized (this) {
            if (server != null) {
                why = "a server (pid " + serverPid + ") is attached and reads the sessions' terminals; stop it first"
                        + " (its sessions keep running), upgrade, then start it again";
            } else {
                var argv = new ArrayList<>(command);
                if (ALLOW_ROOT_SESSIONS && !argv.isEmpty()) {
                    argv.add(1, "-D" + ALLOW_ROOT_PROPERTY + "=true"); // a policy fixed at start survives the upgrade
                }
                argv.add(dir.toAbsolutePath().toString());
                log.info("pid {} asked for an upgrade from build {}: re-executing with {} session(s) as {} … {}", who.pid(), build,
                        sessions.size(), argv.getFirst(), argv.subList(Math.max(1, argv.size() - 2), argv.size()));
                why = KeeperUpgrade.exec(argv, state());
                log.error("the upgrade failed: {}; this keeper goes on as build {}", why, build);
            }
        }
        peer.send(KeeperProtocol.encode(new KeeperProtocol.Failed(0, "cannot upgrade the keeper of " + dir + ": " + why)),
                new int[0]);
    }

    /** What the next image needs. Holding the lock. */
    private KeeperUpgrade.State state() {
        var kept = sessions.values().stream()
                .map(k -> new KeeperUpgrade.Session(k.id, k.pid, k.master, k.pidfd, k.ringFd, k.exitCode, k.released, k.loggedOnLine))
                .toList();
        return new KeeperUpgrade.State((int) ProcessHandle.current().pid(), build, lockFd, listener.fd(), kept);
    }

    /** Sends every session, running ones with their master, pidfd and ring, in messages of at most 84. Holding the lock. */
    private void sendKept(UnixSocket peer) throws IOException {
        List<Kept> all = sessions.values().stream().filter(k -> !k.released).toList();
        int i = 0;
        do {
            List<Kept> batch = all.subList(i, Math.min(all.size(), i + KeeperProtocol.ENTRIES_PER_MESSAGE));
            i += batch.size();
            var fds = new ArrayList<Integer>();
            for (Kept k : batch) {
                if (k.exitCode == null) {
                    fds.add(k.master);
                    fds.add(k.pidfd);
                    fds.add(k.ringFd);
                }
            }
            peer.send(KeeperProtocol.encode(new KeeperProtocol.Kept(i >= all.size(), batch.stream().map(Kept::entry).toList(),
                            ALLOW_ROOT_SESSIONS)),
                    fds.stream().mapToInt(Integer::intValue).toArray());
        } while (i < all.size());
    }

    private void spawn(UnixSocket peer, KeeperProtocol.Spawn request) throws IOException {
        var spec = request.spec();
        PtySpawner.Spawned spawned;
        SharedRing ring;
        int ringFd = -1;
        try {
            synchronized (this) {
                if (sessions.containsKey(spec.sessionId())) {
                    throw new IllegalArgumentException("session " + spec.sessionId() + " is kept already");
                }
            }
            ringFd = memfd("tether-ring-" + spec.sessionId());
            ring = SharedRing.format(Path.of("/proc/self/fd/" + ringFd), spec.sessionId(), spec.ringBytes());
            try {
                spawned = spawner.spawn(spec, request.rootSessions());
            } catch (RuntimeException e) {
                ring.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            if (ringFd >= 0) {
                LibC.close(ringFd);
            }
            String why = e.getMessage() != null ? e.getMessage() : e.toString();
            log.info("could not start session {}: {}", spec.sessionId(), why);
            peer.send(KeeperProtocol.encode(e instanceof TetherException t
                    ? new KeeperProtocol.Refused(request.tag(), t.code().name(), why)
                    : new KeeperProtocol.Failed(request.tag(), why)), new int[0]);
            return;
        }
        synchronized (this) {
            var k = new Kept(spec.sessionId(), spawned.pid(), spawned.masterFd(), spawned.pidFd(), ring, ringFd);
            if (spec.logOn() != null) {
                k.loggedOnLine = logOn(spec, spawned.pid(), spawned.tty());
            }
            sessions.put(k.id, k);
            watch(k.pidfd, k);
            // Under the lock: an Exited for it cannot overtake this answer.
            peer.send(KeeperProtocol.encode(new KeeperProtocol.Spawned(request.tag(), k.entry())),
                    new int[] {k.master, k.pidfd, k.ringFd});
        }
        log.info("session {} started: pid {}, {}", spec.sessionId(), spawned.pid(), spec.command().getFirst());
    }

    /**
     * Answers an Authenticate on a thread of its own: PAM takes seconds to refuse (pam_unix's fail
     * delay), which must not hold the server's spawns and releases. At most {@link #PAM_THREADS}
     * run at once; the server throttles log-ons before it asks.
     */
    private void authenticate(UnixSocket peer, KeeperProtocol.Authenticate request) {
        char[] password = dev.tether.core.account.PasswordBytes.chars(request.password());
        java.util.Arrays.fill(request.password(), (byte) 0);
        if (!pamGate.tryAcquire()) {
            java.util.Arrays.fill(password, '\0');
            answer(peer, new KeeperProtocol.Authenticated(request.tag(), false, "PAM_MAXTRIES", "too many log-ons are being checked at once"));
            return;
        }
        Thread.ofPlatform().name("tether-keeper-pam").daemon().start(() -> {
            LinuxPasswords.Verdict v;
            try {
                v = checkLinuxPassword(request.account(), password, request.remoteHost());
            } finally {
                java.util.Arrays.fill(password, '\0');
                pamGate.release();
            }
            answer(peer, new KeeperProtocol.Authenticated(request.tag(), v.ok(), v.code(), v.message()));
        });
    }

    /**
     * PAM's verdict (service {@value #PAM_SERVICE}: pam_authenticate, then pam_acct_mgmt) on the
     * Linux password of {@code account}, on the calling thread, which PAM may hold for seconds. The
     * keeper answers a server's Authenticate with it, and so does a server without a keeper (as root).
     */
    static LinuxPasswords.Verdict checkLinuxPassword(String account, char[] password, String remoteHost) {
        if (!LinuxAccounts.validName(account)) {
            return new LinuxPasswords.Verdict(false, "PAM_USER_UNKNOWN", "'" + account + "' is not a valid Linux account name");
        }
        if (!PamService.INSTALLED) {
            return new LinuxPasswords.Verdict(false, "PAM_ABORT", "PAM log-on needs the PAM service /etc/pam.d/" + PAM_SERVICE
                    + " (install dist/pam/tether there, then restart the keeper or the server)");
        }
        try {
            Pam.Result r = Pam.authenticate(PAM_SERVICE, null, account, password, remoteHost);
            if (!r.ok()) {
                log.info("PAM refused the log-on of {} from {}: {} at {} ({})", account, remoteHost, r.code(), r.step(), r.message());
            }
            return new LinuxPasswords.Verdict(r.ok(), r.code(), r.message());
        } catch (RuntimeException e) {
            return new LinuxPasswords.Verdict(false, "PAM_SYSTEM_ERR", String.valueOf(e.getMessage()));
        }
    }

    /**
     * Signals a session this keeper keeps, as the server would itself were it allowed to: its
     * process group, then each other process of its POSIX session (found here, in /proc). A pid
     * that is no running session of this keeper's is ignored: a server cannot have it signal
     * anything else.
     */
    private void signal(int pid, int signal) {
        synchronized (this) {
            boolean kept = sessions.values().stream().anyMatch(k -> k.pid == pid && k.exitCode == null);
            if (!kept || signal < 1 || signal > 64) {
                log.warn("refused to send signal {} to pid {}: no running session of this keeper has it", signal, pid);
                return;
            }
        }
        List<Integer> others = SessionScan.outsideLeaderGroup(java.util.Set.of(pid)).getOrDefault(pid, List.of());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = LibC.newErrno(a);
            synchronized (this) {
                boolean stillRunning = sessions.values().stream().anyMatch(k -> k.pid == pid && k.exitCode == null);
                if (!stillRunning) {
                    return; // reaped meanwhile: its pid may be someone else's by now
                }
                LibC.kill(err, -pid, signal);
                for (int other : others) {
                    LibC.kill(err, other, signal);
                }
            }
        }
    }

    private void answer(UnixSocket peer, Message m) {
        try {
            peer.send(KeeperProtocol.encode(m), new int[0]);
        } catch (IOException e) {
            log.warn("could not answer the server: {}", e.toString());
        }
    }

    private synchronized void release(long id) {
        Kept k = sessions.get(id);
        if (k == null) {
            return;
        }
        if (k.exitCode != null) {
            forget(k);
            return;
        }
        log.info("session {} (pid {}) is unknown to the server's store: hanging it up", id, k.pid);
        k.released = true;
        closeMaster(k);
        LibC.kill(loopErr, -k.pid, LibC.SIGHUP);
    }

    private void forget(Kept k) {
        closeMaster(k);
        sessions.remove(k.id);
        k.ring.close();
        LibC.close(k.ringFd); // the last reference but the server's mapping: the memory goes with it
    }

    private int memfd(String name) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            int fd = LibC.memfdCreate(LibC.newErrno(a), a.allocateFrom(name), LibC.MFD_CLOEXEC);
            if (fd < 0) {
                throw new IOException("memfd_create failed: " + LibC.strerror(-fd));
            }
            return fd;
        }
    }

    // ---------------------------------------------------------------- the loop

    private void runLoop() {
        long nextSweep = System.nanoTime();
        while (!stopping) {
            int n = LibC.epollWait(loopErr, epfd, events, MAX_EVENTS, 1_000);
            if (n < 0 && n != -LibC.EINTR) {
                log.error("epoll_wait failed: {}", LibC.strerror(-n));
            }
            synchronized (this) {
                boolean exits = false;
                for (int i = 0; i < n; i++) {
                    int fd = LibC.eventFd(events, i);
                    Kept k = byFd.get(fd);
                    if (k == null) {
                        continue;
                    }
                    if (fd == k.pidfd) {
                        exits = true;
                    } else if (fd == k.master && k.reading) {
                        drain(k, READ_BYTES * 4);
                    }
                }
                if (exits || System.nanoTime() - nextSweep >= 0) {
                    reap();
                    nextSweep = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                }
            }
        }
    }

    /** Reaps every child that exited: a session's records its code; an orphan of a session is just reaped. Holding the lock. */
    private void reap() {
        while (true) {
            int pid = LibC.waitpid(loopErr, -1, status, LibC.WNOHANG);
            if (pid <= 0) {
                return; // 0: children run; ECHILD: none left
            }
            int wait = status.get(JAVA_INT, 0);
            int signal = wait & 0x7f;
            int code = signal == 0 ? (wait >> 8) & 0xff : 128 + signal;
            for (Kept k : sessions.values()) {
                if (k.pid == pid && k.exitCode == null) {
                    exited(k, code);
                    break;
                }
            }
        }
    }

    /** Records the log-on in utmp and wtmp, as login does; returns its line, or null when that failed (logged). */
    private String logOn(dev.tether.core.terminal.TerminalSpec spec, int pid, String line) {
        try {
            String host = spec.logOn().host() != null ? spec.logOn().host() : "tether";
            Utmp.loggedIn(pid, line, spec.logOn().account(), host, java.time.Instant.now());
            return line;
        } catch (IOException | RuntimeException e) {
            log.warn("session {}: {}", spec.sessionId(), e.getMessage());
            return null;
        }
    }

    private void exited(Kept k, int code) {
        k.exitCode = code;
        if (k.loggedOnLine != null) {
            try {
                Utmp.loggedOut(k.pid, k.loggedOnLine, code, java.time.Instant.now());
            } catch (IOException | RuntimeException e) {
                log.warn("session {}: {}", k.id, e.getMessage());
            }
        }
        unwatch(k.pidfd);
        LibC.close(k.pidfd);
        k.pidfd = -1;
        log.info("session {} (pid {}) exited with {}", k.id, k.pid, code);
        notifyAll(); // a stop waits for it
        if (server != null) {
            // The server drains its own copy of the master; this one stays until the exit is recorded.
            try {
                server.send(KeeperProtocol.encode(new KeeperProtocol.Exited(k.id, code)), new int[0]);
            } catch (IOException e) {
                log.warn("could not tell the server that session {} exited: {}", k.id, e.toString());
            }
        }
        if (k.released) {
            forget(k);
        } else if (server == null) {
            drain(k, PtyTerminal.EXIT_DRAIN_LIMIT);
            closeMaster(k); // the program is gone: nothing more will come
        }
    }

    /** Reads what the master has into the ring, up to {@code budget} bytes. Holding the lock. */
    private void drain(Kept k, int budget) {
        int total = 0;
        while (k.master >= 0 && total < budget) {
            long n = LibC.read(loopErr, k.master, buffer, READ_BYTES);
            if (n > 0) {
                k.ring.append(buffer, (int) n);
                total += (int) n;
            } else if (n != -LibC.EINTR) {
                if (n != -LibC.EAGAIN && k.reading) {
                    unwatch(k.master); // EIO: the slave is closed; the exit comes from the pidfd
                    k.reading = false;
                }
                return;
            }
        }
    }

    /** Before a server takes the masters. Holding the lock. */
    private void stopReading() {
        for (Kept k : sessions.values()) {
            if (k.reading) {
                unwatch(k.master);
                k.reading = false;
            }
        }
    }

    /** After the server let go (said Bye, or died). Holding the lock. */
    private void startReading() {
        for (Kept k : List.copyOf(sessions.values())) {
            if (k.master < 0) {
                continue;
            }
            if (k.exitCode != null) {
                drain(k, PtyTerminal.EXIT_DRAIN_LIMIT); // what the server had not read of an exited program
                closeMaster(k);
            } else {
                watch(k.master, k);
                k.reading = true;
            }
        }
    }

    private void watch(int fd, Kept k) {
        int r = LibC.epollCtl(loopErr, epfd, LibC.EPOLL_CTL_ADD, fd, LibC.EPOLLIN, ctlEvent);
        if (r < 0) {
            log.error("session {}: epoll_ctl(ADD {}) failed: {}", k.id, fd, LibC.strerror(-r));
            return;
        }
        byFd.put(fd, k);
    }

    private void unwatch(int fd) {
        if (byFd.remove(fd) != null) {
            LibC.epollCtl(loopErr, epfd, LibC.EPOLL_CTL_DEL, fd, 0, ctlEvent);
        }
    }

    private void closeMaster(Kept k) {
        if (k.master >= 0) {
            unwatch(k.master);
            k.reading = false;
            LibC.close(k.master);
            k.master = -1;
        }
    }

    // ---------------------------------------------------------------- stopping

    /**
     * Closes every session the way a close does: SIGHUP to its session, SIGTERM after a second,
     * SIGKILL after another; returns how many there were once they are gone.
     */
    private int stopAll() throws InterruptedException {
        List<Kept> running;
        synchronized (this) {
            running = sessions.values().stream().filter(k -> k.exitCode == null).toList();
            log.info("stopping: closing {} session(s)", running.size());
            for (Kept k : running) {
                k.released = true;
                closeMaster(k);
            }
        }
        for (int signal : new int[] {LibC.SIGHUP, LibC.SIGTERM, LibC.SIGKILL}) {
            synchronized (this) {
                for (Kept k : running) {
                    if (k.exitCode == null) {
                        LibC.kill(loopErr, -k.pid, signal);
                    }
                }
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GRACE_MILLIS);
                for (long left; running.stream().anyMatch(k -> k.exitCode == null) && (left = until - System.nanoTime()) > 0; ) {
                    wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))); // the loop reaps them and notifies
                }
            }
        }
        return running.size();
    }

    private static void closeAll(int[] fds) {
        for (int fd : fds) {
            LibC.close(fd);
        }
    }

    /** Stops listening and the loop; the programs keep running (orphaned) unless a Stop closed them. */
    @Override
    public void close() {
        if (stopping) {
            return;
        }
        stopping = true;
        listener.close();
        try {
            loop.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (server != null) {
                server.close();
            }
        }
        try {
            Files.deleteIfExists(dir.resolve(SOCKET));
        } catch (IOException e) {
            log.warn("could not clean up {}: {}", dir, e.toString());
        }
        LibC.close(lockFd); // the flock goes with it
        log.info("keeper {} stopped", ProcessHandle.current().pid());
        stopped.countDown();
    }
}
