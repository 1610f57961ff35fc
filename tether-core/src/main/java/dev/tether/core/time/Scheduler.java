package dev.tether.core.time;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The time port: every timer of the server (close escalation, message timeouts, the let-go timeout
 * of a disconnect, request waits, sweeps, slow-request watches) is a {@link Deadline} taken here,
 * and "now" is {@link #clock()}. Production runs tasks on one daemon thread named
 * {@code tether-timer} ({@link #system}); tests drive a manual one that runs due tasks when they
 * advance its clock, so no test waits for a timer.
 *
 * <p>Tasks must be short and must not block: they run one after another on the timer thread, and
 * hand real work to the thread that owns it (a session's monitor, an event loop). A task that
 * throws is logged and the scheduler goes on; a repeating task keeps repeating.
 */
public interface Scheduler {

    /** The clock deadlines are measured on; what every user of this scheduler reads "now" from. */
    InstantSource clock();

    /** Runs {@code task} once, at {@code when} on {@link #clock()} (at once when that has passed). */
    Deadline at(Instant when, Runnable task);

    /** Runs {@code task} once, {@code delay} from now. */
    default Deadline after(Duration delay, Runnable task) {
        return at(clock().instant().plus(delay), task);
    }

    /**
     * Runs {@code task} every {@code period}, the first time one period from now, until cancelled.
     * Each run is scheduled from the end of the previous one, so a slow run never piles up runs.
     */
    default Deadline every(Duration period, Runnable task) {
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("a repeating task needs a period above zero, not " + period);
        }
        return new Repeating(this, period, task).next();
    }

    /**
     * Completes {@code future} with {@code value} when it is not done {@code delay} from now, and
     * forgets the deadline as soon as it is done; returns {@code future}.
     */
    default <T> CompletableFuture<T> completeAfter(CompletableFuture<T> future, Duration delay, T value) {
        Deadline d = after(delay, () -> future.complete(value));
        future.whenComplete((v, e) -> d.cancel());
        return future;
    }

    /** A task that is due: cancel it, or ask when it is due. */
    interface Deadline {
        /** When the task runs (or ran). */
        Instant when();

        /** Keeps the task from running if it has not started; idempotent. Returns whether it will not run. */
        boolean cancel();
    }

    /**
     * The production scheduler: one daemon thread {@code tether-timer}, created on the first deadline
     * and let go after a minute with none, so a scheduler needs no closing. Delays are measured from
     * {@code clock} when the deadline is taken and then on the monotonic timer, so a step of the wall
     * clock later moves no timer.
     */
    static Scheduler system(InstantSource clock) {
        return new SystemScheduler(clock);
    }

    /** {@link #system(InstantSource)} on the system clock. */
    static Scheduler system() {
        return system(InstantSource.system());
    }

    /** Runs {@code task}, logging what it throws: a timer task must never stop the timer. */
    static void guarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            Logger.getLogger(Scheduler.class.getName()).log(Level.WARNING, "a timer task failed; the scheduler goes on", e);
        }
    }
}

/** A repeating task as a chain of one-shot deadlines, so every scheduler (manual ones too) repeats the same way. */
final class Repeating implements Scheduler.Deadline {
    private final Scheduler scheduler;
    private final java.time.Duration period;
    private final Runnable task;
    private volatile Scheduler.Deadline current;
    private volatile boolean cancelled;

    Repeating(Scheduler scheduler, java.time.Duration period, Runnable task) {
        this.scheduler = scheduler;
        this.period = period;
        this.task = task;
    }

    Repeating next() {
        if (!cancelled) {
            current = scheduler.after(period, () -> {
                if (!cancelled) {
                    Scheduler.guarded(task);
                    next();
                }
            });
            if (cancelled) {
                current.cancel();
            }
        }
        return this;
    }

    @Override
    public Instant when() {
        return current.when();
    }

    @Override
    public boolean cancel() {
        cancelled = true;
        return current.cancel();
    }
}

final class SystemScheduler implements Scheduler {
    private final InstantSource clock;
    private final ScheduledThreadPoolExecutor timer;

    SystemScheduler(InstantSource clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.timer = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().name("tether-timer").daemon().factory());
        timer.setKeepAliveTime(1, TimeUnit.MINUTES);
        timer.allowCoreThreadTimeOut(true);
        timer.setRemoveOnCancelPolicy(true); // a cancelled grace or timeout is not kept until it would have run
    }

    @Override
    public InstantSource clock() {
        return clock;
    }

    @Override
    public Deadline at(Instant when, Runnable task) {
        Objects.requireNonNull(task, "task");
        long nanos = Math.max(0, Duration.between(clock.instant(), when).toNanos());
        ScheduledFuture<?> f = timer.schedule(() -> Scheduler.guarded(task), nanos, TimeUnit.NANOSECONDS);
        return new Deadline() {
            @Override
            public Instant when() {
                return when;
            }

            @Override
            public boolean cancel() {
                return f.cancel(/* mayInterruptIfRunning= */ false) || f.isCancelled();
            }
        };
    }

    @Override
    public String toString() {
        return "Scheduler.system(" + clock + ")";
    }
}
