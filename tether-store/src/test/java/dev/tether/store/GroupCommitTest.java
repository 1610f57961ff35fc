package dev.tether.store;

import static dev.tether.store.Fixtures.await;
import static dev.tether.store.Fixtures.event;
import static dev.tether.store.Fixtures.session;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.EventRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.store.SessionRecord;
import dev.tether.core.store.WriteTx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** "A savepoint inside a group commit: several writes may share one commit, but a write that throws is rolled back alone." */
class GroupCommitTest {
    @TempDir
    Path dir;
    SqliteStore store;

    @BeforeEach
    void open() {
        store = SqliteStore.open(dir.resolve("tether.db"));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aWriteThatThrowsRollsBackOnlyItsOwnChangesWhileTheOthersInItsBatchCommit() throws Exception {
        List<EventRecord> announced = new ArrayList<>();
        store.onCommit(announced::addAll);
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        long commitsBefore = store.commits();
        try (var _ = new Fixtures.Gate(store)) {
            for (int i = 0; i < 60; i++) {
                int n = i;
                futures.add(store.write(tx -> {
                    SessionRecord s = tx.insertSession(session("user" + n));
                    tx.append(event("Numbered", s.id(), Map.of("n", n)));
                    if (n % 3 == 0) {
                        throw new IllegalStateException("write " + n + " fails on purpose");
                    }
                    return s.id();
                }));
            }
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).handle((ok, e) -> null).join();

        for (int i = 0; i < futures.size(); i++) {
            if (i % 3 == 0) {
                assertThat(futures.get(i).exceptionNow())
                        .isExactlyInstanceOf(IllegalStateException.class).hasMessage("write " + i + " fails on purpose");
            } else {
                assertThat(futures.get(i).resultNow()).isPositive();
            }
        }
        List<SessionRecord> stored = await(store.read(tx -> tx.sessions(true)));
        assertThat(stored).extracting(SessionRecord::user).hasSize(40).noneMatch(u -> Integer.parseInt(u.substring(4)) % 3 == 0);
        assertThat(announced).hasSize(40).allMatch(e -> ((Integer) e.data().fields().get("n")) % 3 != 0);
        assertThat(store.commits() - commitsBefore).as("one commit for the gate, one shared by the 60 writes").isEqualTo(2);
    }

    @Test
    void aWriteAloneInItsBatchThatThrowsLeavesNothingBehind_andTheNextWriteCommits() {
        List<EventRecord> announced = new ArrayList<>();
        store.onCommit(announced::addAll);
        long commitsBefore = store.commits();
        CompletableFuture<Long> failing = store.write(tx -> {
            tx.insertSession(session("ghost"));
            tx.append(event("Numbered", 1L, Map.of("n", 1)));
            throw new IllegalStateException("fails on purpose");
        });
        assertThat(failing.handle((v, e) -> e).join()).isExactlyInstanceOf(IllegalStateException.class);
        Long kept = await(store.write(tx -> tx.insertSession(session("kept")).id()));

        List<SessionRecord> stored = await(store.read(tx -> tx.sessions(true)));
        assertThat(stored).extracting(SessionRecord::user).containsExactly("kept");
        assertThat(kept).isPositive();
        assertThat(announced).isEmpty();
        assertThat(store.commits() - commitsBefore).as("the failed write is rolled back, not committed").isEqualTo(1);
    }

    @Test
    void whenTheBatchTransactionItselfFailsEveryWriteOfTheBatchFailsAndNothingIsAnnounced() throws Exception {
        List<EventRecord> announced = new ArrayList<>();
        store.onCommit(announced::addAll);
        CompletableFuture<Long> before;
        CompletableFuture<Object> saboteur;
        CompletableFuture<Long> after;
        try (var _ = new Fixtures.Gate(store)) {
            before = store.write(tx -> tx.append(event("A", null, Map.of())).id());
            // Ends the batch's transaction behind the writer's back, so its next RELEASE fails.
            saboteur = store.write(tx -> ((SqlWrites) tx).sql("sabotage", "the batch", () -> {
                ((SqlWrites) tx).statements.execute("ROLLBACK");
                return null;
            }));
            after = store.write(tx -> tx.append(event("B", null, Map.of())).id());
        }

        for (CompletableFuture<?> future : List.of(before, saboteur, after)) {
            assertThat(future.handle((ok, e) -> e).join()).isInstanceOfSatisfying(TetherException.class,
                    e -> assertThat(e.code()).isEqualTo(ResultCode.INTERNAL));
        }
        assertThat(announced).isEmpty();
        long lastEventId = await(store.read(tx -> tx.lastEventId()));
        assertThat(lastEventId).isZero();
        EventRecord next = await(store.write(tx -> tx.append(event("C", null, Map.of()))));
        assertThat(announced).containsExactly(next);
    }

    @Test
    void aFailedWriteFailsItsFutureWithTheVeryExceptionItThrew() {
        TetherException thrown = new TetherException(ResultCode.CONFLICT, "session 7 is already locked");
        CompletableFuture<Object> future = store.write(tx -> {
            throw thrown;
        });
        assertThat(future.handle((ok, e) -> e).join()).isSameAs(thrown);
    }

    @Test
    void tenThousandWritesFromSeveralThreadsAllCompleteInFarFewerCommits() throws Exception {
        int threads = 8;
        int perThread = 1_250;
        ConcurrentLinkedQueue<CompletableFuture<Long>> futures = new ConcurrentLinkedQueue<>();
        long commitsBefore = store.commits();
        try (var _ = new Fixtures.Gate(store); ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                pool.execute(() -> {
                    for (int i = 0; i < perThread; i++) {
                        futures.add(store.write(tx -> tx.append(event("Tick", null, Map.of())).id()));
                    }
                });
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();

        assertThat(futures).hasSize(threads * perThread);
        assertThat(futures.stream().map(CompletableFuture::resultNow).distinct()).hasSize(threads * perThread);
        long commits = store.commits() - commitsBefore;
        int maxBatch = Writer.MAX_BATCH + 1;
        System.out.printf("group commit: %d writes in %d commits%n", threads * perThread, commits);
        // Full batches behind the gate, plus the gate's own commit.
        assertThat(commits).isLessThanOrEqualTo((threads * perThread + maxBatch - 1) / maxBatch + 1);
        long lastEventId = await(store.read(tx -> tx.lastEventId()));
        assertThat(lastEventId).isEqualTo(threads * perThread);
    }

    @Test
    void aListenerThatThrowsIsIgnoredAndTheOthersStillSeeTheEvents() {
        List<EventRecord> seen = new ArrayList<>();
        store.onCommit(events -> {
            throw new IllegalStateException("a broken subscriber");
        });
        store.onCommit(seen::addAll);

        EventRecord appended = await(store.write(tx -> tx.append(event("Tick", null, Map.of()))));

        assertThat(seen).containsExactly(appended);
    }

    @Test
    void theWriterKeepsServingAfterWritesFail() {
        for (int i = 0; i < 10; i++) {
            store.write(tx -> {
                throw new OutOfMemoryError("pretend");
            }).handle((ok, e) -> e).join();
        }
        long id = await(store.write(tx -> tx.insertSession(session("alice")).id()));
        assertThat(id).isEqualTo(1L);
    }

    @Test
    void aTransactionUsedAfterItsWriteReturnedIsRefused() {
        AtomicReference<WriteTx> leaked = new AtomicReference<>();
        await(store.write(tx -> {
            leaked.set(tx);
            return null;
        }));
        CompletableFuture<Object> misuse = store.write(tx -> leaked.get().insertSession(session("mallory")));

        assertThat(misuse.handle((ok, e) -> e).join()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has ended");
    }

    @Test
    void writesBeyondTheQueueBoundFailAsOverloaded() throws Exception {
        List<CompletableFuture<Object>> accepted = new ArrayList<>();
        CompletableFuture<Object> overflow;
        try (var _ = new Fixtures.Gate(store)) {
            for (int i = 0; i < Writer.QUEUE_CAPACITY; i++) {
                accepted.add(store.write(tx -> null));
            }
            overflow = store.write(tx -> null);
            assertThat(overflow.handle((ok, e) -> e).join()).isInstanceOfSatisfying(TetherException.class, e -> {
                assertThat(e.code()).isEqualTo(ResultCode.INTERNAL);
                assertThat(e.getMessage()).isEqualTo("the store is overloaded: 100000 writes queued");
            });
        }
        CompletableFuture.allOf(accepted.toArray(CompletableFuture[]::new)).join();
    }
}
