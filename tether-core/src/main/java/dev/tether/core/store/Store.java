package dev.tether.core.store;

import dev.tether.api.EventRecord;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The durable store: session history, requests, users, tokens and the event log.
 *
 * <p>Writes run one at a time on the store's own writer thread, each in its own transaction
 * (a savepoint inside a group commit: several writes may share one commit, but a write that
 * throws is rolled back alone and its future fails). A write's future completes after its
 * commit. Reads run on a small bounded pool and see every committed write. No method blocks
 * the caller; never call {@code join()} on an event loop.
 */
public interface Store extends AutoCloseable {

    /** Runs {@code work} in a write transaction. Keep it short: it holds the writer. */
    <T> CompletableFuture<T> write(Function<WriteTx, T> work);

    /** Runs {@code work} against a consistent read view. */
    <T> CompletableFuture<T> read(Function<ReadTx, T> work);

    /**
     * Registers a listener for committed events. It is called on the writer thread after each
     * commit, with that commit's events in id order, before the writes' futures complete.
     * A listener that throws is logged and does not affect the store.
     */
    void onCommit(Consumer<List<EventRecord>> listener);

    /** Finishes every accepted write, then closes. Idempotent. */
    @Override
    void close();
}
