package dev.tether.core.time;


import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A {@link Scheduler} for tests: time stands still until {@link #advance} moves it, and then every
 * task that falls due runs in the calling thread, in the order of its time (ties in the order they
 * were taken), with {@link #clock()} showing that task's time while it runs. Tasks taken while
 * advancing run in the same advance when they fall due within it. Shared with the other modules'
 * tests through tether-core's test jar.
 */
public final class ManualScheduler implements Scheduler {
    private final Object lock = new Object();
    private final PriorityQueue<Task> due = new PriorityQueue<>(
            Comparator.comparing((Task t) -> t.when).thenComparingLong(t -> t.order));
    private volatile Instant now;
    private long taken;

    public ManualScheduler(Instant start) {
        this.now = start;
    }

    /** Starting at 2026-11-21T09:00:00Z. */
    public ManualScheduler() {
        this(Instant.parse("2026-11-21T09:00:00Z"));
    }

    private final InstantSource clock = new InstantSource() {
        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public String toString() {
            return "ManualScheduler.clock(" + now + ")";
        }
    };

    @Override
    public InstantSource clock() {
        return clock;
    }

    /** The clock's time now. */
    public Instant now() {
        return now;
    }

    @Override
    public Deadline at(Instant when, Runnable task) {
        synchronized (lock) {
            var t = new Task(when, taken++, task);
            due.add(t);
            return t;
        }
    }

    /** Moves the clock by {@code d}, running every task that falls due on the way; returns how many ran. */
    public int advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("time runs forward only, not by " + d);
        }
        Instant until = now.plus(d);
        int ran = 0;
        while (true) {
            Task next;
            synchronized (lock) {
                next = due.peek();
                if (next == null || next.when.isAfter(until)) {
                    break;
                }
                due.poll();
                next.started = true;
                if (next.when.isAfter(now)) {
                    now = next.when;
                }
            }
            Scheduler.guarded(next.task);
            ran++;
        }
        now = until;
        return ran;
    }

    /** When the pending tasks are due, soonest first. */
    public List<Instant> pending() {
        synchronized (lock) {
            var all = new ArrayList<>(due);
            all.sort(due.comparator());
            return all.stream().map(t -> t.when).toList();
        }
    }

    /** Whether a task is pending at exactly {@code offset} from now. */
    public boolean hasDeadlineIn(Duration offset) {
        return pending().contains(now.plus(offset));
    }

    private final class Task implements Deadline {
        final Instant when;
        final long order;
        final Runnable task;
        boolean started;

        Task(Instant when, long order, Runnable task) {
            this.when = when;
            this.order = order;
            this.task = task;
        }

        @Override
        public Instant when() {
            return when;
        }

        @Override
        public boolean cancel() {
            synchronized (lock) {
                due.remove(this);
                return !started;
            }
        }
    }
}
