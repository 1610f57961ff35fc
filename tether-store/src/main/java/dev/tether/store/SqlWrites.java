package dev.tether.store;

import dev.tether.api.EventRecord;
import dev.tether.api.RequestRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.api.UserRecord;
import dev.tether.core.store.ConnectionRecord;
import dev.tether.core.store.CredentialRecord;
import dev.tether.core.store.SessionRecord;
import dev.tether.core.store.TokenRecord;
import dev.tether.core.store.WorkspaceRecord;
import dev.tether.core.store.WriteTx;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The writes of one {@link dev.tether.core.store.Store#write} on the writer's connection, inside that
 * write's savepoint. Remembers the events it appended so the writer can announce them once
 * their commit succeeded, and whether it removed a secret so the writer can scrub the write-ahead
 * log after that commit.
 */
final class SqlWrites extends SqlReads implements WriteTx {
    private final List<EventRecord> appended = new ArrayList<>();
    private boolean removedSecret;

    SqlWrites(Statements statements) {
        super(statements);
    }

    List<EventRecord> appended() {
        return appended;
    }

    /**
     * Whether this write deleted or replaced sealed credentials. Secure delete zeroes them in the
     * page, but older copies of the page stay in the write-ahead log (and in the database file)
     * until a checkpoint copies the new page over them and truncates the log.
     */
    boolean removedSecret() {
        return removedSecret;
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
    public void deleteSession(long id) {
        sql("delete", "session " + id, () -> statement("DELETE FROM sessions WHERE id = ?", id).executeUpdate());
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
                "INSERT INTO users (name, admin, created_at, os_user) VALUES (?, ?, ?, ?) RETURNING id",
                u.name(), u.admin(), Codec.instant(u.createdAt()), u.osUser()),
                "user")));
    }

    @Override
    public void setOsUser(long userId, String osUser) {
        int updated = sql("set", "the Linux account of user " + userId, () -> statement(
                "UPDATE users SET os_user = ? WHERE id = ?", osUser, userId).executeUpdate());
        if (updated == 0) {
            throw new TetherException(ResultCode.NOT_FOUND, "cannot set the Linux account of user " + userId + ": no such user");
        }
    }

    @Override
    public TokenRecord insertToken(TokenRecord t) {
        if (user(t.userId()).isEmpty()) {
            throw new TetherException(ResultCode.NOT_FOUND, "cannot add a token for user " + t.userId() + ": no such user");
        }
        return sql("insert", "a token for user " + t.userId(), () -> t.withId(Failures.checkId(insert(
                "INSERT INTO tokens (user_id, hash, application, workspace_id, created_at, revoked_at) "
                        + "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                t.userId(), t.hash(), t.application(), t.workspaceId(), Codec.instant(t.createdAt()),
                Codec.instant(t.revokedAt())),
                "token")));
    }

    @Override
    public void setPasswordHash(long userId, String hash) {
        int updated = sql("set", "the password of user " + userId, () -> statement(
                "UPDATE users SET password_hash = ? WHERE id = ?", hash, userId).executeUpdate());
        if (updated == 0) {
            throw new TetherException(ResultCode.NOT_FOUND, "cannot set the password of user " + userId + ": no such user");
        }
    }

    /** Tokens already revoked keep the time they were first revoked. */
    @Override
    public void revokeWorkspaceTokens(long userId, String workspaceId, Instant at) {
        sql("revoke", "the tokens of workspace " + workspaceId + " of user " + userId, () -> statement(
                "UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND workspace_id = ? AND revoked_at IS NULL",
                Codec.instant(at), userId, workspaceId).executeUpdate());
    }

    @Override
    public ConnectionRecord insertConnection(ConnectionRecord c) {
        return sql("insert", "a connection to session " + c.sessionId() + " for " + c.user(), () -> c.withId(Failures.checkId(insert(
                "INSERT INTO connections (session_id, user_name, application, workspace_id, client_name, remote, state, "
                        + "connected_at, disconnected_at, disconnect_reason, bytes_in, bytes_out) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                c.sessionId(), c.user(), c.application(), c.workspaceId(), c.clientName(), c.remote(),
                Codec.nameOf(c.state()), Codec.instant(c.connectedAt()), Codec.instant(c.disconnectedAt()),
                c.disconnectReason(), c.bytesIn(), c.bytesOut()),
                "connection")));
    }

    @Override
    public void updateConnection(ConnectionRecord c) {
        sql("update", "connection " + c.id(), () -> updateOne("connection " + c.id(), statement(
                "UPDATE connections SET session_id = ?, user_name = ?, application = ?, workspace_id = ?, client_name = ?, "
                        + "remote = ?, state = ?, connected_at = ?, disconnected_at = ?, disconnect_reason = ?, "
                        + "bytes_in = ?, bytes_out = ? WHERE id = ?",
                c.sessionId(), c.user(), c.application(), c.workspaceId(), c.clientName(), c.remote(),
                Codec.nameOf(c.state()), Codec.instant(c.connectedAt()), Codec.instant(c.disconnectedAt()),
                c.disconnectReason(), c.bytesIn(), c.bytesOut(), c.id())));
    }

    @Override
    public void insertWorkspace(WorkspaceRecord w) {
        // Checked first rather than mapped from the key violation: the message is IWorkspaceScriptable's.
        if (workspace(w.user(), w.id()).isPresent()) {
            throw new TetherException(ResultCode.CONFLICT, "the workspace ID " + w.id() + " already exists for " + w.user());
        }
        sql("insert", "workspace " + w.id() + " of " + w.user(), () -> statement(
                "INSERT INTO workspaces (user_name, id, friendly_name, clear_creds_on_last_resource, created_at) "
                        + "VALUES (?, ?, ?, ?, ?)",
                w.user(), w.id(), w.friendlyName(), w.clearCredsOnLastResource(), Codec.instant(w.createdAt()))
                .executeUpdate());
    }

    /**
     * Deletes the workspace and, with it, its credentials (as {@link #deleteCredential} does: no
     * byte left). Deleting a workspace that does not exist does nothing.
     */
    @Override
    public void deleteWorkspace(String user, String id) {
        deleteCredential(user, id);
        sql("delete", "workspace " + id + " of " + user, () -> statement(
                "DELETE FROM workspaces WHERE user_name = ? AND id = ?", user, id).executeUpdate());
    }

    /** The workspace must exist ({@code NOT_FOUND} otherwise). */
    @Override
    public void putCredential(CredentialRecord c) {
        String target = "the credentials of workspace " + c.workspaceId() + " of " + c.user();
        if (workspace(c.user(), c.workspaceId()).isEmpty()) {
            throw new TetherException(ResultCode.NOT_FOUND, "cannot store " + target + ": no such workspace");
        }
        // Update, else insert: portable, and it tells whether an older secret was overwritten.
        int replaced = sql("store", target, () -> statement(
                "UPDATE credentials SET credential_user = ?, sealed = ?, state = ?, timeout_minutes = ?, expires_at = ? "
                        + "WHERE user_name = ? AND workspace_id = ?",
                c.userName(), c.sealed(), Codec.nameOf(c.state()), c.timeoutMinutes(), Codec.instant(c.expiresAt()),
                c.user(), c.workspaceId()).executeUpdate());
        if (replaced > 0) {
            removedSecret = true;
            return;
        }
        sql("store", target, () -> statement(
                "INSERT INTO credentials (user_name, workspace_id, credential_user, sealed, state, timeout_minutes, expires_at) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?)",
                c.user(), c.workspaceId(), c.userName(), c.sealed(), Codec.nameOf(c.state()), c.timeoutMinutes(),
                Codec.instant(c.expiresAt())).executeUpdate());
    }

    /** Deleting credentials that do not exist does nothing. */
    @Override
    public void deleteCredential(String user, String workspaceId) {
        int deleted = sql("delete", "the credentials of workspace " + workspaceId + " of " + user, () -> statement(
                "DELETE FROM credentials WHERE user_name = ? AND workspace_id = ?", user, workspaceId).executeUpdate());
        if (deleted > 0) {
            removedSecret = true;
        }
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
