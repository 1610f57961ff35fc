package dev.tether.core;

import dev.tether.api.ConnectionState;

import java.time.Instant;

/** A connection as the API shows it, with its MBN_ACTIVATION_STATE number. */
public record ConnectionInfo(
        long id,
        long sessionId,
        String user,
        String application,
        String workspaceId,
        String clientName,
        String remote,
        ConnectionState state,
        int stateCode,
        Instant connectedAt,
        Instant disconnectedAt,
        String disconnectReason,
        long bytesIn,
        long bytesOut) {

    public static ConnectionInfo of(ConnectionRecord r) {
        return new ConnectionInfo(r.id(), r.sessionId(), r.user(), r.application(), r.workspaceId(), r.clientName(),
                r.remote(), r.state(), r.state().code(), r.connectedAt(), r.disconnectedAt(), r.disconnectReason(),
                r.bytesIn(), r.bytesOut());
    }
}
