package dev.tether.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.ConnectionState;
import dev.tether.api.CredentialState;
import dev.tether.api.Event;
import dev.tether.api.EventRecord;
import dev.tether.api.SessionState;
import dev.tether.core.store.ConnectionRecord;
import dev.tether.core.store.CredentialRecord;
import dev.tether.core.store.SessionRecord;
import dev.tether.core.store.WorkspaceRecord;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Records and helpers shared by the store tests. */
final class Fixtures {
    /** Nanosecond precision on purpose: instants must round-trip exactly. */
    static final Instant T0 = Instant.parse("2025-01-01T10:00:00.123456789Z");

    private Fixtures() {}

    static SessionRecord session(String user) {
        return new SessionRecord(0, "localhost", user, List.of("bash", "-l"), 80, 24, SessionState.INIT, false, 0,
                T0, null, null, null);
    }

    /** An ACTIVATED connection of {@code user} to session {@code sessionId}, in {@code workspaceId} (may be null). */
    static ConnectionRecord connection(long sessionId, String user, String workspaceId) {
        return new ConnectionRecord(0, sessionId, user, null, workspaceId, "laptop", "127.0.0.1:50123",
                ConnectionState.ACTIVATED, T0, null, null, 0, 0);
    }

    static WorkspaceRecord workspace(String user, String id, String friendlyName) {
        return new WorkspaceRecord(user, id, friendlyName, false, T0);
    }

    static CredentialRecord credential(String user, String workspaceId, byte[] sealed, java.time.Instant expiresAt) {
        return new CredentialRecord(user, workspaceId, user, sealed, CredentialState.UNAUTHENTICATED,
                expiresAt == null ? 0 : 30, expiresAt);
    }

    /** An event of a made-up type (stored and read back as {@link Event.Unknown}) with these fields. */
    static EventRecord event(String type, Long sessionId, Map<String, Object> data) {
        return new EventRecord(T0, sessionId, "system", new Event.Unknown(type, data));
    }

    static <T> T await(CompletableFuture<T> future) {
        return future.orTimeout(20, TimeUnit.SECONDS).join();
    }

    /** A plain JDBC connection to the file, bypassing the store, for what the store cannot do. */
    static Connection raw(Path file) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + file);
    }

    /**
     * Holds the writer thread inside a write until opened, so that everything submitted
     * meanwhile queues up and is group-committed: tests need no timing to get full batches.
     */
    static final class Gate implements AutoCloseable {
        private final CountDownLatch entered = new CountDownLatch(1);
        private final CountDownLatch open = new CountDownLatch(1);
        final CompletableFuture<Void> held;

        Gate(SqliteStore store) throws InterruptedException {
            held = store.write(tx -> {
                entered.countDown();
                try {
                    open.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            });
            assertThat(entered.await(10, TimeUnit.SECONDS)).as("the writer took the gate write").isTrue();
        }

        void open() {
            open.countDown();
        }

        @Override
        public void close() {
            open();
        }
    }
}
