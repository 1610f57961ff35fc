package dev.tether.client;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A session read as a Win32_VirtualDesktopSession ({@code /sessions/{id}/virtual-desktop}): its
 * properties, and Disconnect(), Logoff() and SendMessage(title, message), each answering a uint32
 * ReturnValue: 0 on success, otherwise the Windows error code of what went wrong.
 */
public final class VirtualDesktop {
    private static final JavaType VIEW = Json.type(View.class);
    private static final JavaType RESULT = Json.type(Result.class);

    private final Http http;
    private final long sessionId;

    VirtualDesktop(Http http, long sessionId) {
        this.http = http;
        this.sessionId = sessionId;
    }

    /**
     * The WMI properties, named as WMI names them on the wire.
     *
     * @param vmHostName the server's name
     * @param connectState the WTS_CONNECTSTATE_CLASS number (ACTIVE 0, DISCONNECTED 4, ...)
     * @param domainName the server's realm ({@code local} by default)
     * @param collectionId what the session was started from: its command's name for now
     * @param clientMachineName the last client's name, or null when none ever connected
     */
    public record View(
            @JsonProperty("VMHostName") String vmHostName,
            @JsonProperty("SessionId") long sessionId,
            @JsonProperty("ConnectState") int connectState,
            @JsonProperty("UserName") String userName,
            @JsonProperty("DomainName") String domainName,
            @JsonProperty("CollectionId") String collectionId,
            @JsonProperty("ClientMachineName") String clientMachineName) {
    }

    /**
     * What a method answered.
     *
     * @param returnValue 0 on success, else the Windows error code (NOT_FOUND 1168, ACCESS_DENIED 5, ...)
     * @param message the server's sentence: {@code done}, or what went wrong with which target
     */
    public record Result(
            @JsonProperty("ReturnValue") long returnValue,
            @JsonProperty("Method") String method,
            @JsonProperty("Message") String message) {

        public boolean succeeded() {
            return returnValue == 0;
        }
    }

    public long sessionId() {
        return sessionId;
    }

    /** The properties now; NOT_FOUND for an unknown session or another user's. */
    public View view() {
        return http.get(path(), VIEW);
    }

    /** Disconnect(): every client lets go, the programs keep running; answers when done. */
    public Result disconnect() {
        return invoke("disconnect", null);
    }

    /** Logoff(): the session's programs are ended; answers when done. */
    public Result logoff() {
        return invoke("logoff", null);
    }

    /** SendMessage(title, message): shown to every attached client, not waited for. */
    public Result sendMessage(String title, String message) {
        return invoke("send-message", Json.object().put("title", title).put("message", message));
    }

    private Result invoke(String method, JsonNode body) {
        return http.post(path() + "/" + method, body, RESULT);
    }

    private String path() {
        return "/sessions/" + sessionId + "/virtual-desktop";
    }
}
