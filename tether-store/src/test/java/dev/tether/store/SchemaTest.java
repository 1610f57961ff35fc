package dev.tether.store;

import static dev.tether.store.Fixtures.await;
import static dev.tether.store.Fixtures.raw;
import static dev.tether.store.Fixtures.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.store.SessionRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaTest {
    @TempDir
    Path dir;

    @Test
    void migrationsCreateEveryTableAndIndex() throws Exception {
        Path file = dir.resolve("tether.db");
        SqliteStore.open(file).close();

        try (Connection c = raw(file)) {
            assertThat(names(c, "table")).contains("users", "tokens", "sessions", "requests", "events",
                    "connections", "workspaces", "credentials", "flyway_schema_history");
            assertThat(names(c, "index")).contains("users_name", "tokens_hash", "tokens_user_id", "sessions_state",
                    "connections_session_id", "connections_workspace_id", "connections_state",
                    "workspaces_user_friendly_name", "credentials_expires_at");
            assertThat(strings(c, "SELECT name FROM pragma_table_info('users')")).contains("password_hash", "os_user");
            assertThat(strings(c, "SELECT name FROM pragma_table_info('tokens')")).contains("workspace_id", "revoked_at");
            assertThat(strings(c, "SELECT script FROM flyway_schema_history WHERE success = 1 ORDER BY installed_rank"))
                    .containsExactly("V1__tables.sql", "V2__indexes.sql",
                            "V3__connections_workspaces_credentials.sql", "V4__connections_workspaces_credentials.sql",
                            "V5__drop_events_session_id.sql", "V6__users_os_user.sql");
            assertThat(names(c, "index")).doesNotContain("events_session_id");
        }
    }

    @Test
    void openCreatesMissingParentDirectoriesAndTheFile() {
        Path file = dir.resolve("a/b/c/tether.db");
        SqliteStore.open(file).close();
        assertThat(file).isRegularFile();
    }

    @Test
    void reopeningAnExistingDatabaseKeepsItsDataAndRunsNoMigrationTwice() throws Exception {
        Path file = dir.resolve("tether.db");
        try (SqliteStore store = SqliteStore.open(file)) {
            await(store.write(tx -> tx.insertSession(session("alice"))));
        }
        try (SqliteStore store = SqliteStore.open(file)) {
            List<SessionRecord> sessions = await(store.read(tx -> tx.sessions(true)));
            assertThat(sessions).extracting(SessionRecord::user).containsExactly("alice");
        }
        try (Connection c = raw(file)) {
            assertThat(strings(c, "SELECT COUNT(*) FROM flyway_schema_history")).containsExactly("6");
        }
    }

    @Test
    void theWriterConnectionUsesWalSynchronousNormalAFiveSecondBusyTimeoutForeignKeysAndSecureDelete() throws Exception {
        try (SqliteStore store = SqliteStore.open(dir.resolve("tether.db"))) {
            Map<String, String> pragmas = await(store.write(tx -> {
                Map<String, String> values = new LinkedHashMap<>();
                for (String pragma : List.of("journal_mode", "synchronous", "busy_timeout", "foreign_keys", "secure_delete")) {
                    values.put(pragma, ((SqlWrites) tx).sql("read", pragma, () -> {
                        try (ResultSet rows = ((SqlWrites) tx).statements.get("PRAGMA " + pragma).executeQuery()) {
                            rows.next();
                            return rows.getString(1);
                        }
                    }));
                }
                return values;
            }));
            // synchronous: 1 = NORMAL.
            assertThat(pragmas).containsExactly(
                    Map.entry("journal_mode", "wal"), Map.entry("synchronous", "1"),
                    Map.entry("busy_timeout", "5000"), Map.entry("foreign_keys", "1"), Map.entry("secure_delete", "1"));
        }
    }

    @Test
    void aFileThatIsNotADatabaseFailsToOpenNamingTheFile() throws Exception {
        Path file = dir.resolve("not-a-database.db");
        Files.writeString(file, "this is plain text, not SQLite ".repeat(100));
        assertThatThrownBy(() -> SqliteStore.open(file))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.INTERNAL))
                .hasMessageContaining(file.toString());
    }

    private static List<String> names(Connection c, String type) throws SQLException {
        return strings(c, "SELECT name FROM sqlite_master WHERE type = '" + type + "'");
    }

    private static List<String> strings(Connection c, String sql) throws SQLException {
        List<String> result = new ArrayList<>();
        try (var statement = c.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                result.add(rows.getString(1));
            }
        }
        return result;
    }
}
