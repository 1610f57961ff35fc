package dev.tether.pty;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.tether.core.Attachment;
import dev.tether.core.ResultCode;
import dev.tether.core.Terminal;
import dev.tether.core.TerminalListener;
import dev.tether.core.TetherException;
import dev.tether.core.Viewer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A program in a PTY as the I/O loop sees it.
 *
 * <p><b>Output.</b> Each read chunk goes into the ring, then to every live viewer. A viewer
 * whose send returns false is blocked at the ring's head; when it signals writable it is caught
 * up from the ring, or told it is too slow if the ring has moved past it (checked on every
 * chunk too, so a viewer that never drains is let go as soon as it has lost data). While
 * viewers are attached and none is live the master is taken out of epoll, so the program blocks
 * on a full PTY as it would on a real terminal.
 *
 * <p><b>Input.</b> Copies are queued from any thread and written non-blocking on the loop,
 * waiting for EPOLLOUT when the PTY is full. Above 64 KiB queued the viewers with input in the
 * queue are paused, below 16 KiB resumed; beyond 1 MiB writes are refused.
 *
 * <p><b>Exit.</b> The pidfd turns readable: the master is drained, what each viewer is owed is
 * sent regardless of fullness, the descriptors are closed, the process reaped and the listener
 * told — once. Signals and reaping share a lock so a signal can never reach a recycled pid.
 *
 * <p>Fields without a note are confined to the loop.
 */
final class PtyTerminal implements Terminal, EventLoop.Handler {
    private static final Logger log = LoggerFactory.getLogger(PtyTerminal.class);
    static final long MAX_QUEUED_INPUT = 1 << 20;
    static final long PAUSE_INPUT_ABOVE = 64 * 1024;
    static final long RESUME_INPUT_BELOW = 16 * 1024;
    /** Bytes read from one master per wakeup, so that one chatty program cannot starve the rest. */
    static final int READ_BUDGET = 256 * 1024;
    /** Enough for whatever the kernel still buffers at exit, bounded in case the slave lives on in a grandchild. */
    static final int EXIT_DRAIN_LIMIT = 4 << 20;
    static final int SLICE = 64 * 1024;

    private record Input(byte[] bytes, Tap from) {
    }

    private final EventLoop loop;
    private final int pid;
    private final TerminalListener listener;
    private final Consumer<PtyTerminal> onClosed;
    private final OutputRing ring;
    private final Object reapLock = new Object();
    private boolean reaped; // guarded by reapLock

    private volatile boolean alive = true; // any thread
    private volatile long outputBytes; // any thread
    private final AtomicLong queuedInput = new AtomicLong(); // any thread
    private final Queue<Input> inbox = new ConcurrentLinkedQueue<>(); // any thread adds, the loop takes
    private final AtomicBoolean flushScheduled = new AtomicBoolean(); // any thread

    private int masterFd;
    private int pidFd;
    private final List<Tap> taps = new ArrayList<>(2);
    private boolean readable = true;
    private boolean writeBlocked;
    private int interest;
    private int headConsumed;
    private boolean exited;

    PtyTerminal(EventLoop loop, PtySpawner.Spawned spawned, int ringBytes, TerminalListener listener,
                Consumer<PtyTerminal> onClosed) {
        this.loop = loop;
        this.pid = spawned.pid();
        this.masterFd = spawned.masterFd();
        this.pidFd = spawned.pidFd();
        this.ring = new OutputRing(ringBytes);
        this.listener = listener;
        this.onClosed = onClosed;
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
        finish(waitForExit(/* block= */ true));
    }

    @Override
    public Attachment attach(Viewer viewer) {
        Tap tap = new Tap(this, Objects.requireNonNull(viewer, "viewer"));
        loop.submit(() -> attachOnLoop(tap));
        return tap;
    }

    private void attachOnLoop(Tap tap) {
        if (tap.detached) {
            return;
        }
        guard(tap, "onWritable", () -> tap.viewer.onWritable(tap.writable));
        taps.add(tap);
        tap.position = ring.tail();
        catchUp(tap, /* ignoreFull= */ false);
        if (masterFd >= 0) {
            redraw();
        }
        settle();
    }

    void forget(Tap tap) {
        loop.submit(() -> {
            taps.remove(tap);
            settle();
        });
    }

    void writable(Tap tap) {
        loop.submit(() -> {
            if (tap.detached || tap.live || !taps.contains(tap)) {
                return;
            }
            if (tap.position < ring.tail()) {
                tooSlow(tap);
            } else {
                catchUp(tap, /* ignoreFull= */ false);
            }
            settle();
        });
    }

