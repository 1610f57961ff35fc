package dev.tether.store;

import dev.tether.api.ConnectionQuery;
import dev.tether.api.ConnectionState;
import dev.tether.api.CredentialState;
import dev.tether.api.EventRecord;
import dev.tether.api.RequestRecord;
import dev.tether.api.RequestStatus;
import dev.tether.api.ResultCode;
import dev.tether.api.SessionState;
import dev.tether.api.TetherException;
import dev.tether.api.UserRecord;
import dev.tether.core.store.ConnectionRecord;
import dev.tether.core.store.CredentialRecord;
import dev.tether.core.store.ReadTx;
import dev.tether.core.store.SessionRecord;
import dev.tether.core.store.TokenRecord;
import dev.tether.core.store.WorkspaceRecord;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The reads of one transaction, on the connection of the thread running it. Valid only while
 * the work it was handed to runs; afterwards every call fails, so a leaked transaction cannot
 * read or write behind the store's back.
 */
class SqlReads implements ReadTx {
    static final String SESSION_COLUMNS = "id, server, user_name, command, term_cols, term_rows, state, locked, pid, "
            + "created_at, closed_at, exit_code, close_reason";
    static final String REQUEST_COLUMNS = "id, operation, user_name, what_if, status, result, targets, created_at, completed_at";
    static final String USER_COLUMNS = "id, name, admin, created_at, os_user";
    static final String TOKEN_COLUMNS = "id, user_id, hash, application, workspace_id, created_at, revoked_at";
    static final String EVENT_COLUMNS = "id, type, at, session_id, user_name, data";
    static final String CONNECTION_COLUMNS = "id, session_id, user_name, application, workspace_id, client_name, remote, "
            + "state, connected_at, disconnected_at, disconnect_reason, bytes_in, bytes_out";
    static final String WORKSPACE_COLUMNS = "user_name, id, friendly_name, clear_creds_on_last_resource, created_at";
    static final String CREDENTIAL_COLUMNS = "user_name, workspace_id, credential_user, sealed, state, timeout_minutes, expires_at";

    /** Work for {@link #sql}: JDBC calls that may throw SQLException. */
    @FunctionalInterface
    interface SqlWork<T> {
        T run() throws SQLException;
    }

    final Statements statements;
    private boolean active = true;

    SqlReads(Statements statements) {
        this.statements = statements;
    }

    /** Ends this transaction view; later calls fail. */
    final void end() {
        active = false;
    }

    /** Runs JDBC work, translating its failure into a TetherException naming the target. */
    final <T> T sql(String action, String target, SqlWork<T> work) {
        if (!active) {
            throw new IllegalStateException("this " + getClass().getSimpleName()
                    + " has ended: use a ReadTx or WriteTx only inside the work it was passed to");
        }
        try {
            return work.run();
        } catch (SQLException e) {
            statements.discardAll();
            throw Failures.of(e, action, target);
        }
    }

    @Override
    public Optional<SessionRecord> session(long id) {
        return sql("read", "session " + id, () -> one(
                statement("SELECT " + SESSION_COLUMNS + " FROM sessions WHERE id = ?", id), SqlReads::session));
    }

    @Override
    public List<SessionRecord> sessions(boolean includeClosed) {
        String sql = includeClosed
                ? "SELECT " + SESSION_COLUMNS + " FROM sessions ORDER BY id"
                : "SELECT " + SESSION_COLUMNS + " FROM sessions WHERE state <> 'CLOSED' ORDER BY id";
        return sql("list", "sessions", () -> all(statements.get(sql), SqlReads::session));
    }

