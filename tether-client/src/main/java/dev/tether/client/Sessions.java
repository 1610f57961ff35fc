package dev.tether.client;

import com.fasterxml.jackson.databind.JavaType;
import dev.tether.core.Ids;
import dev.tether.core.NewSession;
import dev.tether.core.RequestRecord;
import dev.tether.core.Selection;
import dev.tether.core.SessionInfo;
import java.util.List;

/**
 * Sessions ({@code /sessions}): list, look up, start, disconnect and log off (close).
 *
 * <p>Disconnect and close are requests: the plain methods return the request as accepted (RUNNING, or
 * COMPLETED when there was nothing to wait for); the {@code ...Async} methods return a
 * {@link PendingRequest} whose id is known at once and whose future completes with the request.
 */
public final class Sessions {
    private static final JavaType SESSION = Json.type(SessionInfo.class);
    private static final JavaType SESSIONS = Json.listOf(SessionInfo.class);

    private final Http http;
    private final Requests requests;

    Sessions(Http http, Requests requests) {
        this.http = http;
        this.requests = requests;
    }

    /** Live sessions the caller may see (admins all, users their own), in id order. */
    public List<SessionInfo> list() {
        return list(false);
    }

    /** With {@code allStates}, CLOSED sessions too. */
    public List<SessionInfo> list(boolean allStates) {
        return http.get(allStates ? "/sessions?allStates=true" : "/sessions", SESSIONS);
    }

    /** One session, also when CLOSED; NOT_FOUND for an unknown id or another user's session. */
    public SessionInfo get(long id) {
        Ids.check("session", id);
        return http.get("/sessions/" + id, SESSION);
    }

    /** Starts a session owned by the caller; it is DISCONNECTED (running, no client) when this returns. */
    public SessionInfo create(NewSession spec) {
        return http.post("/sessions", Bodies.of(spec), SESSION);
    }

    /**
     * Disconnects every client of the session; its programs keep running. NOT_FOUND, OWN_SESSION and
     * INVALID_STATE (already CLOSED) are thrown at once, with no request created.
     */
    public RequestRecord disconnect(long id) {
        Ids.check("session", id);
        return http.post("/sessions/" + id + "/disconnect", null, Requests.REQUEST);
    }

    /** Logs the session off: its programs are hung up, then terminated, then killed. */
    public RequestRecord close(long id) {
        Ids.check("session", id);
        return http.post("/sessions/" + id + "/close", null, Requests.REQUEST);
    }

    /** Disconnects several sessions; each target gets its own result, and a failed one does not stop the rest. */
    public RequestRecord disconnect(Selection selection) {
        return http.post("/sessions/disconnect", Bodies.of(selection), Requests.REQUEST);
    }

    /** Logs several sessions off; each target gets its own result. */
    public RequestRecord close(Selection selection) {
        return http.post("/sessions/close", Bodies.of(selection), Requests.REQUEST);
    }

    public PendingRequest disconnectAsync(long id) {
        return requests.pending(disconnect(id));
    }

    public PendingRequest closeAsync(long id) {
        return requests.pending(close(id));
    }

    public PendingRequest disconnectAsync(Selection selection) {
        return requests.pending(disconnect(selection));
    }

    public PendingRequest closeAsync(Selection selection) {
        return requests.pending(close(selection));
    }
}
