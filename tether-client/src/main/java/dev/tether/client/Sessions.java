package dev.tether.client;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.api.Bodies;
import dev.tether.api.Ids;
import dev.tether.api.MessageResult;
import dev.tether.api.NewSession;
import dev.tether.api.RequestRecord;
import dev.tether.api.Selection;
import dev.tether.api.SessionInfo;
import java.time.Duration;
import java.util.List;

/**
 * Sessions ({@code /sessions}): list, look up, start, disconnect, log off (close), lock, unlock, send
 * messages, and read one as a Win32_VirtualDesktopSession.
 *
 * <p>Disconnect and close are requests: the plain methods return the request as accepted (RUNNING, or
 * COMPLETED when there was nothing to wait for); the {@code ...Async} methods return a
 * {@link PendingRequest} whose id is known at once and whose future completes with the request.
 */
public final class Sessions {
    private static final JavaType SESSION = Json.type(SessionInfo.class);
    private static final JavaType SESSIONS = Json.listOf(SessionInfo.class);
    private static final JavaType MESSAGE = Json.type(MessageResult.class);
    private static final JavaType SCREEN = Json.type(Bodies.Screen.class);
    private static final JavaType SEARCH = Json.type(Bodies.ScrollbackSearch.class);
    /** The longest a message may wait for its acknowledgement on the server (timeout 0 means this). */
    private static final int MAX_MESSAGE_WAIT_SECONDS = 3600;

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
        return http.post("/sessions", spec, SESSION);
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
        return http.post("/sessions/disconnect", Bodies.Batch.of(selection), Requests.REQUEST);
    }

    /** Logs several sessions off; each target gets its own result. */
    public RequestRecord close(Selection selection) {
        return http.post("/sessions/close", Bodies.Batch.of(selection), Requests.REQUEST);
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

    /**
     * Locks a session (Lock-WmsSession): attached clients show a lock screen with {@code message},
     * input is ignored and output is held back until it is unlocked. The message is required.
     */
    public RequestRecord lock(long id, String message) {
        Ids.check("session", id);
        return http.post("/sessions/" + id + "/lock", new Bodies.LockMessage(message), Requests.REQUEST);
    }

    /** Locks several sessions, or all ({@code whatIf} says which would be locked). */
    public RequestRecord lock(Selection selection, String message) {
        return http.post("/sessions/lock", Bodies.LockBatch.of(selection, message), Requests.REQUEST);
    }

    public PendingRequest lockAsync(long id, String message) {
        return requests.pending(lock(id, message));
    }

    public PendingRequest lockAsync(Selection selection, String message) {
        return requests.pending(lock(selection, message));
    }

    /**
     * Unlocks a session (Unlock-WmsSession): an administrator needs no password ({@code null}); the
     * owner gives theirs, else ACCESS_DENIED. The caller may zero {@code password} when this returns.
     */
    public RequestRecord unlock(long id, char[] password) {
        Ids.check("session", id);
        return unlock("/sessions/" + id + "/unlock", Json.object(), password);
    }

    /** Unlocks several sessions, or all. */
    public RequestRecord unlock(Selection selection, char[] password) {
        return unlock("/sessions/unlock", (ObjectNode) Json.tree(Bodies.Batch.of(selection)), password);
    }

    public PendingRequest unlockAsync(long id, char[] password) {
        return requests.pending(unlock(id, password));
    }

    public PendingRequest unlockAsync(Selection selection, char[] password) {
        return requests.pending(unlock(selection, password));
    }

    private RequestRecord unlock(String path, ObjectNode body, char[] password) {
        return password == null
                ? http.post(path, body, Requests.REQUEST)
                : http.postSecret(path, Json.withSecret(body, "password", password), Requests.REQUEST);
    }

    /**
     * Shows a message to every client attached to the session (WTSSendMessage). With {@code wait} the
     * answer is OK once a client acknowledged it, or TIMEOUT (IDTIMEOUT 32000) when
     * {@code timeoutSeconds} passed first; without it, ASYNC (IDASYNC 32001) at once. A session with no
     * client attached is INVALID_STATE.
     *
     * @param timeoutSeconds 0..3600; 0 means no timeout (the server gives up after an hour)
     */
    public MessageResult message(long id, String title, String text, int timeoutSeconds, boolean wait) {
        Ids.check("session", id);
        var body = new Bodies.SendMessage(title, text, timeoutSeconds, wait ? true : null);
        int longest = timeoutSeconds > 0 ? Math.min(timeoutSeconds, MAX_MESSAGE_WAIT_SECONDS) : MAX_MESSAGE_WAIT_SECONDS;
        // The server answers by the message's timeout; ours only guards against a server that never answers.
        Duration callTimeout = wait ? Duration.ofSeconds(longest + 15L).plus(http.timeout()) : http.timeout();
        return http.call("POST", "/sessions/" + id + "/message", Json.tree(body), MESSAGE, callTimeout);
    }

    /**
     * The session's screen as a terminal that saw its whole output shows it (like {@code tmux
     * capture-pane -p [-e]}): the last {@code scrollback} lines of scrollback, then every row, as
     * text or, with {@code ansi}, with SGR sequences.
     */
    public String screen(long id, boolean ansi, int scrollback) {
        Ids.check("session", id);
        return http.text("/sessions/" + id + "/screen?format=" + (ansi ? "ansi" : "text") + "&scrollback=" + scrollback);
    }

    /** The screen with its cursor, size, modes and title. */
    public Bodies.Screen screenDetails(long id, int scrollback) {
        Ids.check("session", id);
        return http.get("/sessions/" + id + "/screen?format=json&scrollback=" + scrollback, SCREEN);
    }

    /** The lines of the session's scrollback and screen that match {@code regex}, with {@code context} lines around each. */
    public Bodies.ScrollbackSearch grep(long id, String regex, int context) {
        Ids.check("session", id);
        return http.get("/sessions/" + id + "/scrollback?grep=" + Http.query(regex) + "&context=" + context, SEARCH);
    }

    /** The screen as an SVG image. */
    public String thumbnail(long id) {
        Ids.check("session", id);
        return http.text("/sessions/" + id + "/thumbnail");
    }

    /** The session read as a Win32_VirtualDesktopSession, with its Disconnect, Logoff and SendMessage. */
    public VirtualDesktop virtualDesktop(long id) {
        Ids.check("session", id);
        return new VirtualDesktop(http, id);
    }
}
