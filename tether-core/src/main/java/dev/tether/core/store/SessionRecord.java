package dev.tether.core.store;

import dev.tether.api.SessionInfo;
import dev.tether.api.SessionState;
import java.time.Instant;
import java.util.List;

/**
 * A session as the store keeps it. Live facts that are not stored (the number of attached
 * clients) live in the session registry.
 *
 * @param id uint32, never reused on a server, across restarts too
 * @param exitCode null until the session is CLOSED by its program's exit or a close
 * @param closeReason null until CLOSED: {@code logoff by alice}, {@code program exited}, ...
 */
public record SessionRecord(
        long id,
        String server,
        String user,
        List<String> command,
        int cols,
        int rows,
        SessionState state,
        boolean locked,
        long pid,
        Instant createdAt,
        Instant closedAt,
        Integer exitCode,
        String closeReason) {

    public SessionRecord {
        command = List.copyOf(command);
    }

    public SessionRecord withId(long newId) {
        return new SessionRecord(newId, server, user, command, cols, rows, state, locked, pid, createdAt, closedAt, exitCode, closeReason);
    }

    public SessionRecord withState(SessionState newState) {
        return new SessionRecord(id, server, user, command, cols, rows, newState, locked, pid, createdAt, closedAt, exitCode, closeReason);
    }

    public SessionRecord withPid(long newPid) {
        return new SessionRecord(id, server, user, command, cols, rows, state, locked, newPid, createdAt, closedAt, exitCode, closeReason);
    }

    public SessionRecord withLocked(boolean newLocked) {
        return new SessionRecord(id, server, user, command, cols, rows, state, newLocked, pid, createdAt, closedAt, exitCode, closeReason);
    }

    public SessionRecord withSize(int newCols, int newRows) {
        return new SessionRecord(id, server, user, command, newCols, newRows, state, locked, pid, createdAt, closedAt, exitCode, closeReason);
    }

    public SessionRecord closed(Instant at, Integer code, String reason) {
        return new SessionRecord(id, server, user, command, cols, rows, SessionState.CLOSED, locked, pid, createdAt, at, code, reason);
    }

    /** The session as the API shows it, with {@code connections} clients attached now. */
    public SessionInfo info(int connections) {
        return new SessionInfo(id, server, user, SessionInfo.commandLine(command), command, state, state.code(), locked,
                connections, cols, rows, pid, createdAt, closedAt, exitCode, closeReason);
    }
}
