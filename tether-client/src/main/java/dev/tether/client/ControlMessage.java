package dev.tether.client;

/**
 * The JSON text frames of an attached terminal. The server sends {@link Connecting} first (the connect
 * request exists), then {@link Attached} (the connection is ACTIVATED), {@link Resize} when another
 * client changes the size, {@link Lock} / {@link Unlock} around a locked period, {@link Message} for
 * WTSSendMessage, {@link Error} when it refuses something, and {@link Closed} before it closes the
 * socket; kinds this SDK does not know yet arrive as {@link Other}.
 */
public sealed interface ControlMessage {

    /**
     * The server accepted the attach: the connection exists (ACTIVATING) and {@code requestId} is the
     * connect request, which a ConnectComplete event with the same id completes.
     */
    record Connecting(long connectionId, long requestId) implements ControlMessage {
    }

    /** The connection is ACTIVATED. {@code cols} x {@code rows} is the session's size now. */
    record Attached(long sessionId, long connectionId, long requestId, int cols, int rows) implements ControlMessage {

        /** The client's id in the session's records: its connection id. */
        public long clientId() {
            return connectionId;
        }
    }

    /** Another client set the session's size. */
    record Resize(int cols, int rows) implements ControlMessage {
    }

    /**
     * The session is locked (Lock-WmsSession): show a lock screen with {@code message}. Until
     * {@link Unlock}, the server ignores input and holds output back.
     */
    record Lock(String message) implements ControlMessage {
    }

    /** The session is unlocked: restore the screen; held output follows. */
    record Unlock() implements ControlMessage {
    }

    /**
     * A message to show (WTSSendMessage). Acknowledge it with {@link TerminalConnection#acknowledge}; a
     * sender waiting for the answer then hears OK instead of TIMEOUT.
     *
     * @param timeoutSeconds how long the sender waits for an acknowledgement; 0 for no limit
     */
    record Message(long messageId, String title, String text, int timeoutSeconds) implements ControlMessage {
    }

    /**
     * Why the attachment ended.
     *
     * @param kind {@code disconnected} (someone disconnected the session), {@code ended} (the session
     *     closed; {@code exitCode} set when its program exited), or on the client's side
     *     {@code detached} (this client let go), {@code refused} (the server sent an {@link Error} and
     *     closed the socket; the reason is {@code CODE: message}) and {@code lost} (the connection failed)
     * @param reason a sentence, e.g. {@code disconnected by alice}, {@code program exited}
     */
    record Closed(String kind, String reason, Integer exitCode) implements ControlMessage {
        public static final String DISCONNECTED = "disconnected";
        public static final String ENDED = "ended";
        public static final String DETACHED = "detached";
        public static final String REFUSED = "refused";
        public static final String LOST = "lost";
    }

    /**
     * The server did not accept something: a malformed control message (the attachment goes on), or
     * the attach itself after the upgrade (the socket is then closed).
     *
     * @param error the result code's name, e.g. {@code INVALID_STATE}
     */
    record Error(String error, String message) implements ControlMessage {
    }

    /** A message type this SDK does not know, kept as its JSON text. */
    record Other(String type, String json) implements ControlMessage {
    }
}
