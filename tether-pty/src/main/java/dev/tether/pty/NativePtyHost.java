package dev.tether.pty;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.account.LinuxPasswords;
import dev.tether.core.terminal.PtyHost;
import dev.tether.core.terminal.Survivor;
import dev.tether.core.terminal.Terminal;
import dev.tether.core.terminal.TerminalListener;
import dev.tether.core.terminal.TerminalSpec;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PTY host of Linux: programs in real pseudo-terminals, started with posix_spawn through
 * the JDK's FFM API, all served by one epoll thread named {@code tether-pty-loop} — the JVM's
 * thread count does not grow with the number of terminals.
 *
 * <p>{@link #spawn} runs on the caller's thread (about a millisecond) and throws before
 * anything starts when the program or the working directory is missing; on a closed host it
 * throws INVALID_STATE. Everything after that happens on the loop. Callbacks into listeners and
 * viewers are guarded: an exception is logged and the loop carries on; a viewer whose
 * {@code send} throws is detached. An exit status that cannot be read (the process was reaped
 * elsewhere) is reported as -1.
 *
 * <p>Details the {@link Terminal} contract leaves open: the buffer given to
 * {@code Viewer.send} is read-only and reused, its bytes are those between position and limit;
 * input is copied without moving the caller's buffer position, and input through an
 * {@code Attachment} counts toward the same 1 MiB limit as {@code Terminal.write}; {@code signal}
 * reads /proc on the caller's thread and does nothing once the program has exited; output held
 * by {@code hold} when the program exits is not flushed at the exit but on release, with the
 * usual flow control (and without SIGWINCH, there being nobody left to redraw).
 *
 * <p><b>With a keeper</b> ({@link #withKeeper}) the programs are the keeper's children, not this
 * process's: a spawn asks the keeper, which answers with the master and pidfd; the ring lives in
 * a {@link SharedRing} file the keeper made; exit statuses come from the keeper; the sessions the
 * keeper kept from an earlier server are {@link #survivors} to {@link #adopt}; and {@link #close}
 * hands every terminal back (stops reading, closes this process's descriptors, says Bye), so the
 * programs run on. This process still reads and writes every master itself.
 *
 * <p>Without a keeper, {@link #close} hangs up every terminal (closes its master and sends SIGHUP to its
 * session), waits up to a second for the programs to exit, sends SIGKILL to the rest, waits
 * another second, and stops the loop (both seconds on the loop's clock, {@code System.nanoTime}
 * unless a test gave another); listeners hear {@code exited} for every program that
 * ended meanwhile. Requires {@code --enable-native-access=ALL-UNNAMED}, Linux 5.3+ (pidfd) and
 * glibc 2.34+.
 */
public final class NativePtyHost implements PtyHost, LinuxPasswords {
    private static final Logger log = LoggerFactory.getLogger(NativePtyHost.class);
    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long JOIN_SECONDS = 5;

    private final EventLoop loop;
    private final PtySpawner spawner;
    private final boolean allowRootSessions;
    private final Signaller signaller = new Signaller();
    /** Spawns hold it shared, close exclusively: every registration is queued before the shutdown. */
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed; // guarded by lifecycle
    private final Set<PtyTerminal> open = new HashSet<>(); // loop only
    private boolean closing; // loop only
    /** The pending shutdown grace, once closing. Loop only. */
    private EventLoop.Deadline grace;

    /** The keeper's end, or null when the programs are this process's children. */
    private final KeeperLink keeper;

    private NativePtyHost(LongSupplier nanos, KeeperLink keeper, boolean allowRootSessions) {
        this(nanos, keeper, allowRootSessions, PtySpawner.PAM_SERVICE);
    }

    private NativePtyHost(LongSupplier nanos, KeeperLink keeper, boolean allowRootSessions, String pamService) {
        // Freed by the GC rather than closed: a late submit() from another thread must never touch freed memory.
        Arena arena = Arena.ofAuto();
        this.loop = new EventLoop(arena, nanos);
        this.spawner = new PtySpawner(arena, allowRootSessions, pamService);
        this.allowRootSessions = allowRootSessions;
        this.keeper = keeper;
    }

    /** Creates a host and starts its I/O loop thread. */
    public static NativePtyHost start() {
        return start(System::nanoTime);
    }

    /**
     * A host whose programs are this process's children; when this process is root, a log-on may
     * be one of root or of a system account only with {@code allowRootSessions}.
     */
    public static NativePtyHost start(boolean allowRootSessions) {
        return start(allowRootSessions, PtySpawner.PAM_SERVICE);
    }

    /** As {@link #start(boolean)}, log-ons' PAM sessions under {@code pamService} (a test's own). */
    static NativePtyHost start(boolean allowRootSessions, String pamService) {
        NativePtyHost host = new NativePtyHost(System::nanoTime, null, allowRootSessions, pamService);
        host.loop.start();
        return host;
    }

    /**
     * A host whose loop measures its deadlines (the too-slow rule, the shutdown graces) on
     * {@code nanos}, a monotonic clock in nanoseconds; a clock that does not move on its own is
     * followed by {@link #runDueDeadlines} after each step.
     */
    static NativePtyHost start(LongSupplier nanos) {
        NativePtyHost host = new NativePtyHost(Objects.requireNonNull(nanos, "nanos"), null, false);
        host.loop.start();
        return host;
    }

    /**
     * A host whose programs live in the keeper of the runtime folder {@code dir}; when none runs,
     * {@code startKeeper} starts one (see {@link KeeperProcess}).
     *
     * @throws java.io.UncheckedIOException when no keeper answers
     */
    public static NativePtyHost withKeeper(Path dir, KeeperProcess startKeeper, boolean allowRootSessions) {
        KeeperLink link = startKeeper.connect(dir, allowRootSessions);
        NativePtyHost host = new NativePtyHost(System::nanoTime, link, false); // the keeper makes log-ons
        if (link.logsOnUsers() && LibC.geteuid() != 0) {
            host.signaller.throughKeeper(link); // its programs are other accounts': only the root keeper may signal them
        }
        host.loop.start();
        return host;
    }

    /**
     * Checks a Linux password with PAM: in the keeper when there is one, else in this process (which
     * must be root to read /etc/shadow), on a thread of its own: PAM takes seconds to refuse.
     */
    @Override
    public CompletableFuture<LinuxPasswords.Verdict> check(String account, char[] password, String remoteHost) {
        if (keeper != null) {
            return keeper.authenticate(account, password, remoteHost);
        }
        char[] copy = password.clone(); // the caller wipes its own once this completes
        return CompletableFuture.supplyAsync(() -> {
            try {
                return Keeper.checkLinuxPassword(account, copy, remoteHost);
            } finally {
                java.util.Arrays.fill(copy, '\0');
            }
        }, runnable -> Thread.ofPlatform().name("tether-pam").daemon().start(runnable));
    }

    @Override
    public boolean rootSessions() {
        return keeper != null ? keeper.rootSessions() : allowRootSessions && logsOnUsers();
    }

    @Override
    public boolean logsOnUsers() {
        return keeper != null ? keeper.logsOnUsers() : LibC.geteuid() == 0;
    }

    /** Makes the loop run every deadline due on its clock now, and returns once they ran (or the loop has stopped). */
    void runDueDeadlines() {
        loop.ask(() -> {
            loop.runDue();
            return true;
        }, JOIN_SECONDS, TimeUnit.SECONDS);
    }

    /** When the loop's pending deadlines are due on its clock, soonest first; empty once the loop has stopped. */
    List<Long> deadlines() {
        return loop.ask(loop::deadlines, JOIN_SECONDS, TimeUnit.SECONDS).orElse(List.of());
    }

    @Override
    public Terminal spawn(TerminalSpec spec, TerminalListener listener) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(listener, "listener");
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new TetherException(ResultCode.INVALID_STATE,
                        "cannot start " + spec.command().getFirst() + ": the PTY host is closed");
            }
            PtyTerminal terminal;
            if (keeper == null) {
                terminal = new PtyTerminal(loop, spawner.spawn(spec), new OutputRing(spec.ringBytes()), PtyTerminal.CHILD,
                        listener, this::closed, signaller);
            } else {
                terminal = kept(keeper.spawn(spec), listener);
            }
            loop.submit(() -> {
                open.add(terminal);
                terminal.register();
            });
            return terminal;
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** A terminal over what the keeper handed over: its descriptors, its ring file, its exit from the keeper. */
    private PtyTerminal kept(KeeperLink.Handed handed, TerminalListener listener) {
        long id = handed.entry().sessionId();
        SharedRing ring;
        try {
            ring = SharedRing.open(Path.of("/proc/self/fd/" + handed.ring())); // maps the keeper's memfd
            LibC.close(handed.ring()); // the mapping holds it now
        } catch (java.io.IOException e) {
            handed.close();
            throw new TetherException(ResultCode.INTERNAL, "session " + id + ": its ring cannot be mapped: " + e.getMessage(), e);
        }
        PtyTerminal.Reaper fromKeeper = (terminal, then) -> keeper.onExit(id, code -> loop.submit(() -> then.accept(code)));
        return new PtyTerminal(loop, new PtySpawner.Spawned(handed.entry().pid(), handed.master(), handed.pidfd()), ring,
                fromKeeper, listener, this::closed, signaller);
    }

    @Override
    public boolean keepsSessions() {
        return keeper != null;
    }

    @Override
    public List<Survivor> survivors() {
        if (keeper == null) {
            return List.of();
        }
        return keeper.kept().values().stream()
                .map(h -> new Survivor(h.entry().sessionId(), h.entry().pid(), h.entry().exitCode()))
                .toList();
    }

    @Override
    public Terminal adopt(long sessionId, TerminalListener listener) {
        KeeperLink.Handed handed = keeper == null ? null : keeper.kept().get(sessionId);
        if (handed == null || handed.master() < 0) {
            throw new TetherException(ResultCode.NOT_FOUND, "no running session " + sessionId + " is kept to adopt");
        }
        keeper.kept().remove(sessionId);
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new TetherException(ResultCode.INVALID_STATE, "cannot adopt session " + sessionId + ": the PTY host is closed");
            }
            PtyTerminal terminal = kept(handed, listener);
            loop.submit(() -> {
                open.add(terminal);
                terminal.register();
            });
            return terminal;
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public void release(long sessionId) {
        if (keeper == null) {
            return;
        }
        KeeperLink.Handed handed = keeper.kept().remove(sessionId);
        if (handed != null) {
            handed.close(); // handed over but never adopted: the keeper hangs it up
        }
        keeper.release(sessionId);
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lifecycle.writeLock().unlock();
        }
        loop.submit(this::shutDown);
        signaller.close();
        if (loop.inLoop()) {
            return; // a listener closed the host; the loop stops once this callback returns and the rest exit
        }
        try {
            if (!loop.join(JOIN_SECONDS, TimeUnit.SECONDS)) {
                log.warn("the PTY loop did not stop within {} s", JOIN_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (keeper != null) {
            for (long id : List.copyOf(keeper.kept().keySet())) {
                KeeperLink.Handed h = keeper.kept().remove(id);
                if (h != null) {
                    h.close(); // handed over, never adopted: the keeper still holds it
                }
            }
            keeper.bye(); // nothing of this process reads a master any more
            keeper.close();
        }
    }

    private void closed(PtyTerminal terminal) {
        open.remove(terminal);
        if (closing && open.isEmpty()) {
            if (grace != null) {
                grace.cancel(); // nobody left to signal
            }
            loop.stop();
        }
    }

    private void shutDown() {
        closing = true;
        if (keeper != null) {
            if (!open.isEmpty()) {
                log.info("handing {} terminals back to the keeper", open.size());
            }
            List.copyOf(open).forEach(PtyTerminal::handOver); // each leaves open; the last stops the loop
            if (open.isEmpty()) {
                loop.stop();
            }
            return;
        }
        if (open.isEmpty()) {
            loop.stop();
            return;
        }
        log.info("closing the PTY host: hanging up {} terminals", open.size());
        List<PtyTerminal> terminals = List.copyOf(open);
        terminals.forEach(PtyTerminal::hangUp);
        signalAll(terminals, LibC.SIGHUP);
        grace = loop.at(loop.now() + GRACE_NANOS, () -> {
            List<PtyTerminal> stubborn = List.copyOf(open);
            log.warn("{} terminals outlived SIGHUP; sending SIGKILL", stubborn.size());
            signalAll(stubborn, LibC.SIGKILL);
            grace = loop.at(loop.now() + GRACE_NANOS, () -> {
                log.error("{} terminals outlived SIGKILL; stopping the PTY loop without reaping them: {}",
                        open.size(), open);
                loop.stop();
            });
        });
    }

    /** One pass over /proc for all of them, not one per terminal. */
    private static void signalAll(List<PtyTerminal> terminals, int signal) {
        Set<Integer> sessions = terminals.stream().map(t -> (int) t.pid()).collect(Collectors.toSet());
        Map<Integer, List<Integer>> others = SessionScan.outsideLeaderGroup(sessions);
        for (PtyTerminal terminal : terminals) {
            terminal.signal(signal, others.getOrDefault((int) terminal.pid(), List.of()));
        }
    }
}
