package dev.tether.store;

import dev.tether.api.EventRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.store.WriteTx;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's single writer: one thread, one connection, group commit.
 *
 * <p>Design. {@link #submit} puts a job on a bounded queue and returns its future. The writer
 * thread takes the first job, drains up to {@link #MAX_BATCH} more, and runs them all in one
 * {@code BEGIN IMMEDIATE ... COMMIT}, each job inside its own {@code SAVEPOINT}: a job that
 * throws is rolled back to its savepoint alone and its future fails with what it threw, while
 * the others commit. A job alone in its batch (the common case when the store is not busy) runs
 * without a savepoint, and its failure rolls back the whole transaction: two statements fewer. One commit for many writes is what makes the store fast while durable.
 * After the commit the {@code onCommit} listeners see the batch's events in id order, and only
 * then do the futures complete, in submission order. If the commit fails, every future of the
 * batch fails. Futures complete on the writer thread: dependents attached with non-async
 * methods run there too, so they must be short and must never block on another write.
 *
 * <p>Secrets. The connection runs with {@code secure_delete}, so deleted rows are zeroed in their
 * pages; but WAL mode keeps older copies of a page in the {@code -wal} file (and the database
 * file keeps the old page) until a checkpoint. So when a write of the batch deleted or replaced
 * sealed credentials, the writer runs {@code PRAGMA wal_checkpoint(TRUNCATE)} after the commit
 * and before completing the futures: once such a write's future completes, no byte of the old
 * secret is left in either file. A checkpoint that cannot finish (a reader still holds an old
 * snapshot past the busy timeout) is logged and retried after every later commit until it does.
 *
 * <p>Closing. {@code closed} is set first; a job offered after that is taken back out of the
 * queue and cancelled (the ThreadPoolExecutor re-check), and the writer leaves only once it has
 * seen {@code closed} with an empty queue, so every accepted job runs. The writer never dies of
 * a failure: everything is caught, logged and the loop goes on.
 */
final class Writer {
    static final int QUEUE_CAPACITY = 100_000;
    static final int MAX_BATCH = 256;
    private static final long JOIN_MILLIS = 30_000;
    private static final Logger log = LoggerFactory.getLogger(Writer.class);

    /** Wakes the writer so it notices {@code closed}; never run. */
    private static final Job<Void> WAKE = new Job<>(tx -> null);

    private final Statements statements;
    private final BlockingQueue<Job<?>> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final List<Consumer<List<EventRecord>>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong commits = new AtomicLong();
    private final Thread thread;
    private volatile boolean closed;
    /** A committed write removed a secret and no checkpoint has completed since; writer thread only. */
    private boolean scrubPending;

    Writer(Statements statements) {
        this.statements = statements;
        this.thread = Thread.ofPlatform().name("tether-store-writer").daemon(true).unstarted(this::loop);
        thread.start();
    }

    <T> CompletableFuture<T> submit(Function<WriteTx, T> work) {
        if (closed) {
            return CompletableFuture.failedFuture(closedException());
        }
        Job<T> job = new Job<>(work);
        if (!queue.offer(job)) {
            return CompletableFuture.failedFuture(new TetherException(ResultCode.INTERNAL,
                    "the store is overloaded: " + queue.size() + " writes queued"));
        }
        if (closed && queue.remove(job)) {
            job.future.completeExceptionally(closedException());
        }
        return job.future;
    }

    void onCommit(Consumer<List<EventRecord>> listener) {
        listeners.add(listener);
    }

    /** How many transactions committed: far fewer than writes when group commit works. */
    long commits() {
        return commits.get();
    }

    /** Finishes every accepted write, then closes the connection; waits at most {@value #JOIN_MILLIS} ms. */
    void close() {
        closed = true;
        queue.offer(WAKE); // when full, the writer is busy and will see closed once it drains
        try {
            if (!thread.join(Duration.ofMillis(JOIN_MILLIS))) {
                log.warn("the store writer did not finish within {} ms; {} writes still queued", JOIN_MILLIS, queue.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("interrupted while waiting for the store writer; {} writes still queued", queue.size());
        }
    }

    private static TetherException closedException() {
        return new TetherException(ResultCode.CANCELLED, "the store is closed");
    }

    private void loop() {
        List<Job<?>> batch = new ArrayList<>(MAX_BATCH + 1);
        try {
            while (!(closed && queue.isEmpty())) {
                try {
                    batch.add(queue.take());
                    queue.drainTo(batch, MAX_BATCH);
                    batch.removeIf(job -> job == WAKE);
                    if (!batch.isEmpty()) {
                        runBatch(batch);
                    }
                } catch (InterruptedException e) {
                    log.debug("the store writer was interrupted; it stops only on close");
                } catch (Throwable t) {
                    log.error("the store writer failed a batch of {} writes; it carries on", batch.size(), t);
                    TetherException failure = new TetherException(ResultCode.INTERNAL, "the store failed to run a write", t);
                    batch.forEach(job -> job.future.completeExceptionally(failure));
                } finally {
                    batch.clear();
                }
            }
        } finally {
            statements.close();
        }
    }

    private void runBatch(List<Job<?>> batch) {
        try {
            statements.execute("BEGIN IMMEDIATE");
        } catch (Exception e) {
            statements.executeQuietly("ROLLBACK"); // in case a transaction was somehow left open
            log.error("the store could not begin a transaction for {} writes", batch.size(), e);
            failAll(batch, Failures.of(asSql(e), "begin a transaction for", batch.size() + " writes"));
            return;
        }
        List<EventRecord> events = new ArrayList<>();
        boolean alone = batch.size() == 1; // a write alone needs no savepoint: its failure rolls back the transaction
        boolean removedSecret = false;
        try {
            for (Job<?> job : batch) {
                if (!alone) {
                    statements.execute("SAVEPOINT tether_write");
                }
                if (job.run(statements)) {
                    events.addAll(job.events);
                    removedSecret |= job.removedSecret;
                } else if (!alone) {
                    statements.execute("ROLLBACK TO tether_write");
                }
                if (!alone) {
                    statements.execute("RELEASE tether_write");
                }
            }
            if (alone && batch.getFirst().failed()) {
                statements.execute("ROLLBACK");
                batch.getFirst().complete();
                return;
            }
            statements.execute("COMMIT");
        } catch (Exception e) {
            // The savepoint machinery or the commit failed: nothing of this batch is durable.
            statements.executeQuietly("ROLLBACK");
            log.error("the store could not commit {} writes", batch.size(), e);
            failAll(batch, Failures.of(asSql(e), "commit", batch.size() + " writes"));
            return;
        }
        commits.incrementAndGet();
        scrubPending |= removedSecret;
        if (scrubPending) {
            scrubPending = !checkpoint();
        }
        if (!events.isEmpty()) {
            announce(List.copyOf(events));
        }
        for (Job<?> job : batch) {
            job.complete();
        }
    }

    /**
     * Copies every page of the write-ahead log into the database file and truncates the log.
     * Returns whether it completed; never throws, as the batch is already committed.
     */
    private boolean checkpoint() {
        try (ResultSet row = statements.get("PRAGMA wal_checkpoint(TRUNCATE)").executeQuery()) {
            // One row: busy (1 when blocked by a reader or writer), log frames, frames checkpointed.
            if (row.next() && row.getInt(1) == 0) {
                return true;
            }
            log.warn("the store could not checkpoint its write-ahead log after deleting credentials (a reader held "
                    + "an old snapshot); their old pages stay in the -wal file until a later commit retries");
            return false;
        } catch (SQLException e) {
            statements.discardAll();
            log.warn("the store could not checkpoint its write-ahead log after deleting credentials; "
                    + "a later commit retries", e);
            return false;
        }
    }

    private void announce(List<EventRecord> events) {
        for (Consumer<List<EventRecord>> listener : listeners) {
            try {
                listener.accept(events);
            } catch (Throwable t) {
                log.error("an onCommit listener failed on events {}..{}; the store ignores it",
                        events.getFirst().id(), events.getLast().id(), t);
            }
        }
    }

    private static void failAll(List<Job<?>> batch, TetherException failure) {
        for (Job<?> job : batch) {
            job.future.completeExceptionally(failure);
        }
    }

    private static SQLException asSql(Exception e) {
        return e instanceof SQLException sql ? sql : new SQLException(e);
    }

    /** One write: its work, its outcome once run, and the events it appended. */
    private static final class Job<T> {
        final Function<WriteTx, T> work;
        final CompletableFuture<T> future = new CompletableFuture<>();
        List<EventRecord> events = List.of();
        boolean removedSecret;
        private T result;
        private Throwable failure;

        Job(Function<WriteTx, T> work) {
            this.work = work;
        }

        /** Runs the work; returns false when it threw, so the writer rolls back its savepoint. */
        boolean run(Statements statements) {
            SqlWrites tx = new SqlWrites(statements);
            try {
                result = work.apply(tx);
                events = tx.appended();
                removedSecret = tx.removedSecret();
                return true;
            } catch (Throwable t) {
                failure = t;
                return false;
            } finally {
                tx.end();
            }
        }

        boolean failed() {
            return failure != null;
        }

        void complete() {
            if (failure != null) {
                future.completeExceptionally(failure);
            } else {
                future.complete(result);
            }
        }
    }
}
