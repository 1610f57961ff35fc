package dev.tether.store;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.store.ReadTx;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read pool: {@link #THREADS} named threads and as many read-only connections, so every
 * running read holds a connection of its own. Each read is one transaction, so its queries see
 * one consistent snapshot (WAL readers never wait for the writer).
 */
final class Readers {
    static final int THREADS = 2;
    static final int QUEUE_CAPACITY = 10_000;
    private static final long AWAIT_MILLIS = 10_000;
    private static final Logger log = LoggerFactory.getLogger(Readers.class);

    private final BlockingQueue<Statements> connections;
    private final ThreadPoolExecutor executor;
    private volatile boolean closed;

    Readers(List<Statements> connections) {
        if (connections.size() != THREADS) {
            throw new IllegalArgumentException("the read pool needs " + THREADS + " connections, not " + connections.size());
        }
        this.connections = new ArrayBlockingQueue<>(THREADS, false, connections);
        AtomicInteger number = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUE_CAPACITY),
                task -> Thread.ofPlatform().name("tether-store-reader-" + number.incrementAndGet()).daemon(true).unstarted(task));
    }

    <T> CompletableFuture<T> submit(Function<ReadTx, T> work) {
        CompletableFuture<T> future = new CompletableFuture<>();
        try {
            executor.execute(() -> run(work, future));
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(closed
                    ? new TetherException(ResultCode.CANCELLED, "the store is closed")
                    : new TetherException(ResultCode.INTERNAL,
                            "the store is overloaded: " + executor.getQueue().size() + " reads queued"));
        }
        return future;
    }

    private <T> void run(Function<ReadTx, T> work, CompletableFuture<T> future) {
        // There are as many connections as threads, so one is always free.
        Statements statements = connections.poll();
        if (statements == null) {
            future.completeExceptionally(new TetherException(ResultCode.INTERNAL, "the store has no free read connection"));
            return;
        }
        T result;
        try {
            result = inTransaction(statements, work);
        } catch (Throwable t) {
            future.completeExceptionally(t);
            return;
        } finally {
            connections.add(statements);
        }
        future.complete(result);
    }

    private static <T> T inTransaction(Statements statements, Function<ReadTx, T> work) {
        SqlReads tx = new SqlReads(statements);
        tx.sql("begin", "a read", () -> {
            statements.execute("BEGIN");
            return null;
        });
        try {
            return work.apply(tx);
        } finally {
            tx.end();
            try {
                statements.execute("COMMIT");
            } catch (SQLException | RuntimeException e) {
                // Never leave the connection inside a transaction: the next read's BEGIN would fail.
                statements.executeQuietly("ROLLBACK");
            }
        }
    }

    /** Runs the reads already queued, then closes the connections; waits at most {@value #AWAIT_MILLIS} ms. */
    void close() {
        closed = true;
        executor.shutdown();
        try {
            if (!executor.awaitTermination(AWAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                log.warn("the store readers did not finish within {} ms; {} reads still queued",
                        AWAIT_MILLIS, executor.getQueue().size());
                return; // a reader may still use a connection; leave them to the JVM
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        connections.forEach(Statements::close);
    }
}
