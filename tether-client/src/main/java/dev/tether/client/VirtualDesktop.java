package dev.tether.client;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.api.Bodies;

/**
 * A session read as a Win32_VirtualDesktopSession ({@code /sessions/{id}/virtual-desktop}): its
 * properties, and Disconnect(), Logoff() and SendMessage(title, message), each answering a uint32
 * ReturnValue: 0 on success, otherwise the Windows error code of what went wrong.
 */
public final class VirtualDesktop {
    private static final JavaType VIEW = Json.type(Bodies.VirtualDesktopView.class);
    private static final JavaType RESULT = Json.type(Bodies.VirtualDesktopResult.class);

    private final Http http;
    private final long sessionId;

    VirtualDesktop(Http http, long sessionId) {
        this.http = http;
        this.sessionId = sessionId;
    }

    public long sessionId() {
        return sessionId;
    }

    /** The properties now; NOT_FOUND for an unknown session or another user's. */
    public Bodies.VirtualDesktopView view() {
        return http.get(path(), VIEW);
    }

    /** Disconnect(): every client lets go, the programs keep running; answers when done. */
    public Bodies.VirtualDesktopResult disconnect() {
        return invoke("disconnect", null);
    }

    /** Logoff(): the session's programs are ended; answers when done. */
    public Bodies.VirtualDesktopResult logoff() {
        return invoke("logoff", null);
    }

    /** SendMessage(title, message): shown to every attached client, not waited for. */
    public Bodies.VirtualDesktopResult sendMessage(String title, String message) {
        return invoke("send-message", Json.tree(new Bodies.VirtualDesktopMessage(title, message)));
    }

    private Bodies.VirtualDesktopResult invoke(String method, JsonNode body) {
        return http.post(path() + "/" + method, body, RESULT);
    }

    private String path() {
        return "/sessions/" + sessionId + "/virtual-desktop";
    }
}
