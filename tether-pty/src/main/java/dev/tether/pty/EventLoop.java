package dev.tether.pty;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread, one epoll instance, every file descriptor of every terminal.
 *
 * <p>Other threads hand work over with {@link #submit}; an eventfd wakes the loop only when it
 * is (about to be) asleep in epoll_wait, so a busy loop takes tasks without extra syscalls.
 * Everything else here — the fd table, the scratch memory, the handlers' state — belongs to
 * the loop thread alone. The loop survives any exception: each task and each event is run
 * under its own guard and failures are logged.
 *
 * <p>Descriptors are level-triggered and identified by their number (the epoll data is the
 * fd), so a handler must {@link #remove} an fd before closing it.
 */
final class EventLoop {
    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);
    static final int READ_BUFFER_BYTES = 64 * 1024;
    private static final int MAX_EVENTS = 1024;
    /** Tasks run per round before I/O gets its turn again. */
    private static final int MAX_TASKS_PER_ROUND = 4096;

    /** Reacts to readiness of an fd registered with {@link #add}. */
    interface Handler {
        void onEvent(int fd, int events);
    }

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** True while the loop may be blocked in epoll_wait; whoever flips it to false writes the eventfd. */
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final int epfd;
    private final int wakeFd;
    private final Thread thread;
    private final MemorySegment wakeValue;
    private final MemorySegment wakeErrno;

    // Loop-confined state and scratch memory.
    private Handler[] handlers = new Handler[1024];
    private final MemorySegment errno;
    private final MemorySegment ctlEvent;
    private final MemorySegment events;
    private final MemorySegment wakeDrain;
    final MemorySegment readBuffer;
    /** Read-only view of {@link #readBuffer}, handed to viewers; position and limit are set per send. */
    final ByteBuffer readView;
    final MemorySegment writeBuffer;
    /** Eight bytes for small out-parameters: a winsize, a pgrp, a wait status. */
    final MemorySegment small;
    private boolean running = true;
    private long deadlineNanos;
    private Runnable onDeadline;

    EventLoop(Arena arena) {
        MemorySegment err = LibC.newErrno(arena);
        this.epfd = check("epoll_create1", LibC.epollCreate1(err, LibC.EPOLL_CLOEXEC));
        this.wakeFd = check("eventfd", LibC.eventfd(err, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC));
        this.errno = err;
        this.wakeErrno = LibC.newErrno(arena);
        this.wakeValue = arena.allocate(8, 8);
        this.wakeValue.set(ValueLayout.JAVA_LONG, 0, 1L);
        this.wakeDrain = arena.allocate(8, 8);
        this.ctlEvent = arena.allocate(LibC.EPOLL_EVENT_BYTES, 8);
        this.events = arena.allocate(LibC.EPOLL_EVENT_BYTES * MAX_EVENTS, 8);
        this.readBuffer = arena.allocate(READ_BUFFER_BYTES, 64);
        this.readView = readBuffer.asByteBuffer().asReadOnlyBuffer();
        this.writeBuffer = arena.allocate(READ_BUFFER_BYTES, 64);
        this.small = arena.allocate(8, 8);
        check("epoll_ctl(eventfd)", LibC.epollCtl(err, epfd, LibC.EPOLL_CTL_ADD, wakeFd, LibC.EPOLLIN, ctlEvent));
        this.thread = new Thread(this::run, "tether-pty-loop");
        this.thread.setDaemon(true);
    }

    private static int check(String call, int result) {
        if (result < 0) {
            throw new IllegalStateException(call + " failed: " + LibC.strerror(-result));
        }
        return result;
    }

    void start() {
        thread.start();
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on the loop, from any thread. Dropped once the loop has stopped. */
    void submit(Runnable task) {
        if (stopped.get()) {
            return;
        }
        tasks.add(task);
        if (sleeping.compareAndSet(true, false)) {
            // Wakers share one errno segment: it is only ever written, never read.
            LibC.write(wakeErrno, wakeFd, wakeValue, 8);
        }
    }

    /** The loop's own errno capture segment. Loop only. */
    MemorySegment errno() {
        return errno;
    }

    int add(int fd, int interest, Handler handler) {
        if (fd >= handlers.length) {
            handlers = Arrays.copyOf(handlers, Math.max(fd + 1, handlers.length * 2));
        }
        int r = LibC.epollCtl(errno, epfd, LibC.EPOLL_CTL_ADD, fd, interest, ctlEvent);
        if (r == 0) {
            handlers[fd] = handler;
        }
        return r;
    }

    int modify(int fd, int interest) {
        return LibC.epollCtl(errno, epfd, LibC.EPOLL_CTL_MOD, fd, interest, ctlEvent);
    }

    /** Forgets {@code fd}; call before closing it. */
    void remove(int fd) {
        LibC.epollCtl(errno, epfd, LibC.EPOLL_CTL_DEL, fd, 0, ctlEvent);
        if (fd < handlers.length) {
            handlers[fd] = null;
        }
    }

    /** Runs {@code action} on the loop once {@code nanos} of {@link System#nanoTime()} has passed; one slot. Loop only. */
    void at(long nanos, Runnable action) {
        deadlineNanos = nanos;
        onDeadline = action;
    }

    /** Ends the loop after the current iteration. Loop only. */
    void stop() {
        running = false;
    }

    boolean join(long timeout, TimeUnit unit) throws InterruptedException {
        return thread.join(Duration.ofNanos(unit.toNanos(timeout)));
    }

    private void run() {
        try {
            while (running) {
                try {
                    runOnce();
                } catch (Throwable t) {
                    // Each task and event is guarded already; this is for the loop's own bugs. Never die.
                    log.error("PTY loop: an iteration failed", t);
                }
            }
        } finally {
            stopped.set(true);
            tasks.clear();
            LibC.close(wakeFd);
            LibC.close(epfd);
            log.debug("PTY loop stopped");
        }
    }

    private void runOnce() {
        runTasks();
        if (!running) {
            return;
        }
        int timeout = timeoutMillis();
        sleeping.set(true);
        if (!tasks.isEmpty()) {
            timeout = 0;
        }
        int n = LibC.epollWait(errno, epfd, events, MAX_EVENTS, timeout);
        sleeping.set(false);
        if (n < 0) {
            if (n != -LibC.EINTR) {
                log.error("epoll_wait failed: {}", LibC.strerror(-n));
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            dispatch(LibC.eventFd(events, i), LibC.eventEvents(events, i));
        }
        fireDeadline();
    }

    private int timeoutMillis() {
        if (onDeadline == null) {
            return -1;
        }
        long left = deadlineNanos - System.nanoTime();
        return left <= 0 ? 0 : (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left));
    }

    private void fireDeadline() {
        if (onDeadline != null && System.nanoTime() - deadlineNanos >= 0) {
            Runnable action = onDeadline;
            onDeadline = null;
            guard(action);
        }
    }

    private void runTasks() {
        // Bounded, so that a flood of submissions cannot starve the descriptors.
        for (int i = MAX_TASKS_PER_ROUND; i > 0; i--) {
            Runnable task = tasks.poll();
            if (task == null) {
                break;
            }
            guard(task);
        }
    }

    private void dispatch(int fd, int ready) {
        if (fd == wakeFd) {
            LibC.read(errno, wakeFd, wakeDrain, 8);
            return;
        }
        Handler handler = fd < handlers.length ? handlers[fd] : null;
        if (handler == null) {
            return; // closed earlier in this batch
        }
        try {
            handler.onEvent(fd, ready);
        } catch (Throwable t) {
            log.error("PTY loop: handling fd {} (events 0x{}) failed", fd, Integer.toHexString(ready), t);
        }
    }

    private static void guard(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            log.error("PTY loop: a task failed", t);
        }
    }
}
