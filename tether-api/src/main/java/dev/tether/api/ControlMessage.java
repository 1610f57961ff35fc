package dev.tether.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;

/**
 * The JSON text frames of the attach WebSocket, in both directions: {@code {"type":"attached",...}},
 * the fields of each record after {@code type}, in order. Binary frames carry the terminal's bytes.
 *
 * <p>The server sends {@link ToClient}: {@link Connecting} first (the connect request exists), then
 * {@link Attached} (the connection is ACTIVATED), {@link Screen} before the bytes that draw the session's screen, {@link Resize} when another client changes the size,
 * {@link Lock} / {@link Unlock} around a locked period, {@link Message} for WTSSendMessage, {@link Lost}
 * when output this client is owed is no longer held, {@link Error} when it refuses something, and
 * {@link Closed} before it closes the socket. A client sends {@link ToServer}: {@link Resize} and {@link Ack}.
 *
 * <p><b>Offsets.</b> Every byte of a session's output has an absolute offset in its output stream (the
 * first byte the program ever wrote is 0). A client's position is {@link Attached#offset()}, plus the
 * length of every binary frame since, plus every {@link Lost#bytes()}; after a {@link Screen} it is
 * {@link Screen#offset()} plus what follows the screen's bytes; attaching again with
 * {@code ?offset=} that position resumes the stream with no gap and no duplicate.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
public sealed interface ControlMessage {

    /** What the server sends. A reader meeting a type it does not know gets {@link Other}. */
    @JsonSubTypes({@JsonSubTypes.Type(Connecting.class), @JsonSubTypes.Type(Attached.class), @JsonSubTypes.Type(Resize.class),
            @JsonSubTypes.Type(Lock.class), @JsonSubTypes.Type(Unlock.class), @JsonSubTypes.Type(Message.class),
            @JsonSubTypes.Type(Lost.class), @JsonSubTypes.Type(Screen.class), @JsonSubTypes.Type(Closed.class),
            @JsonSubTypes.Type(Error.class)})
    sealed interface ToClient extends ControlMessage {
    }

    /** What a client sends. */
    @JsonSubTypes({@JsonSubTypes.Type(Resize.class), @JsonSubTypes.Type(Ack.class), @JsonSubTypes.Type(Redraw.class)})
    sealed interface ToServer extends ControlMessage {
    }

    /**
     * The server accepted the attach: the connection exists (ACTIVATING) and {@code requestId} is the
     * connect request, which a ConnectComplete event with the same id completes.
     */
    @JsonTypeName("connecting")
    record Connecting(long connectionId, long requestId) implements ToClient {
    }

    /**
     * The connection is ACTIVATED. {@code cols} x {@code rows} is the session's size now.
     *
     * @param clientId the connection id under its older name, kept for clients written against it
     * @param offset the output offset of the first byte the server sends on this connection: the
     *     {@code offset} the attach asked for, the oldest byte the session's ring still holds with
     *     {@code replay=raw}, else the output so far (a {@link Screen} comes first and says its own;
     *     a {@link Lost} before the first binary frame says the ring no longer held some of it)
     */
    @JsonTypeName("attached")
    @JsonPropertyOrder({"sessionId", "connectionId", "clientId", "requestId", "cols", "rows", "offset"})
    record Attached(long sessionId, long connectionId, long clientId, long requestId, int cols, int rows, long offset)
            implements ToClient {

        public Attached(long sessionId, long connectionId, long requestId, int cols, int rows, long offset) {
            this(sessionId, connectionId, connectionId, requestId, cols, rows, offset);
        }
    }

    /**
     * {@code bytes} of output this client was owed are no longer in the session's ring and are
     * skipped: the next binary frame starts that much further on. Sent when a resume offset is
     * older than the ring's oldest byte, and when a locked session's held output outgrew the ring.
     */
    @JsonTypeName("lost")
    record Lost(long bytes) implements ToClient {
    }

    /**
     * The next {@code bytes} bytes of binary frames draw the session's screen: written to a terminal
     * of the session's size, they reset it and make it show what a terminal that saw the whole output
     * shows (both screens, the modes, the cursor and scrollback lines; never a terminal query). They
     * are not output: the client's position is {@code offset} once they are through, and the output
     * from {@code offset} follows. Sent at attach unless the attach asked for {@code replay=raw}, and
     * on a resume whose offset the session's ring no longer holds.
     */
    @JsonTypeName("screen")
    record Screen(long offset, int bytes) implements ToClient {
    }

    /** From the server: another client set the session's size. From a client: its window's size (1 to 65535 each). */
    @JsonTypeName("resize")
    record Resize(int cols, int rows) implements ToClient, ToServer {
    }

    /**
     * The session is locked (Lock-WmsSession): show a lock screen with {@code message}. Until
     * {@link Unlock}, the server ignores input and holds output back.
     */
    @JsonTypeName("lock")
    record Lock(String message) implements ToClient {
    }

    /** The session is unlocked: restore the screen; held output follows. */
    @JsonTypeName("unlock")
    record Unlock() implements ToClient {
    }

    /**
     * A message to show (WTSSendMessage). Acknowledge it with {@link Ack}; a sender waiting for the
     * answer then hears OK instead of TIMEOUT.
     *
     * @param timeoutSeconds how long the sender waits for an acknowledgement; 0 for no limit
     */
    @JsonTypeName("message")
    record Message(long messageId, String title, String text, int timeoutSeconds) implements ToClient {
    }

    /**
     * Why the attachment ended.
     *
     * @param kind {@code disconnected} (someone disconnected the session), {@code ended} (the session
     *     closed; {@code exitCode} set when its program exited), or on the client's side
     *     {@code detached} (this client let go), {@code refused} (the server sent an {@link Error} and
     *     closed the socket; the reason is {@code CODE: message}) and {@code lost} (the connection failed)
     * @param reason a sentence, e.g. {@code disconnected by alice}, {@code program exited}
     * @param exitCode the program's exit status; absent unless the program ended
     */
    @JsonTypeName("closed")
    record Closed(String kind, String reason, @JsonInclude(JsonInclude.Include.NON_NULL) Integer exitCode) implements ToClient {
        public static final String DISCONNECTED = "disconnected";
        public static final String ENDED = "ended";
        /** The server stops and the session goes on in the keeper: reconnect (close code 1012). */
        public static final String RESTARTING = "restarting";
        public static final String DETACHED = "detached";
        public static final String REFUSED = "refused";
        public static final String LOST = "lost";
    }

    /**
     * The server did not accept something: a malformed control message (the attachment goes on), or
     * the attach itself after the upgrade (the socket is then closed).
     *
     * @param error the result code (null in a reader that does not know it)
     * @param code the Windows error code of {@code error}
     */
    @JsonTypeName("error")
    record Error(ResultCode error, int code, String message) implements ToClient {

        public Error(ResultCode error, String message) {
            this(error, error.windowsCode(), message);
        }
    }

    /**
     * A client asks for its screen again (after drawing over it: a message banner, a status line):
     * the server answers with a {@link Screen} and its bytes, without scrollback, then the output from
     * there. The program is asked nothing.
     */
    @JsonTypeName("redraw")
    record Redraw() implements ToServer {
    }

    /** A client acknowledges the {@link Message} {@code messageId} (the user dismissed it). */
    @JsonTypeName("ack")
    record Ack(long messageId) implements ToServer {
    }

    /** A message type this reader does not know, kept as its JSON text. Never sent. */
    record Other(String type, String json) implements ToClient {
    }
}
