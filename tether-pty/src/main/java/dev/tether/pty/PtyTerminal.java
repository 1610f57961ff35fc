package dev.tether.pty;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.terminal.Attachment;
import dev.tether.core.terminal.ScreenCapture;
import dev.tether.core.terminal.Terminal;
import dev.tether.core.terminal.TerminalListener;
import dev.tether.core.terminal.Viewer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A program in a PTY as the I/O loop sees it: its master and pidfd in epoll, its output
 * {@link Fanout}, its {@link InputQueue}.
 *
 * <p><b>Flow control.</b> The master is read (EPOLLIN) while the fan-out wants output — nobody
 * attached, or somebody live — so when every viewer is full the program blocks on a full PTY
 * as it would on a real terminal. Input waits for EPOLLOUT when the PTY is full. With no
 * interest left the master leaves epoll altogether, since a hung-up master would otherwise
 * report EPOLLHUP forever.
 *
 * <p><b>Hold.</b> While the output is held (a locked session) the master is read whoever is
 * attached and the output only fills the ring; see {@link Fanout}.
 *
 * <p><b>Exit.</b> The pidfd turns readable: the master is drained, each viewer is sent what it
 * is owed regardless of fullness, the descriptors are closed, the exit status is taken from the
 * {@link Reaper} (this process reaps its own child; a keeper's child is reaped by the keeper,
 * which reports the status) and the listener told — once. No signal is sent once the pidfd said
 * the program exited; for a child of this process signals and reaping share a lock, so a signal
 * never reaches a recycled pid. (A keeper's child is reaped by the keeper the moment it exits: a
 * signal sent in the microseconds before the pidfd is seen here reaches its pid, whose number the
 * kernel does not hand out again while its process group lives.)
 *
 * <p><b>Hand-over.</b> {@link #handOver} stops reading and closes this process's copies of the
 * descriptors without a signal: the keeper, which holds its own, keeps the program.
 *
 * <p>Fields without a note are confined to the loop.
 */
final class PtyTerminal implements Terminal, EventLoop.Handler {
    private static final Logger log = LoggerFactory.getLogger(PtyTerminal.class);
    /** Bytes read from one master per wakeup, so that one chatty program cannot starve the rest. */
    static final int READ_BUDGET = 256 * 1024;
    /** Enough for whatever the kernel still buffers at exit, bounded in case the slave lives on in a grandchild. */
    static final int EXIT_DRAIN_LIMIT = 4 << 20;

    /** How a terminal learns its program's exit status once its pidfd said the program exited. */
    interface Reaper {
        /** Calls {@code then} on the loop with the status (or 128 + the signal; -1 when unknown). */
        void reap(PtyTerminal terminal, java.util.function.IntConsumer then);
    }

    /** The program is this process's child: reap it here. */
    static final Reaper CHILD = (terminal, then) -> then.accept(terminal.waitForExit(/* block= */ false));

    private final EventLoop loop;
    private final int pid;
    private final Reaper reaper;
    private final Ring ring;
    private final TerminalListener listener;
    private final Consumer<PtyTerminal> onClosed;
    private final Fanout fanout;
    private final Object reapLock = new Object();
    private boolean reaped; // guarded by reapLock

    private volatile boolean alive = true; // any thread
    private volatile long outputBytes; // any thread
    private volatile long outputTail; // any thread
    private final InputQueue input = new InputQueue(); // any thread offers, the loop writes
    /** Orders writes to the master (the loop's, and {@link #writeNow}'s from other threads) and its closing. */
    private final Object writing = new Object();
    /** Input up to this size may be written at once by the thread that offers it (a keystroke, a short paste). */
    private static final int DIRECT_INPUT_BYTES = 4096;
    private static final ThreadLocal<MemorySegment> DIRECT_ERRNO = ThreadLocal.withInitial(() -> LibC.newErrno(Arena.ofAuto())); // freed with its thread

    private int masterFd;
    private int pidFd;
    private boolean readable = true;
    private volatile boolean writeBlocked;
    /** Calls that input must not overtake (attach, hold, resize) handed to the loop and not yet run there. */
    private final java.util.concurrent.atomic.AtomicInteger tasks = new java.util.concurrent.atomic.AtomicInteger();
    private int interest;
    private boolean exited;
    /** The pending too-slow check on the loop's clock, null when none. Loop only. */
    private EventLoop.Deadline tooSlowCheck;
    private final Signaller signaller;
    private final ScreenModel screen;
    /** A viewer whose screen was ready while the output was held, and how much scrollback it asked for. */
    private record WaitingScreen(Tap tap, int scrollbackLines) {
    }

    /** Viewers whose screen was ready while the output was held: their screen is made again at the release. Loop only. */
    private final List<WaitingScreen> screensAfterRelease = new java.util.ArrayList<>();

    PtyTerminal(EventLoop loop, PtySpawner.Spawned spawned, Ring ring, Reaper reaper, TerminalListener listener,
                Consumer<PtyTerminal> onClosed, Signaller signaller) {
        this.loop = loop;
        this.ring = ring;
        this.reaper = reaper;
        this.signaller = signaller;
        this.pid = spawned.pid();
        this.masterFd = spawned.masterFd();
        this.pidFd = spawned.pidFd();
        this.fanout = new Fanout(ring, this, loop::now);
        this.outputBytes = ring.head(); // an adopted session's ring continues its stream
        this.outputTail = ring.tail();
        this.listener = listener;
        this.onClosed = onClosed;
        int[] size = windowSize(masterFd);
        this.screen = new ScreenModel(size[0], size[1], ring.capacity(), ring.tail(), () -> loop.submit(this::settle));
    }

    /** The master's window size, {cols, rows} (80x24 if it cannot be read). */
    private static int[] windowSize(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ws = a.allocate(8, 2);
            if (LibC.ioctl(LibC.newErrno(a), fd, LibC.TIOCGWINSZ, ws) == 0) {
                int rows = Short.toUnsignedInt(ws.get(JAVA_SHORT, 0));
                int cols = Short.toUnsignedInt(ws.get(JAVA_SHORT, 2));
                if (rows > 0 && cols > 0) {
                    return new int[] {cols, rows};
                }
            }
        }
        return new int[] {80, 24};
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public boolean alive() {
        return alive;
    }

    @Override
    public long outputBytes() {
        return outputBytes;
    }

    @Override
    public long outputTail() {
        return outputTail;
    }

    @Override
    public String toString() {
        return "terminal pid " + pid;
    }

    /** Takes the descriptors into epoll. Loop only. */
    void register() {
        int r = loop.add(pidFd, LibC.EPOLLIN, this);
        if (r == 0) {
            settle();
            return;
        }
        log.error("{}: cannot watch its pidfd ({}); killing it", this, LibC.strerror(-r));
        closeMaster();
        signal(LibC.SIGKILL, List.of());
        exited = true;
        if (reaper == CHILD) {
            finish(waitForExit(/* block= */ true));
        } else {
            reaper.reap(this, this::finish);
        }
    }

    @Override
    public Attachment attach(Viewer viewer, long from) {
        if (from < 0 || from > outputBytes) {
            throw new IllegalArgumentException("offset " + from + " is outside 0.." + outputBytes + " for " + this);
        }
        Tap tap = new Tap(this, Objects.requireNonNull(viewer, "viewer"));
        onLoop(() -> {
            if (fanout.attach(tap, from) && masterFd >= 0) {
                redraw();
            }
            settle();
        });
        return tap;
    }

    @Override
    public Attachment attachScreen(Viewer viewer, int scrollbackLines) {
        Tap tap = new Tap(this, Objects.requireNonNull(viewer, "viewer"));
        onLoop(() -> {
            screenFor(tap, scrollbackLines, 0);
            settle();
        });
        return tap;
    }

    /** Sends an attached viewer its screen again, without scrollback (it drew over its own). */
    void redraw(Tap tap) {
        onLoop(() -> {
            screenFor(tap, 0, 0);
            settle();
        });
    }

    /** Parks {@code tap} at the head and has its screen made; sends it when ready. Loop only. */
    private void screenFor(Tap tap, int scrollbackLines, int attempt) {
        if (tap.detached) {
            return;
        }
        fanout.park(tap, fanout.head());
        screen.capture(ring, e -> ByteBuffer.wrap(e.snapshot(scrollbackLines))).whenComplete((snapshot, failure) -> loop.submit(() -> {
            if (failure != null) {
                log.error("{}: its screen could not be made; replaying the raw output instead", this, failure);
                fanout.unparkRaw(tap);
            } else if (fanout.held()) {
                screensAfterRelease.add(new WaitingScreen(tap, scrollbackLines)); // made again, as it will be then
            } else if (!fanout.screenReady(tap, snapshot)) { // the ring moved past it meanwhile
                if (attempt < 3) {
                    screenFor(tap, scrollbackLines, attempt + 1);
                } else {
                    fanout.unparkRaw(tap);
                }
            }
            settle();
        }));
    }

    @Override
    public java.util.concurrent.CompletableFuture<ScreenCapture> capture(ScreenCapture.Request request) {
        var result = new java.util.concurrent.CompletableFuture<ScreenCapture>();
        onLoop(() -> {
            long at = fanout.head();
            screen.capture(ring, e -> ScreenModel.captured(e, at, request)).whenComplete((c, failure) -> {
                if (failure != null) {
                    result.completeExceptionally(failure);
                } else {
                    result.complete(c);
                }
            });
        });
        return result;
    }

    void forget(Tap tap) {
        loop.submit(() -> {
            fanout.detach(tap);
            settle();
        });
    }

    void writable(Tap tap) {
        loop.submit(() -> {
            fanout.writable(tap);
            settle();
        });
    }

    /** Runs {@code task} on the loop, counted in {@link #tasks} until it has run, so that input written meanwhile waits for it. */
    private void onLoop(Runnable task) {
        tasks.incrementAndGet();
        loop.submit(() -> {
            try {
                task.run();
            } finally {
                tasks.decrementAndGet();
            }
        });
    }

    /** Copies the remaining bytes of {@code bytes} (its position is left alone); refused beyond 1 MiB queued. */
    @Override
    public void write(ByteBuffer bytes) {
        enqueue(bytes, null);
    }

    void enqueue(ByteBuffer bytes, Tap from) {
        if (!bytes.hasRemaining() || !alive) {
            return;
        }
        boolean flush = bytes.remaining() <= DIRECT_INPUT_BYTES ? writeNow(bytes, from) : input.offer(bytes, from, this);
        if (flush) {
            loop.submit(this::flushInput);
        }
    }

    /**
     * A keystroke (or a short paste) with nothing queued before it is written to the master at
     * once, from the caller's thread: no hand-off to the I/O loop and back on the way to the
     * program. What is left (input is queued already, the PTY is full or closed, a call made
     * before this one still waits for the loop) is queued for the loop, under the same lock, so
     * inputs stay whole and in order, and after whatever was asked of the terminal before them.
     * {@link #writing} also orders this with closing the master, so a write can never reach a
     * reused descriptor.
     *
     * @return true when the caller must schedule a flush on the loop (see {@link InputQueue#offer})
     */
    private boolean writeNow(ByteBuffer bytes, Tap from) {
        synchronized (writing) {
            long written = 0;
            if (masterFd >= 0 && !writeBlocked && tasks.get() == 0 && input.queued() == 0) {
                MemorySegment source = MemorySegment.ofBuffer(bytes.isReadOnly() ? ByteBuffer.wrap(copyOf(bytes)) : bytes);
                written = Math.max(0, LibC.writeHeap(DIRECT_ERRNO.get(), masterFd, source, bytes.remaining()));
            }
            return written < bytes.remaining()
                    && input.offer(bytes.slice(bytes.position() + (int) written, bytes.remaining() - (int) written), from, this);
        }
    }

    private static byte[] copyOf(ByteBuffer bytes) {
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(bytes.position(), copy);
        return copy;
    }

    @Override
    public void resize(int cols, int rows) {
        if (cols < 1 || cols > 65535 || rows < 1 || rows > 65535) {
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    "the window size " + cols + "x" + rows + " for " + this + " is outside 1..65535");
        }
        onLoop(() -> {
            if (masterFd >= 0) {
                MemorySegment size = loop.small;
                size.set(JAVA_SHORT, 0, (short) rows);
                size.set(JAVA_SHORT, 2, (short) cols);
                size.set(JAVA_INT, 4, 0);
                LibC.ioctl(loop.errno(), masterFd, LibC.TIOCSWINSZ, size);
            }
            screen.resized(fanout.head(), cols, rows);
        });
    }

    /**
     * Holds the output in the ring (read as if nobody were attached) or releases it: every viewer
     * is caught up from the ring, then the window size is re-applied and SIGWINCH sent, as after
     * an attach. Holding twice, or releasing what is not held, does nothing.
     */
    @Override
    public void hold(boolean held) {
        onLoop(() -> {
            if (fanout.hold(held) && !held) {
                for (WaitingScreen waiting : screensAfterRelease) {
                    screenFor(waiting.tap(), waiting.scrollbackLines(), 0);
                }
                screensAfterRelease.clear();
                if (masterFd >= 0) {
                    redraw();
                }
            }
            settle();
        });
    }

    /** Scans /proc on the calling thread for the session's other process groups; a no-op once the program has exited. */
    @Override
    public void signal(int signal) {
        if (signal < 1 || signal > 64) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "signal " + signal + " for " + this + " is outside 1..64");
        }
        if (alive) {
            signaller.submit(this, signal);
        }
    }

    /** Signals the leader's process group and {@code others} of its session, unless it has been reaped. */
    void signal(int signal, List<Integer> others) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = LibC.newErrno(arena);
            synchronized (reapLock) {
                if (reaped) {
                    return;
                }
                kill(err, -pid, signal);
                for (int other : others) {
                    kill(err, other, signal);
                }
            }
        }
    }

    private void kill(MemorySegment err, int target, int signal) {
        int r = LibC.kill(err, target, signal);
        if (r < 0 && r != -LibC.ESRCH) {
            log.warn("{}: kill({}, {}) failed: {}", this, target, signal, LibC.strerror(-r));
        }
    }

    /** Host shutdown: closes the master, which hangs up the slave. Loop only. */
    void hangUp() {
        closeMaster();
        discardInput();
    }

    /**
     * Host shutdown with a keeper: stops reading and closes this process's descriptors, sending
     * no signal and telling no listener; the program goes on in the keeper, which drains it until
     * the next server takes it. Loop only.
     */
    void handOver() {
        if (exited) {
            return;
        }
        exited = true;
        closeMaster();
        discardInput();
        loop.remove(pidFd);
        LibC.close(pidFd);
        pidFd = -1;
        closeRing();
        onClosed.accept(this);
    }

    private void closeRing() {
        if (ring instanceof SharedRing shared) {
            shared.close();
        }
    }

    @Override
    public void onEvent(int fd, int events) {
        if (fd == pidFd) {
            onExit();
            return;
        }
        if ((events & (LibC.EPOLLIN | LibC.EPOLLHUP | LibC.EPOLLERR)) != 0 && wantsRead()) {
            read(READ_BUDGET, /* draining= */ false);
        }
        if (writeBlocked && (events & (LibC.EPOLLOUT | LibC.EPOLLHUP | LibC.EPOLLERR)) != 0) {
            writeBlocked = false;
            writeInput();
            fanout.applyInputFlowControl(input.queued());
        }
        settle();
    }

    private boolean wantsRead() {
        return readable && masterFd >= 0 && fanout.wantsOutput() && !screen.behind();
    }

    /**
     * Reads up to {@code budget} bytes. Successive reads fill the loop's buffer before they are
     * delivered: the kernel hands a PTY's output over in pieces of about 4 KiB, and delivering each
     * as its own WebSocket message cost more than the bytes (the throughput bench saw ~4.7 KB per
     * message). A lone keystroke's echo is one read followed by EAGAIN, so it goes out at once.
     */
    private void read(int budget, boolean draining) {
        MemorySegment err = loop.errno();
        int total = 0;
        int filled = 0;
        while (total < budget) {
            long n = LibC.read(err, masterFd, loop.readBuffer.asSlice(filled), EventLoop.READ_BUFFER_BYTES - filled);
            if (n > 0) {
                total += (int) n;
                filled += (int) n;
                if (filled == EventLoop.READ_BUFFER_BYTES) {
                    deliver(filled);
                    filled = 0;
                    if (!draining && !wantsRead()) {
                        return;
                    }
                }
            } else if (n == -LibC.EAGAIN) {
                break;
            } else if (n != -LibC.EINTR) {
                // EIO (or EOF): every slave descriptor is closed. The exit itself comes from the pidfd.
                if (n != 0 && n != -LibC.EIO) {
                    log.warn("{}: reading the PTY failed: {}", this, LibC.strerror((int) -n));
                }
                readable = false;
                break;
            }
        }
        if (filled > 0) {
            deliver(filled);
        }
    }

    private void deliver(int n) {
        screen.beforeAppend(ring, loop.readBuffer, n);
        fanout.deliver(loop.readBuffer, loop.readView, n);
        outputTail = fanout.tail();
        outputBytes = fanout.head();
    }


    /** Matches the master's epoll interest to what the terminal wants now. */
    private void settle() {
        if (masterFd < 0) {
            return;
        }
        OptionalLong overdue = fanout.overdueAt();
        if (overdue.isPresent() && (tooSlowCheck == null || overdue.getAsLong() - tooSlowCheck.nanos < 0)) {
            if (tooSlowCheck != null) {
                tooSlowCheck.cancel(); // a laggard blocked earlier than the one it was taken for
            }
            tooSlowCheck = loop.at(overdue.getAsLong(), () -> {
                tooSlowCheck = null;
                fanout.dropOverdue(loop.now());
                settle();
            });
        }
        int want = (wantsRead() ? LibC.EPOLLIN : 0) | (writeBlocked ? LibC.EPOLLOUT : 0);
        if (want == interest) {
            return;
        }
        int r = want == 0 ? 0 : interest == 0 ? loop.add(masterFd, want, this) : loop.modify(masterFd, want);
        if (want == 0) {
            loop.remove(masterFd);
        }
        if (r < 0) {
            log.error("{}: epoll_ctl on the PTY failed: {}", this, LibC.strerror(-r));
            return;
        }
        interest = want;
    }

    private void flushInput() {
        input.flushStarted();
        if (masterFd < 0) {
            discardInput();
            return;
        }
        if (!writeBlocked) {
            writeInput();
        }
        fanout.applyInputFlowControl(input.queued());
        settle();
    }

    private void writeInput() {
        long r;
        synchronized (writing) {
            r = input.writeTo(masterFd, loop.writeBuffer, loop.errno());
        }
        if (r == -LibC.EAGAIN) {
            writeBlocked = true;
        } else if (r < 0) {
            log.debug("{}: input dropped, the PTY refused it: {}", this, LibC.strerror((int) -r));
            discardInput();
        }
    }

    private void discardInput() {
        input.discard();
        writeBlocked = false;
        fanout.applyInputFlowControl(input.queued());
    }

    /** Re-applies the window size and sends SIGWINCH to the foreground group, so a full-screen program redraws. */
    private void redraw() {
        MemorySegment err = loop.errno();
        MemorySegment scratch = loop.small;
        if (LibC.ioctl(err, masterFd, LibC.TIOCGWINSZ, scratch) == 0) {
            LibC.ioctl(err, masterFd, LibC.TIOCSWINSZ, scratch);
        }
        if (LibC.ioctl(err, masterFd, LibC.TIOCGPGRP, scratch) == 0) {
            int group = scratch.get(JAVA_INT, 0);
            if (group > 0) {
                LibC.kill(err, -group, LibC.SIGWINCH);
            }
        }
    }

    private void onExit() {
        if (exited) {
            return;
        }
        exited = true;
        loop.remove(pidFd); // readable from now on: one report is enough
        synchronized (reapLock) {
            reaped |= reaper != CHILD; // no signal after this; a child of ours is marked when reaped
        }
        if (masterFd >= 0) {
            if (readable) {
                read(EXIT_DRAIN_LIMIT, /* draining= */ true);
            }
            fanout.flushOwed();
            closeMaster();
        }
        reaper.reap(this, this::finish);
    }

    private void finish(int exitCode) {
        exited = true;
        alive = false;
        closeRing();
        LibC.close(pidFd);
        pidFd = -1;
        discardInput();
        onClosed.accept(this);
        try {
            listener.exited(exitCode);
        } catch (Throwable t) {
            log.error("{}: the listener failed in exited({})", this, exitCode, t);
        }
    }

    private void closeMaster() {
        if (masterFd < 0) {
            return;
        }
        if (interest != 0) {
            loop.remove(masterFd);
            interest = 0;
        }
        if (tooSlowCheck != null) {
            tooSlowCheck.cancel(); // nobody is held back by a terminal that is not read any more
            tooSlowCheck = null;
        }
        synchronized (writing) {
            LibC.close(masterFd);
            masterFd = -1;
            writeBlocked = false;
        }
        readable = false;
    }

    /** Reaps the process: its exit status, or 128 + the signal that ended it; -1 if someone else reaped it. */
    int waitForExit(boolean block) {
        MemorySegment status = loop.small;
        synchronized (reapLock) {
            int r;
            do {
                r = LibC.waitpid(loop.errno(), pid, status, block ? 0 : LibC.WNOHANG);
                if (r == 0) {
                    // The pidfd said it exited; the zombie must be there. Wait for it rather than leak it.
                    block = true;
                }
            } while (r == 0 || r == -LibC.EINTR);
            reaped = true;
            if (r < 0) {
                log.warn("{}: cannot reap it: {}", this, LibC.strerror(-r));
                return -1;
            }
            int wait = status.get(JAVA_INT, 0);
            int signal = wait & 0x7f;
            return signal == 0 ? (wait >> 8) & 0xff : 128 + signal;
        }
    }
}
