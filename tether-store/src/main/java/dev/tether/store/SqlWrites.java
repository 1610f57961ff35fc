package dev.tether.store;

import dev.tether.core.EventRecord;
import dev.tether.core.RequestRecord;
import dev.tether.core.ResultCode;
import dev.tether.core.SessionRecord;
import dev.tether.core.TetherException;
import dev.tether.core.TokenRecord;
import dev.tether.core.UserRecord;
import dev.tether.core.WriteTx;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The writes of one {@link dev.tether.core.Store#write} on the writer's connection, inside that
 * write's savepoint. Remembers the events it appended so the writer can announce them once
 * their commit succeeded.
 */
final class SqlWrites extends SqlReads implements WriteTx {
    private final List<EventRecord> appended = new ArrayList<>();

    SqlWrites(Statements statements) {
        super(statements);
    }

    List<EventRecord> appended() {
        return appended;
    }

    @Override
    public SessionRecord insertSession(SessionRecord s) {
        return sql("insert", "a session for " + s.user(), () -> s.withId(Failures.checkId(insert(
                "INSERT INTO sessions (server, user_name, command, term_cols, term_rows, state, locked, pid, "
                        + "created_at, closed_at, exit_code, close_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                s.server(), s.user(), Codec.json(s.command()), s.cols(), s.rows(), Codec.nameOf(s.state()), s.locked(),
                s.pid(), Codec.instant(s.createdAt()), Codec.instant(s.closedAt()), s.exitCode(), s.closeReason()),
                "session")));
    }

    @Override
    public void updateSession(SessionRecord s) {
        sql("update", "session " + s.id(), () -> updateOne("session " + s.id(), statement(
                "UPDATE sessions SET server = ?, user_name = ?, command = ?, term_cols = ?, term_rows = ?, state = ?, "
                        + "locked = ?, pid = ?, created_at = ?, closed_at = ?, exit_code = ?, close_reason = ? WHERE id = ?",
                s.server(), s.user(), Codec.json(s.command()), s.cols(), s.rows(), Codec.nameOf(s.state()), s.locked(),
                s.pid(), Codec.instant(s.createdAt()), Codec.instant(s.closedAt()), s.exitCode(), s.closeReason(), s.id())));
    }

    @Override
    public RequestRecord insertRequest(RequestRecord r) {
        return sql("insert", "a " + r.operation() + " request", () -> r.withId(Failures.checkId(insert(
                "INSERT INTO requests (operation, user_name, what_if, status, result, targets, created_at, completed_at) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                r.operation(), r.user(), r.whatIf(), Codec.nameOf(r.status()), Codec.nameOf(r.result()),
                Codec.json(r.targets()), Codec.instant(r.createdAt()), Codec.instant(r.completedAt())),
                "request")));
    }

    @Override
    public void updateRequest(RequestRecord r) {
        sql("update", "request " + r.id(), () -> updateOne("request " + r.id(), statement(
                "UPDATE requests SET operation = ?, user_name = ?, what_if = ?, status = ?, result = ?, targets = ?, "
                        + "created_at = ?, completed_at = ? WHERE id = ?",
                r.operation(), r.user(), r.whatIf(), Codec.nameOf(r.status()), Codec.nameOf(r.result()),
                Codec.json(r.targets()), Codec.instant(r.createdAt()), Codec.instant(r.completedAt()), r.id())));
    }

    @Override
    public UserRecord insertUser(UserRecord u) {
        return sql("insert", "user " + u.name(), () -> u.withId(Failures.checkId(insert(
                "INSERT INTO users (name, admin, created_at) VALUES (?, ?, ?) RETURNING id",
                u.name(), u.admin(), Codec.instant(u.createdAt())),
                "user")));
    }

    @Override
    public TokenRecord insertToken(TokenRecord t) {
        if (user(t.userId()).isEmpty()) {
            throw new TetherException(ResultCode.NOT_FOUND, "cannot add a token for user " + t.userId() + ": no such user");
        }
        return sql("insert", "a token for user " + t.userId(), () -> t.withId(Failures.checkId(insert(
                "INSERT INTO tokens (user_id, hash, application, created_at) VALUES (?, ?, ?, ?) RETURNING id",
                t.userId(), t.hash(), t.application(), Codec.instant(t.createdAt())),
                "token")));
    }

    @Override
    public EventRecord append(EventRecord e) {
        // Event ids are longs, not uint32: at thousands of events a second a uint32 would run out in days.
        EventRecord stored = sql("append", "a " + e.type() + " event", () -> e.withId(insert(
                "INSERT INTO events (type, at, session_id, user_name, data) VALUES (?, ?, ?, ?, ?) RETURNING id",
                e.type(), Codec.instant(e.at()), e.sessionId(), e.user(), Codec.json(e.data()))));
        appended.add(stored);
        return stored;
    }

    private long insert(String sql, Object... parameters) throws SQLException {
        try (ResultSet rows = statement(sql, parameters).executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static Void updateOne(String target, PreparedStatement statement) throws SQLException {
        if (statement.executeUpdate() == 0) {
            throw new TetherException(ResultCode.NOT_FOUND, "cannot update " + target + ": it does not exist");
        }
        return null;
    }
}
