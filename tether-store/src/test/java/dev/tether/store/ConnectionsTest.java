package dev.tether.store;

import static dev.tether.store.Fixtures.T0;
import static dev.tether.store.Fixtures.await;
import static dev.tether.store.Fixtures.connection;
import static dev.tether.store.Fixtures.raw;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.ConnectionQuery;
import dev.tether.api.ConnectionState;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.store.ConnectionRecord;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Connections (IMbnConnection): uint32 ids never reused, history kept, listed by session, state, workspace and user. */
class ConnectionsTest {
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
    void aConnectionRoundTripsWithEveryFieldAndItsIdStartsAtOne() {
        ConnectionRecord written = new ConnectionRecord(0, 7, "alice", "backup-tool", "work-1", "laptop", "10.0.0.2:40000",
                ConnectionState.ACTIVATING, T0, null, null, 0, 0);

        ConnectionRecord inserted = await(store.write(tx -> tx.insertConnection(written)));
        Optional<ConnectionRecord> read = await(store.read(tx -> tx.connection(inserted.id())));
        Optional<ConnectionRecord> unknown = await(store.read(tx -> tx.connection(99)));

        assertThat(inserted).isEqualTo(written.withId(1));
        assertThat(read).contains(inserted);
        assertThat(unknown).isEmpty();
    }

    @Test
    void aDisconnectedConnectionKeepsItsHistoryWithReasonTimesAndByteCounts() {
        ConnectionRecord inserted = await(store.write(tx -> tx.insertConnection(connection(3, "alice", null))));
        ConnectionRecord deactivated = inserted.deactivated(T0.plusSeconds(90), "disconnected by alice", 1234, 56789);

        await(store.write(tx -> {
            tx.updateConnection(deactivated);
            return null;
        }));
        Optional<ConnectionRecord> read = await(store.read(tx -> tx.connection(inserted.id())));

        assertThat(read).contains(deactivated);
        assertThat(read.orElseThrow().state()).isEqualTo(ConnectionState.DEACTIVATED);
        assertThat(read.orElseThrow().application()).isNull();
        assertThat(read.orElseThrow().workspaceId()).isNull();
    }

    @Test
    void updatingAnUnknownConnectionIsNotFound() {
        CompletableFuture<Void> unknown = store.write(tx -> {
            tx.updateConnection(connection(3, "alice", null).withId(42));
            return null;
        });

        assertThat(unknown.handle((ok, e) -> e).join()).isInstanceOfSatisfying(TetherException.class, e -> {
            assertThat(e.code()).isEqualTo(ResultCode.NOT_FOUND);
            assertThat(e.getMessage()).isEqualTo("cannot update connection 42: it does not exist");
        });
    }

    @Test
    void connectionsAreFilteredBySessionStateWorkspaceAndUserAndListedInIdOrder() {
        List<ConnectionRecord> all = await(store.write(tx -> List.of(
                tx.insertConnection(connection(1, "alice", "work-1")),
                tx.insertConnection(connection(1, "alice", null).withState(ConnectionState.DEACTIVATED)),
                tx.insertConnection(connection(2, "bob", "work-1")),
                tx.insertConnection(connection(2, "alice", "work-2").withState(ConnectionState.DEACTIVATING)))));
        ConnectionRecord a1 = all.get(0);
        ConnectionRecord a1Gone = all.get(1);
        ConnectionRecord b2 = all.get(2);
        ConnectionRecord a2 = all.get(3);

        assertThat(list(ConnectionQuery.ALL)).containsExactly(a1, a1Gone, b2, a2);
        assertThat(list(new ConnectionQuery(1L, null, null, null))).containsExactly(a1, a1Gone);
        assertThat(list(new ConnectionQuery(null, ConnectionState.ACTIVATED, null, null))).containsExactly(a1, b2);
        assertThat(list(new ConnectionQuery(null, null, "work-1", null))).containsExactly(a1, b2);
        assertThat(list(new ConnectionQuery(null, null, null, "alice"))).containsExactly(a1, a1Gone, a2);
        assertThat(list(new ConnectionQuery(2L, ConnectionState.DEACTIVATING, "work-2", "alice"))).containsExactly(a2);
        assertThat(list(new ConnectionQuery(2L, null, "work-1", "alice"))).isEmpty();
        assertThat(list(new ConnectionQuery(99L, null, null, null))).isEmpty();
    }

    @Test
    void aConnectionInsertBeyondTheUint32RangeFailsAsIdsExhaustedAndLeavesNoRow() throws Exception {
        store.close();
        Path file = dir.resolve("tether.db");
        try (Connection c = raw(file); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO sqlite_sequence (name, seq) VALUES ('connections', 4294967294)");
        }
        store = SqliteStore.open(file);

        long last = await(store.write(tx -> tx.insertConnection(connection(1, "alice", null)).id()));
        CompletableFuture<ConnectionRecord> beyond = store.write(tx -> tx.insertConnection(connection(1, "bob", null)));

        assertThat(last).isEqualTo(4294967295L);
        assertThat(beyond).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .havingCause().isInstanceOfSatisfying(TetherException.class, e -> {
                    assertThat(e.code()).isEqualTo(ResultCode.INTERNAL);
                    assertThat(e.getMessage()).contains("connection ids exhausted");
                });
        assertThat(list(ConnectionQuery.ALL)).extracting(ConnectionRecord::user).containsExactly("alice");
    }

    @Test
    void connectionIdsAreNeverReusedEvenAfterTheLastRowsWereDeleted() throws Exception {
        await(store.write(tx -> {
            tx.insertConnection(connection(1, "alice", null));
            tx.insertConnection(connection(1, "alice", null));
            return null;
        }));
        store.close();
        Path file = dir.resolve("tether.db");
        try (Connection c = raw(file); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM connections");
        }
        store = SqliteStore.open(file);

        long id = await(store.write(tx -> tx.insertConnection(connection(1, "bob", null)).id()));

        assertThat(id).isEqualTo(3L);
    }

    private List<ConnectionRecord> list(ConnectionQuery query) {
        return await(store.read(tx -> tx.connections(query)));
    }
}
