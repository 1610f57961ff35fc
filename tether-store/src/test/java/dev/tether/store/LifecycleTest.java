package dev.tether.store;

import static dev.tether.store.Fixtures.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.store.SessionRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** "Nothing is lost. Every accepted request completes, also on shutdown" (DESIGN.md §6). */
class LifecycleTest {
    @TempDir
    Path dir;

    @Test
    void readsSeeCommittedWrites() {
        try (SqliteStore store = SqliteStore.open(dir.resolve("tether.db"))) {
            for (int i = 1; i <= 20; i++) {
                String user = "user" + i;
                long id = Fixtures.await(store.write(tx -> tx.insertSession(session(user)).id()));
                List<SessionRecord> seen = Fixtures.await(store.read(tx -> tx.sessions(true)));
                assertThat(seen).hasSize(i).last().isEqualTo(session(user).withId(id));
            }
        }
    }

    @Test
    void writesRunOnTheWriterThreadAndReadsOnTheReaderThreads() {
        try (SqliteStore store = SqliteStore.open(dir.resolve("tether.db"))) {
            String writer = Fixtures.await(store.write(tx -> Thread.currentThread().getName()));
            List<CompletableFuture<String>> reads = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                reads.add(store.read(tx -> Thread.currentThread().getName()));
            }

            assertThat(writer).isEqualTo("tether-store-writer");
            assertThat(reads).extracting(Fixtures::await).allMatch(name -> name.matches("tether-store-reader-[12]"));
        }
    }

    @Test
    void closeFinishesQueuedWritesAndLaterWritesFailAsCancelled() throws Exception {
        Path file = dir.resolve("tether.db");
        SqliteStore store = SqliteStore.open(file);
        List<CompletableFuture<Long>> queued = new ArrayList<>();
        Fixtures.Gate gate = new Fixtures.Gate(store);
        for (int i = 0; i < 500; i++) {
            queued.add(store.write(tx -> tx.insertSession(session("alice")).id()));
        }
        Thread closer = Thread.ofPlatform().start(store::close);
        // Once a write is refused, close() has begun; the 500 are still queued behind the gate.
        await().atMost(Duration.ofSeconds(10)).until(() -> store.write(tx -> null).isCompletedExceptionally());
        assertThat(queued).noneMatch(CompletableFuture::isDone);
        gate.open();
        closer.join(Duration.ofSeconds(20));

        assertThat(closer.isAlive()).isFalse();
        assertThat(queued).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        assertThat(store.write(tx -> null).handle((ok, e) -> e).join()).isInstanceOfSatisfying(TetherException.class, e -> {
            assertThat(e.code()).isEqualTo(ResultCode.CANCELLED);
            assertThat(e.getMessage()).isEqualTo("the store is closed");
        });
        try (SqliteStore reopened = SqliteStore.open(file)) {
            List<SessionRecord> sessions = Fixtures.await(reopened.read(tx -> tx.sessions(true)));
            assertThat(sessions).hasSize(500);
        }
    }

    @Test
    void closeIsIdempotentAndReadsAfterCloseFailAsCancelled() {
        SqliteStore store = SqliteStore.open(dir.resolve("tether.db"));
        store.close();
        store.close();

        assertThat(store.read(tx -> tx.lastEventId()).handle((ok, e) -> e).join())
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.CANCELLED));
    }
}
