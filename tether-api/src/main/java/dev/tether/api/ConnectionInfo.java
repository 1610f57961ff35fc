package dev.tether.api;



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
}
