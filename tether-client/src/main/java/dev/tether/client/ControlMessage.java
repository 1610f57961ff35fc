package dev.tether.client;

/**
 * The JSON text frames of an attached terminal. The server sends {@link Attached} first, {@link Resize}
 * when another client changes the size, and {@link Closed} before it closes the socket; kinds this SDK
 * does not know yet arrive as {@link Other}.
 */
public sealed interface ControlMessage {

    /** The attachment is live. {@code cols} x {@code rows} is the session's size now. */
    record Attached(long sessionId, long clientId, int cols, int rows) implements ControlMessage {
    }

    /** Another client set the session's size. */
    record Resize(int cols, int rows) implements ControlMessage {
    }

    /**
     * Why the attachment ended.
     *
     * @param kind {@code disconnected} (someone disconnected the session), {@code ended} (the session
     *     closed; {@code exitCode} set when its program exited), or on the client's side
     *     {@code detached} (this client let go) and {@code lost} (the connection failed)
     * @param reason a sentence, e.g. {@code disconnected by alice}, {@code program exited}
     */
    record Closed(String kind, String reason, Integer exitCode) implements ControlMessage {
        public static final String DISCONNECTED = "disconnected";
        public static final String ENDED = "ended";
        public static final String DETACHED = "detached";
        public static final String LOST = "lost";
    }

    /** A message type this SDK does not know, kept as its JSON text. */
    record Other(String type, String json) implements ControlMessage {
    }
}
