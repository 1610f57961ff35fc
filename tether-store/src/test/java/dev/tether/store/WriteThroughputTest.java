package dev.tether.store;

import static dev.tether.store.Fixtures.await;
import static dev.tether.store.Fixtures.event;
import static dev.tether.store.Fixtures.session;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.SessionState;
import dev.tether.core.store.SessionRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures, and prints, writes per second for the disconnect-cycle shape of write: update a
 * session and append two events, from four threads, on a durable (WAL, synchronous=NORMAL)
 * file. Asserts only that every write completed: timing assertions would be flaky.
 */
class WriteThroughputTest {
    private static final int THREADS = 4;
    private static final int WRITES = 10_000;

    @TempDir
    Path dir;

    @Test
    void tenThousandSessionUpdatesWithTwoEventsFromFourThreadsAllComplete() throws Exception {
        try (SqliteStore store = SqliteStore.open(dir.resolve("tether.db"))) {
            List<SessionRecord> sessions = await(store.write(tx -> {
                List<SessionRecord> inserted = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    inserted.add(tx.insertSession(session("user" + t)));
                }
                return inserted;
            }));

            long cold = run(store, sessions, /* waitForEach= */ false); // includes JIT warm-up
            long commits = store.commits();
            long pipelined = run(store, sessions, /* waitForEach= */ false);
            long pipelinedCommits = store.commits() - commits;
            commits = store.commits();
            long oneAtATime = run(store, sessions, /* waitForEach= */ true);
            long oneAtATimeCommits = store.commits() - commits;

            System.out.printf("store throughput, %d writes (update session + 2 events) from %d threads:%n", WRITES, THREADS);
            System.out.printf("  submitted without waiting, cold JVM: %,d writes/s%n", WRITES * 1_000_000_000L / cold);
            System.out.printf("  submitted without waiting: %,d writes/s in %d commits%n", WRITES * 1_000_000_000L / pipelined, pipelinedCommits);
            System.out.printf("  each thread waiting for its write: %,d writes/s in %d commits%n", WRITES * 1_000_000_000L / oneAtATime, oneAtATimeCommits);
            long events = await(store.read(tx -> tx.lastEventId()));
            assertThat(events).isEqualTo(6L * WRITES);
        }
    }

    /** Returns the nanoseconds it took for all {@link #WRITES} writes to complete. */
    private static long run(SqliteStore store, List<SessionRecord> sessions, boolean waitForEach) throws Exception {
        ConcurrentLinkedQueue<CompletableFuture<?>> futures = new ConcurrentLinkedQueue<>();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            for (int t = 0; t < THREADS; t++) {
                SessionRecord s = sessions.get(t);
                pool.execute(() -> {
                    for (int i = 0; i < WRITES / THREADS; i++) {
                        SessionState state = i % 2 == 0 ? SessionState.DISCONNECTED : SessionState.ACTIVE;
                        CompletableFuture<?> write = store.write(tx -> {
                            tx.updateSession(s.withState(state));
                            tx.append(event("SessionStateChanged", s.id(), Map.of("state", state.name(), "code", state.code())));
                            return tx.append(event("ConnectionClosed", s.id(), Map.of("reason", "client went away")));
                        });
                        futures.add(write);
                        if (waitForEach) {
                            write.join();
                        }
                    }
                });
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
        long elapsed = System.nanoTime() - start;
        assertThat(futures).hasSize(WRITES).allMatch(f -> !f.isCompletedExceptionally());
        return elapsed;
    }
}
