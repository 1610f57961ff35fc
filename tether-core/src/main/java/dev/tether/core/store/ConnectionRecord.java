package dev.tether.core.store;

import dev.tether.api.ConnectionInfo;
import dev.tether.api.ConnectionState;
import java.time.Instant;

/**
 * One client attached (or once attached) to one session. History is kept.
 *
 * @param id uint32, never reused
 * @param application the initiating application (from a restricted token), or null
 * @param workspaceId the workspace the connection belongs to (from a workspace token), or null
 * @param remote the client's address as the server saw it
 */
public record ConnectionRecord(
        long id,
        long sessionId,
        String user,
        String application,
        String workspaceId,
        String clientName,
        String remote,
        ConnectionState state,
        Instant connectedAt,
        Instant disconnectedAt,
        String disconnectReason,
        long bytesIn,
        long bytesOut) {

    public ConnectionRecord withId(long newId) {
        return new ConnectionRecord(newId, sessionId, user, application, workspaceId, clientName, remote, state,
                connectedAt, disconnectedAt, disconnectReason, bytesIn, bytesOut);
    }

    public ConnectionRecord withState(ConnectionState newState) {
        return new ConnectionRecord(id, sessionId, user, application, workspaceId, clientName, remote, newState,
                connectedAt, disconnectedAt, disconnectReason, bytesIn, bytesOut);
    }

    public ConnectionRecord deactivated(Instant at, String reason, long in, long out) {
        return new ConnectionRecord(id, sessionId, user, application, workspaceId, clientName, remote,
                ConnectionState.DEACTIVATED, connectedAt, at, reason, in, out);
    }

    /** The connection as the API shows it. */
    public ConnectionInfo info() {
        return new ConnectionInfo(id, sessionId, user, application, workspaceId, clientName, remote, state, state.code(),
                connectedAt, disconnectedAt, disconnectReason, bytesIn, bytesOut);
    }
}