    @Override
    public void write(ByteBuffer input) {
        enqueue(input, null);
    }

    void enqueue(ByteBuffer input, Tap from) {
        int n = input.remaining();
        if (n == 0 || !alive) {
            return;
        }
        long queued = queuedInput.addAndGet(n);
        if (queued > MAX_QUEUED_INPUT) {
            queuedInput.addAndGet(-n);
            throw new TetherException(ResultCode.TOO_LARGE, "input for " + this + " refused: " + (queued - n)
                    + " bytes are already queued and " + n + " more would pass the limit of " + MAX_QUEUED_INPUT);
        }
        byte[] copy = new byte[n];
        input.get(input.position(), copy);
        if (from != null) {
            from.pendingInput.addAndGet(n);
        }
        inbox.add(new Input(copy, from));
        if (flushScheduled.compareAndSet(false, true)) {
            loop.submit(this::flushInput);
        }
    }

    @Override
    public void resize(int cols, int rows) {
        if (cols < 1 || cols > 65535 || rows < 1 || rows > 65535) {
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    "the window size " + cols + "x" + rows + " for " + this + " is outside 1..65535");
        }
        loop.submit(() -> {
            if (masterFd >= 0) {
                MemorySegment size = loop.small;
                size.set(JAVA_SHORT, 0, (short) rows);
                size.set(JAVA_SHORT, 2, (short) cols);
                size.set(JAVA_INT, 4, 0);
                LibC.ioctl(loop.errno(), masterFd, LibC.TIOCSWINSZ, size);
            }
        });
    }

    @Override
    public void signal(int signal) {
        if (signal < 1 || signal > 64) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "signal " + signal + " for " + this + " is outside 1..64");
        }
        if (alive) {
            signal(signal, SessionScan.outsideLeaderGroup(Set.of(pid)).getOrDefault(pid, List.of()));
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
            applyInputFlowControl();
        }
        settle();
    }

    private boolean wantsRead() {
        if (!readable || masterFd < 0) {
            return false;
        }
        if (taps.isEmpty()) {
            return true;
        }
        for (int i = 0; i < taps.size(); i++) {
            if (taps.get(i).live) {
                return true;
            }
        }
        return false;
    }

    private void read(int budget, boolean draining) {
        MemorySegment err = loop.errno();
        int total = 0;
        while (total < budget) {
            long n = LibC.read(err, masterFd, loop.readBuffer, EventLoop.READ_BUFFER_BYTES);
            if (n > 0) {
                total += (int) n;
                deliver((int) n);
                if (!draining && !wantsRead()) {
                    return;
                }
            } else if (n == -LibC.EAGAIN) {
                return;
            } else if (n != -LibC.EINTR) {
                // EIO (or EOF): every slave descriptor is closed. The exit itself comes from the pidfd.
                if (n != 0 && n != -LibC.EIO) {
                    log.warn("{}: reading the PTY failed: {}", this, LibC.strerror((int) -n));
                }
                readable = false;
                return;
            }
        }
    }

    /** Appends the chunk in the loop's read buffer to the ring and fans it out. */
    private void deliver(int n) {
        ring.append(loop.readBuffer, n);
        long head = ring.head();
        long tail = ring.tail();
        outputBytes = head;
        for (int i = 0; i < taps.size(); i++) {
            Tap tap = taps.get(i);
            if (tap.detached) {
                continue;
            }
            if (tap.live) {
                ByteBuffer chunk = loop.readView.clear().limit(n);
                tap.position = head;
                if (!send(tap, chunk)) {
                    tap.live = false;
                }
            } else if (tap.position < tail) {
                tooSlow(tap);
            }
        }
    }

    /** Sends ring[position, head) in slices until caught up (live) or, unless ignoring fullness, the viewer is full. */
    private void catchUp(Tap tap, boolean ignoreFull) {
        while (tap.position < ring.head()) {
            ByteBuffer slice = ring.slice(tap.position, SLICE);
            int length = slice.remaining();
            boolean accepted = send(tap, slice);
            if (tap.detached) {
                return;
            }
            tap.position += length;
            if (!accepted && !ignoreFull) {
                tap.live = false;
                return;
            }
        }
        tap.live = true;
    }

    private boolean send(Tap tap, ByteBuffer chunk) {
        try {
            return tap.viewer.send(chunk);
        } catch (Throwable t) {
            log.error("{}: viewer {} failed in send; detaching it", this, tap.viewer, t);
            tap.detached = true;
            tap.live = false;
            return false;
        }
    }

    private void tooSlow(Tap tap) {
        tap.detached = true;
        tap.live = false;
        guard(tap, "tooSlow", tap.viewer::tooSlow);
    }

    /** Forgets detached viewers and matches the epoll interest to what the terminal wants now. */
    private void settle() {
        taps.removeIf(tap -> tap.detached);
        if (masterFd < 0) {
            return;
        }
        int want = (wantsRead() ? LibC.EPOLLIN : 0) | (writeBlocked ? LibC.EPOLLOUT : 0);
        if (want == interest) {
            return;
        }
        // With no interest at all the master leaves epoll: a hung-up master would report EPOLLHUP forever.
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
        flushScheduled.set(false);
        if (masterFd < 0) {
            discardInput();
            return;
        }
        if (!writeBlocked) {
            writeInput();
        }
        applyInputFlowControl();
        settle();
    }

    private void writeInput() {
        MemorySegment buffer = loop.writeBuffer;
        while (!inbox.isEmpty()) {
            int length = 0;
            int skip = headConsumed;
            for (Input input : inbox) {
                int n = Math.min(input.bytes.length - skip, (int) buffer.byteSize() - length);
                MemorySegment.copy(input.bytes, skip, buffer, JAVA_BYTE, length, n);
                length += n;
                skip = 0;
                if (length == buffer.byteSize()) {
                    break;
                }
            }
            long written = LibC.write(loop.errno(), masterFd, buffer, length);
            if (written > 0) {
                consume((int) written);
            } else if (written == -LibC.EAGAIN) {
                writeBlocked = true;
                return;
            } else if (written != -LibC.EINTR) {
                log.debug("{}: input dropped, the PTY refused it: {}", this, LibC.strerror((int) -written));
                discardInput();
                return;
            }
        }
    }

    private void consume(int n) {
        queuedInput.addAndGet(-n);
        while (n > 0) {
            Input head = inbox.peek();
            int k = Math.min(head.bytes.length - headConsumed, n);
            headConsumed += k;
            n -= k;
            if (head.from != null) {
                head.from.pendingInput.addAndGet(-k);
            }
            if (headConsumed == head.bytes.length) {
                inbox.poll();
                headConsumed = 0;
            }
        }
    }

    private void discardInput() {
        for (Input input; (input = inbox.poll()) != null; ) {
            int left = input.bytes.length - headConsumed;
            headConsumed = 0;
            queuedInput.addAndGet(-left);
            if (input.from != null) {
                input.from.pendingInput.addAndGet(-left);
            }
        }
        writeBlocked = false;
        applyInputFlowControl();
    }

    private void applyInputFlowControl() {
        long queued = queuedInput.get();
        for (int i = 0; i < taps.size(); i++) {
            Tap tap = taps.get(i);
            if (queued > PAUSE_INPUT_ABOVE && !tap.inputPaused && tap.pendingInput.get() > 0 && !tap.detached) {
                tap.inputPaused = true;
                guard(tap, "pauseInput", tap.viewer::pauseInput);
            } else if (queued < RESUME_INPUT_BELOW && tap.inputPaused) {
                tap.inputPaused = false;
                guard(tap, "resumeInput", tap.viewer::resumeInput);
            }
        }
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
        if (masterFd >= 0) {
            if (readable) {
                read(EXIT_DRAIN_LIMIT, /* draining= */ true);
            }
            for (int i = 0; i < taps.size(); i++) {
                Tap tap = taps.get(i);
                if (tap.detached || tap.live) {
                    continue;
                }
                if (tap.position < ring.tail()) {
                    tooSlow(tap);
                } else {
                    catchUp(tap, /* ignoreFull= */ true);
                }
            }
            closeMaster();
        }
        finish(waitForExit(/* block= */ false));
    }

    private void finish(int exitCode) {
        exited = true;
        alive = false;
        loop.remove(pidFd);
        LibC.close(pidFd);
        pidFd = -1;
        discardInput();
        taps.removeIf(tap -> tap.detached);
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
        LibC.close(masterFd);
        masterFd = -1;
        readable = false;
        writeBlocked = false;
    }

    /** Reaps the process: its exit status, or 128 + the signal that ended it; -1 if someone else reaped it. */
    private int waitForExit(boolean block) {
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

    private void guard(Tap tap, String callback, Runnable call) {
        try {
            call.run();
        } catch (Throwable t) {
            log.error("{}: viewer {} failed in {}", this, tap.viewer, callback, t);
        }
    }
}
