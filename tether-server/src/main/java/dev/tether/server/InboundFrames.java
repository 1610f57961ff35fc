package dev.tether.server;

import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Reassembles a client's WebSocket frames into messages, enforcing what RFC 6455 and our limits
 * ask: a message over {@link #MAX_MESSAGE} closes with 1009, text that is not UTF-8 with 1007,
 * frames out of order (or with RSV bits, which Netty reports) with 1002. Vert.x's own aggregation
 * is not used: it decodes text leniently and, past its size limit, neither closes nor says why.
 * Runs on the connection's event loop only.
 */
final class InboundFrames {
    static final int MAX_MESSAGE = 256 * 1024;
    static final short PROTOCOL_ERROR = 1002;
    static final short INVALID_DATA = 1007;
    static final short TOO_BIG = 1009;

    private final Consumer<String> text;
    private final Consumer<ByteBuffer> binary;
    private final BiConsumer<Short, String> violation;
    private Buffer partial;
    private boolean partialIsText;
    private boolean broken;

    /** Complete messages go to {@code text} and {@code binary}; a client that broke the rules to {@code violation(code, reason)}. */
    InboundFrames(Consumer<String> text, Consumer<ByteBuffer> binary, BiConsumer<Short, String> violation) {
        this.text = text;
        this.binary = binary;
        this.violation = violation;
    }

    void frame(WebSocketFrame frame) {
        if (broken) {
            return;
        }
        if (frame.isText() || frame.isBinary()) {
            if (partial != null) {
                fail(PROTOCOL_ERROR, "a new message began before the last one ended");
                return;
            }
            partial = Buffer.buffer();
            partialIsText = frame.isText();
        } else if (frame.isContinuation()) {
            if (partial == null) {
                fail(PROTOCOL_ERROR, "a continuation frame came with no message to continue");
                return;
            }
        } else {
            return; // ping, pong and close: Vert.x answers those
        }
        Buffer data = frame.binaryData();
        if (partial.length() + data.length() > MAX_MESSAGE) {
            fail(TOO_BIG, "a message is larger than " + MAX_MESSAGE / 1024 + " KiB");
            return;
        }
        partial.appendBuffer(data);
        if (!frame.isFinal()) {
            return;
        }
        Buffer message = partial;
        partial = null;
        if (!partialIsText) {
            binary.accept(ByteBuffer.wrap(message.getBytes()));
            return;
        }
        try {
            text.accept(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(message.getBytes())).toString());
        } catch (CharacterCodingException e) {
            fail(INVALID_DATA, "a text frame is not valid UTF-8");
        }
    }

    /** Netty's decoder found a broken frame (too large, RSV bits set, unmasked, ...): close with its code. */
    boolean failed(Throwable e) {
        if (e instanceof CorruptedWebSocketFrameException c) {
            fail((short) c.closeStatus().code(), c.closeStatus().code() == TOO_BIG
                    ? "a frame is larger than 64 KiB" : "a frame broke the WebSocket protocol: " + c.getMessage());
            return true;
        }
        return false;
    }

    private void fail(short code, String reason) {
        broken = true;
        partial = null;
        violation.accept(code, reason);
    }
}
