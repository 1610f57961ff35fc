package dev.tether.store;

import static dev.tether.store.Fixtures.T0;
import static dev.tether.store.Fixtures.await;
import static dev.tether.store.Fixtures.raw;
import static dev.tether.store.Fixtures.session;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.ResultCode;
import dev.tether.api.SessionState;
import dev.tether.api.TetherException;
import dev.tether.core.store.SessionRecord;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** "id is a uint32, unique per server, never reused" (DESIGN.md §1). */
class SessionIdsTest {
    @TempDir
    Path dir;

    @Test
    void sessionIdsStartAtOneAndIncrease() {
        try (SqliteStore store = SqliteStore.open(dir.resolve("tether.db"))) {
            List<Long> ids = await(store.write(tx -> List.of(
                    tx.insertSession(session("alice")).id(),
                    tx.insertSession(session("bob")).id())));
            long third = await(store.write(tx -> tx.insertSession(session("carol")).id()));

            assertThat(ids).containsExactly(1L, 2L);
            assertThat(third).isEqualTo(3L);
        }
    }

    /** A session that never started is deleted (issue 8 §2); the id it reserved is not handed out again. */
    @Test
    void deleteSessionRemovesTheRowAndItsIdIsSkipped() {
        try (SqliteStore store = SqliteStore.open(dir.resolve("tether.db"))) {
            long reserved = await(store.write(tx -> tx.insertSession(session("alice")).id()));
            await(store.write(tx -> {
                tx.deleteSession(reserved);
                return null;
            }));
            Optional<SessionRecord> gone = await(store.read(tx -> tx.session(reserved)));
            long next = await(store.write(tx -> tx.insertSession(session("bob")).id()));

            assertThat(gone).isEmpty();
            assertThat(next).isEqualTo(reserved + 1);
        }
    }

    @Test
    void sessionIdsAreNeverReusedAfterAReopenEvenIfTheLastRowsWereDeleted() throws Exception {
        Path file = dir.resolve("tether.db");
        try (SqliteStore store = SqliteStore.open(file)) {
            await(store.write(tx -> {
                for (int i = 0; i < 3; i++) {
                    tx.insertSession(session("alice"));
                }
                return null;
            }));
        }
        try (Connection c = raw(file); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM sessions WHERE id >= 2");
        }
        try (SqliteStore store = SqliteStore.open(file)) {
            long id = await(store.write(tx -> tx.insertSession(session("bob")).id()));
            assertThat(id).isEqualTo(4L);
        }
    }

    @Test
    void anInsertBeyondTheUint32RangeFailsAsIdsExhaustedAndLeavesNoRow() throws Exception {
        Path file = dir.resolve("tether.db");
        SqliteStore.open(file).close();
        try (Connection c = raw(file); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO sqlite_sequence (name, seq) VALUES ('sessions', 4294967294)");
        }
        try (SqliteStore store = SqliteStore.open(file)) {
            long last = await(store.write(tx -> tx.insertSession(session("alice")).id()));
            CompletableFuture<SessionRecord> beyond = store.write(tx -> tx.insertSession(session("bob")));

            assertThat(last).isEqualTo(4294967295L);
            assertThat(beyond).failsWithin(java.time.Duration.ofSeconds(10)).withThrowableThat()
                    .havingCause().isInstanceOfSatisfying(TetherException.class, e -> {
                        assertThat(e.code()).isEqualTo(ResultCode.INTERNAL);
                        assertThat(e.getMessage()).contains("ids exhausted");
                    });
            List<SessionRecord> sessions = await(store.read(tx -> tx.sessions(true)));
            assertThat(sessions).extracting(SessionRecord::user).containsExactly("alice");
        }
    }

    @Test
    void updateSessionReplacesTheStoredSessionAndAnUnknownIdIsNotFound() {
        try (SqliteStore store = SqliteStore.open(dir.resolve("tether.db"))) {
            SessionRecord inserted = await(store.write(tx -> tx.insertSession(session("alice"))));
            SessionRecord closed = inserted.withPid(4242).withSize(120, 40).withState(SessionState.ACTIVE)
                    .closed(T0.plusSeconds(60), 0, "logoff by alice");
            await(store.write(tx -> {
                tx.updateSession(closed);
                return null;
            }));
            CompletableFuture<Void> unknown = store.write(tx -> {
                tx.updateSession(closed.withId(99));
                return null;
            });

            Optional<SessionRecord> stored = await(store.read(tx -> tx.session(inserted.id())));
            assertThat(stored).contains(closed);
            assertThat(unknown.handle((ok, e) -> e).join()).isInstanceOfSatisfying(TetherException.class, e -> {
                assertThat(e.code()).isEqualTo(ResultCode.NOT_FOUND);
                assertThat(e.getMessage()).isEqualTo("cannot update session 99: it does not exist");
            });
        }
    }

    @Test
    void sessionsListsClosedOnesOnlyWhenAsked() {
        try (SqliteStore store = SqliteStore.open(dir.resolve("tether.db"))) {
            await(store.write(tx -> {
                tx.insertSession(session("alice"));
                tx.insertSession(session("bob").closed(T0, 1, "program exited"));
                tx.insertSession(session("carol").withState(SessionState.DISCONNECTED));
                return null;
            }));

            List<SessionRecord> live = await(store.read(tx -> tx.sessions(false)));
            List<SessionRecord> all = await(store.read(tx -> tx.sessions(true)));
            assertThat(live).extracting(SessionRecord::user).containsExactly("alice", "carol");
            assertThat(all).extracting(SessionRecord::id).containsExactly(1L, 2L, 3L);
        }
    }
}
