package dev.tether.pty;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.tether.pty.KeeperProtocol.Entry;
import dev.tether.pty.KeeperProtocol.Message;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * <p>No network, no database, no JSON; memory is the sessions' table and one read buffer.
 */
public final class Keeper implements AutoCloseable {
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
    private final FileChannel lockFile;
    private final FileLock lock;
    private final UnixSocket listener;
    private final PtySpawner spawner;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment loopErr;
    private final MemorySegment ctlEvent;
    private final MemorySegment events;
    private final MemorySegment buffer;
    private final MemorySegment status;
    private final int epfd;
    private final Map<Long, Kept> sessions = new LinkedHashMap<>();
    private final Map<Integer, Kept> byFd = new HashMap<>();
    private UnixSocket server;
    private volatile boolean stopping;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread loop;
    private final Thread acceptor;

    private Keeper(Path dir, FileChannel lockFile, FileLock lock) throws IOException {
        this.dir = dir;
        this.lockFile = lockFile;
        this.lock = lock;
        this.spawner = new PtySpawner(arena);
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
        Path socket = dir.resolve(SOCKET);
        Files.deleteIfExists(socket); // a dead keeper's; the lock says none runs
        this.listener = UnixSocket.listen(socket);
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
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        FileChannel channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null; // this very process runs one (a test)
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            String pid = new String(Files.readAllBytes(dir.resolve(LOCK)), StandardCharsets.US_ASCII).strip();
            channel.close();
            throw new IOException("another keeper runs for " + dir + (pid.isEmpty() ? "" : " (pid " + pid + ")")
                    + "; one keeper serves a data directory");
        }
        channel.truncate(0);
        channel.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        Keeper keeper;
        try {
            keeper = new Keeper(dir, channel, lock);
        } catch (IOException | RuntimeException e) {
            lock.release();
            channel.close();
            throw e;
        }
        keeper.loop.start();
        keeper.acceptor.start();
        log.info("keeper {} serves {}", ProcessHandle.current().pid(), dir);
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
                if (who.uid() != uid) {
                    log.warn("refused a peer with uid {} (pid {}): only uid {} may connect", who.uid(), who.pid(), uid);
                    refuse(peer, "the keeper accepts only uid " + uid + ", not uid " + who.uid());
                    continue;
                }
                Thread.ofPlatform().name("tether-keeper-peer").start(() -> serve(peer, who));
            } catch (RuntimeException e) {
                log.warn("a peer could not be served", e);
                peer.close();
            }
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
            peer.send(KeeperProtocol.encode(new KeeperProtocol.Kept(i >= all.size(), batch.stream().map(Kept::entry).toList())),
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
                spawned = spawner.spawn(spec);
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
            peer.send(KeeperProtocol.encode(new KeeperProtocol.Failed(request.tag(), why)), new int[0]);
            return;
        }
        synchronized (this) {
            var k = new Kept(spec.sessionId(), spawned.pid(), spawned.masterFd(), spawned.pidFd(), ring, ringFd);
            sessions.put(k.id, k);
            watch(k.pidfd, k);
            // Under the lock: an Exited for it cannot overtake this answer.
            peer.send(KeeperProtocol.encode(new KeeperProtocol.Spawned(request.tag(), k.entry())),
                    new int[] {k.master, k.pidfd, k.ringFd});
        }
        log.info("session {} started: pid {}, {}", spec.sessionId(), spawned.pid(), spec.command().getFirst());
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

    private void exited(Kept k, int code) {
        k.exitCode = code;
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
            lock.release();
            lockFile.close();
        } catch (IOException e) {
            log.warn("could not clean up {}: {}", dir, e.toString());
        }
        log.info("keeper {} stopped", ProcessHandle.current().pid());
        stopped.countDown();
    }
}
