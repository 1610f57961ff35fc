package dev.tether.api;


/** Which connections to list; null fields do not filter. */
public record ConnectionQuery(Long sessionId, ConnectionState state, String workspaceId, String user) {

    public static final ConnectionQuery ALL = new ConnectionQuery(null, null, null, null);
}