    @Override
    public List<EventRecord> events(long afterId, int limit) {
        if (limit < 0) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "an event page limit must be 0 or more, not " + limit);
        }
        return sql("read", "events after " + afterId, () -> all(
                statement("SELECT " + EVENT_COLUMNS + " FROM events WHERE id > ? ORDER BY id LIMIT ?", afterId, limit),
                SqlReads::event));
    }

    @Override
    public long lastEventId() {
        return sql("read", "the last event id", () -> {
            try (ResultSet rows = statements.get("SELECT COALESCE(MAX(id), 0) FROM events").executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        });
    }

    @Override
    public long lastEventId(String user) {
        // Walks the primary key down from the newest event: no index on user_name, which every append would pay for.
        return sql("read", "the last event id of " + user, () -> {
            try (ResultSet rows = statement("SELECT id FROM events WHERE user_name = ? ORDER BY id DESC LIMIT 1", user).executeQuery()) {
                return rows.next() ? rows.getLong(1) : 0;
            }
        });
    }

    @Override
    public Optional<RequestRecord> request(long id) {
        return sql("read", "request " + id, () -> one(
                statement("SELECT " + REQUEST_COLUMNS + " FROM requests WHERE id = ?", id), SqlReads::request));
    }

    /** Read once at start: no index on status, which every request's two writes would pay for. */
    @Override
    public List<RequestRecord> requests(RequestStatus status) {
        return sql("list", "the " + status.name().toLowerCase() + " requests", () -> all(statement(
                "SELECT " + REQUEST_COLUMNS + " FROM requests WHERE status = ? ORDER BY id", Codec.nameOf(status)), SqlReads::request));
    }

    @Override
    public Optional<UserRecord> user(String name) {
        return sql("read", "user " + name, () -> one(
                statement("SELECT " + USER_COLUMNS + " FROM users WHERE name = ?", name), SqlReads::user));
    }

    @Override
    public Optional<UserRecord> user(long id) {
        return sql("read", "user " + id, () -> one(
                statement("SELECT " + USER_COLUMNS + " FROM users WHERE id = ?", id), SqlReads::user));
    }

    @Override
    public List<UserRecord> users() {
        return sql("list", "users", () -> all(
                statements.get("SELECT " + USER_COLUMNS + " FROM users ORDER BY id"), SqlReads::user));
    }

    @Override
    public Optional<TokenRecord> tokenByHash(String hash) {
        // The hash itself is a secret's fingerprint: keep it out of messages.
        return sql("read", "a token", () -> one(
                statement("SELECT " + TOKEN_COLUMNS + " FROM tokens WHERE hash = ?", hash), SqlReads::token));
    }

    @Override
    public Optional<String> passwordHash(String userName) {
        // A user without a password reads as empty, like an unknown user; the hash never goes into a message.
        return sql("read", "the password of user " + userName, () -> {
            try (ResultSet rows = statement("SELECT password_hash FROM users WHERE name = ?", userName).executeQuery()) {
                return rows.next() ? Optional.ofNullable(rows.getString(1)) : Optional.<String>empty();
            }
        });
    }

    @Override
    public Optional<ConnectionRecord> connection(long id) {
        return sql("read", "connection " + id, () -> one(
                statement("SELECT " + CONNECTION_COLUMNS + " FROM connections WHERE id = ?", id), SqlReads::connection));
    }

    @Override
    public List<ConnectionRecord> connections(ConnectionQuery query) {
        // At most 16 shapes of SQL, so the statement cache stays small.
        StringBuilder sql = new StringBuilder("SELECT " + CONNECTION_COLUMNS + " FROM connections WHERE 1 = 1");
        List<Object> parameters = new ArrayList<>();
        filter(sql, parameters, "session_id", query.sessionId());
        filter(sql, parameters, "state", Codec.nameOf(query.state()));
        filter(sql, parameters, "workspace_id", query.workspaceId());
        filter(sql, parameters, "user_name", query.user());
        sql.append(" ORDER BY id");
        return sql("list", "connections", () -> all(statement(sql.toString(), parameters.toArray()), SqlReads::connection));
    }

    private static void filter(StringBuilder sql, List<Object> parameters, String column, Object value) {
        if (value != null) {
            sql.append(" AND ").append(column).append(" = ?");
            parameters.add(value);
        }
    }

    @Override
    public Optional<WorkspaceRecord> workspace(String user, String id) {
        return sql("read", "workspace " + id + " of " + user, () -> one(
                statement("SELECT " + WORKSPACE_COLUMNS + " FROM workspaces WHERE user_name = ? AND id = ?", user, id),
                SqlReads::workspace));
    }

    @Override
    public List<WorkspaceRecord> workspaces(String user) {
        if (user == null) {
            return sql("list", "workspaces", () -> all(
                    statement("SELECT " + WORKSPACE_COLUMNS + " FROM workspaces ORDER BY user_name, id"), SqlReads::workspace));
        }
        return sql("list", "the workspaces of " + user, () -> all(
                statement("SELECT " + WORKSPACE_COLUMNS + " FROM workspaces WHERE user_name = ? ORDER BY user_name, id", user),
                SqlReads::workspace));
    }

    @Override
    public Optional<CredentialRecord> credential(String user, String workspaceId) {
        return sql("read", "the credentials of workspace " + workspaceId + " of " + user, () -> one(
                statement("SELECT " + CREDENTIAL_COLUMNS + " FROM credentials WHERE user_name = ? AND workspace_id = ?",
                        user, workspaceId),
                SqlReads::credential));
    }

    @Override
    public List<CredentialRecord> expiredCredentials(Instant at) {
        // Instants are fixed-width text, so comparing the text compares the instants.
        return sql("list", "credentials expired at " + at, () -> all(
                statement("SELECT " + CREDENTIAL_COLUMNS + " FROM credentials WHERE expires_at IS NOT NULL AND expires_at <= ? "
                        + "ORDER BY user_name, workspace_id", Codec.instant(at)),
                SqlReads::credential));
    }

    final PreparedStatement statement(String sql, Object... parameters) throws SQLException {
        PreparedStatement statement = statements.get(sql);
        for (int i = 0; i < parameters.length; i++) {
            statement.setObject(i + 1, parameters[i]);
        }
        return statement;
    }

    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet row) throws SQLException;
    }

    static <T> Optional<T> one(PreparedStatement statement, RowMapper<T> mapper) throws SQLException {
        try (ResultSet rows = statement.executeQuery()) {
            return rows.next() ? Optional.of(mapper.map(rows)) : Optional.empty();
        }
    }

    static <T> List<T> all(PreparedStatement statement, RowMapper<T> mapper) throws SQLException {
        List<T> result = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                result.add(mapper.map(rows));
            }
        }
        return result;
    }

    static SessionRecord session(ResultSet row) throws SQLException {
        return new SessionRecord(
                row.getLong(1),
                row.getString(2),
                row.getString(3),
                Codec.strings(row.getString(4)),
                row.getInt(5),
                row.getInt(6),
                Codec.enumOf(SessionState.class, row.getString(7)),
                row.getBoolean(8),
                row.getLong(9),
                Codec.instant(row.getString(10)),
                Codec.instant(row.getString(11)),
                nullableInt(row, 12),
                row.getString(13));
    }

    static RequestRecord request(ResultSet row) throws SQLException {
        return new RequestRecord(
                row.getLong(1),
                row.getString(2),
                row.getString(3),
                row.getBoolean(4),
                Codec.enumOf(RequestStatus.class, row.getString(5)),
                Codec.enumOf(ResultCode.class, row.getString(6)),
                Codec.targets(row.getString(7)),
                Codec.instant(row.getString(8)),
                Codec.instant(row.getString(9)));
    }

    static UserRecord user(ResultSet row) throws SQLException {
        return new UserRecord(row.getLong(1), row.getString(2), row.getBoolean(3), Codec.instant(row.getString(4)), row.getString(5));
    }

    static TokenRecord token(ResultSet row) throws SQLException {
        return new TokenRecord(row.getLong(1), row.getLong(2), row.getString(3), row.getString(4), row.getString(5),
                Codec.instant(row.getString(6)), Codec.instant(row.getString(7)));
    }

    static ConnectionRecord connection(ResultSet row) throws SQLException {
        return new ConnectionRecord(
                row.getLong(1),
                row.getLong(2),
                row.getString(3),
                row.getString(4),
                row.getString(5),
                row.getString(6),
                row.getString(7),
                Codec.enumOf(ConnectionState.class, row.getString(8)),
                Codec.instant(row.getString(9)),
                Codec.instant(row.getString(10)),
                row.getString(11),
                row.getLong(12),
                row.getLong(13));
    }

    static WorkspaceRecord workspace(ResultSet row) throws SQLException {
        return new WorkspaceRecord(row.getString(1), row.getString(2), row.getString(3), row.getBoolean(4),
                Codec.instant(row.getString(5)));
    }

    static CredentialRecord credential(ResultSet row) throws SQLException {
        return new CredentialRecord(row.getString(1), row.getString(2), row.getString(3), row.getBytes(4),
                Codec.enumOf(CredentialState.class, row.getString(5)), row.getInt(6), Codec.instant(row.getString(7)));
    }

    static EventRecord event(ResultSet row) throws SQLException {
        return new EventRecord(
                row.getLong(1),
                Codec.instant(row.getString(3)),
                nullableLong(row, 4),
                row.getString(5),
                Codec.event(row.getString(2), row.getString(6)));
    }

    private static Long nullableLong(ResultSet row, int column) throws SQLException {
        long value = row.getLong(column);
        return row.wasNull() ? null : value;
    }

    private static Integer nullableInt(ResultSet row, int column) throws SQLException {
        int value = row.getInt(column);
        return row.wasNull() ? null : value;
    }
}
