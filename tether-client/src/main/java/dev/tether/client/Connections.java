package dev.tether.client;

import com.fasterxml.jackson.databind.JavaType;
import dev.tether.api.ConnectionInfo;
import dev.tether.api.ConnectionQuery;
import dev.tether.api.Ids;
import dev.tether.api.RequestRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * Connections ({@code /connections}): one client attached to one session, kept as history after it ends.
 * States are numbered as MBN_ACTIVATION_STATE (ACTIVATED 1, ACTIVATING 2, DEACTIVATED 3, DEACTIVATING 4).
 *
 * <p>Disconnect is IMbnConnection::Disconnect: {@link #disconnect} returns the request at once, and
 * {@link #disconnectAsync} also gives a future that completes when the connection is DEACTIVATED (the
 * DisconnectComplete event carries the same request id). A connection that is already disconnected
 * is NOT_FOUND (HRESULT 0x80070490), thrown at once with no request made.
 */
public final class Connections {
    private static final JavaType CONNECTION = Json.type(ConnectionInfo.class);
    private static final JavaType CONNECTIONS = Json.listOf(ConnectionInfo.class);

    private final Http http;
    private final Requests requests;

    Connections(Http http, Requests requests) {
        this.http = http;
        this.requests = requests;
    }

    /** Every connection the caller may see (admins all, users their own), live and past, in id order. */
    public List<ConnectionInfo> list() {
        return list(ConnectionQuery.ALL);
    }

    /**
     * Connections matching {@code query}: by session, state and workspace on the server. The server
     * already limits users to their own connections; {@code query.user()} narrows an administrator's
     * answer to one user's connections.
     */
    public List<ConnectionInfo> list(ConnectionQuery query) {
        var params = new ArrayList<String>();
        if (query.sessionId() != null) {
            params.add("sessionId=" + Ids.check("session", query.sessionId()));
        }
        if (query.state() != null) {
            params.add("state=" + query.state().name());
        }
        if (query.workspaceId() != null) {
            params.add("workspaceId=" + Http.query(query.workspaceId()));
        }
        List<ConnectionInfo> found = http.get("/connections" + (params.isEmpty() ? "" : "?" + String.join("&", params)), CONNECTIONS);
        return query.user() == null ? found : found.stream().filter(c -> query.user().equals(c.user())).toList();
    }

    /** One connection, also after it ended; NOT_FOUND for an unknown id or another user's connection. */
    public ConnectionInfo get(long id) {
        Ids.check("connection", id);
        return http.get("/connections/" + id, CONNECTION);
    }

    /**
     * Disconnects one connection; the session and its programs keep running. Returns the request as
     * accepted (RUNNING). NOT_FOUND when it is already disconnected; ACCESS_DENIED when this client's
     * token is restricted to an application other than the one that initiated the connection.
     */
    public RequestRecord disconnect(long id) {
        Ids.check("connection", id);
        return http.post("/connections/" + id + "/disconnect", null, Requests.REQUEST);
    }

    /** {@link #disconnect}, with the request id at once and a future of the finished request. */
    public PendingRequest disconnectAsync(long id) {
        return requests.pending(disconnect(id));
    }
}
