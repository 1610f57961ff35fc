package dev.tether.pty;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
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
 *
 * <p><b>Time.</b> The loop's deadlines ({@link #at}) are measured on its own monotonic clock,
 * {@link #now}: {@code System::nanoTime} in production, a clock a test advances otherwise. Any
 * number of deadlines may be pending (every terminal's too-slow check, the host's shutdown grace);
 * epoll_wait sleeps until the soonest, and they run on the loop, soonest first, after the I/O of
 * the round. After a step of a clock that does not move on its own, a test has the loop run
 * {@link #runDue} as a task ({@code NativePtyHost.runDueDeadlines}), so it never waits for epoll's
 * timeout.
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
    private final LongSupplier nanos;
    /** Pending deadlines, soonest first; ties in the order they were taken. Loop only. */
    private final PriorityQueue<Deadline> deadlines = new PriorityQueue<>((a, b) -> a.nanos != b.nanos
            ? Long.compare(a.nanos - b.nanos, 0) // nanoTime may wrap: compare differences, not values
            : Long.compare(a.order, b.order));
    private long deadlinesTaken;

    /** {@code nanos}: the monotonic clock deadlines are measured on ({@code System::nanoTime} in production). */
    EventLoop(Arena arena, LongSupplier nanos) {
        this.nanos = nanos;
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

    /** Runs {@code task} on the loop, from any thread. Dropped once the loop has stopped; returns false then. */
    boolean submit(Runnable task) {
        if (stopped.get()) {
            return false;
        }
        tasks.add(task);
        if (sleeping.compareAndSet(true, false)) {
            // Wakers share one errno segment: it is only ever written, never read.
            LibC.write(wakeErrno, wakeFd, wakeValue, 8);
        }
        return true;
    }

    /**
     * Runs {@code query} on the loop and waits up to {@code timeout} for its answer, from any thread
     * but the loop's; empty once the loop has stopped.
     */
    <T> Optional<T> ask(Supplier<T> query, long timeout, TimeUnit unit) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        if (!submit(() -> answer.complete(query.get()))) {
            return Optional.empty();
        }
        // Polled, since a task submitted just before the loop stopped is dropped and never answers.
        for (long polls = Math.max(1, unit.toMillis(timeout) / 10); ; polls--) {
            try {
                return Optional.of(answer.get(10, TimeUnit.MILLISECONDS));
            } catch (TimeoutException e) {
                if (stopped.get()) {
                    return Optional.empty();
                }
                if (polls <= 0) {
                    throw new IllegalStateException("the PTY loop did not answer within " + unit.toMillis(timeout) + " ms");
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException("the PTY loop failed to answer", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
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

    /** The loop's clock, in nanoseconds from an arbitrary origin (so only differences mean anything). Any thread. */
    long now() {
        return nanos.getAsLong();
    }

    /** Runs {@code action} on the loop once {@link #now} reaches {@code nanos}; cancel it with {@link Deadline#cancel}. Loop only. */
    Deadline at(long nanos, Runnable action) {
        Deadline deadline = new Deadline(nanos, deadlinesTaken++, action);
        deadlines.add(deadline);
        return deadline;
    }

    /** When the pending deadlines are due on {@link #now}, soonest first. Loop only. */
    List<Long> deadlines() {
        List<Deadline> all = new ArrayList<>(deadlines);
        all.sort(deadlines.comparator());
        return all.stream().map(d -> d.nanos).toList();
    }

    /** Runs every deadline due by {@link #now}, soonest first, each under its own guard. Loop only. */
    void runDue() {
        long now = now();
        Deadline next;
        while ((next = deadlines.peek()) != null && now - next.nanos >= 0) {
            deadlines.poll();
            guard(next.action);
        }
    }

    /** One pending action of {@link #at}. */
    final class Deadline {
        final long nanos;
        private final long order;
        private final Runnable action;

        private Deadline(long nanos, long order, Runnable action) {
            this.nanos = nanos;
            this.order = order;
            this.action = action;
        }

        /** Keeps the action from running if it has not run; idempotent. Loop only. */
        void cancel() {
            deadlines.remove(this);
        }
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
        runDue();
    }

    /** Until the soonest deadline, rounded up to a millisecond so that the loop does not spin short of it; -1 without one. */
    private int timeoutMillis() {
        Deadline next = deadlines.peek();
        if (next == null) {
            return -1;
        }
        long left = next.nanos - now();
        return left <= 0 ? 0 : (int) Math.clamp(TimeUnit.NANOSECONDS.toMillis(left), 1, Integer.MAX_VALUE);
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
