package dev.tether.store;

import dev.tether.core.EventRecord;
import dev.tether.core.ReadTx;
import dev.tether.core.RequestRecord;
import dev.tether.core.RequestStatus;
import dev.tether.core.ResultCode;
import dev.tether.core.SessionRecord;
import dev.tether.core.SessionState;
import dev.tether.core.TetherException;
import dev.tether.core.TokenRecord;
import dev.tether.core.UserRecord;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
    static final String USER_COLUMNS = "id, name, admin, created_at";
    static final String TOKEN_COLUMNS = "id, user_id, hash, application, created_at";
    static final String EVENT_COLUMNS = "id, type, at, session_id, user_name, data";

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
    public Optional<RequestRecord> request(long id) {
        return sql("read", "request " + id, () -> one(
                statement("SELECT " + REQUEST_COLUMNS + " FROM requests WHERE id = ?", id), SqlReads::request));
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
        return new UserRecord(row.getLong(1), row.getString(2), row.getBoolean(3), Codec.instant(row.getString(4)));
    }

    static TokenRecord token(ResultSet row) throws SQLException {
        return new TokenRecord(row.getLong(1), row.getLong(2), row.getString(3), row.getString(4),
                Codec.instant(row.getString(5)));
    }

    static EventRecord event(ResultSet row) throws SQLException {
        return new EventRecord(
                row.getLong(1),
                row.getString(2),
                Codec.instant(row.getString(3)),
                nullableLong(row, 4),
                row.getString(5),
                Codec.map(row.getString(6)));
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
