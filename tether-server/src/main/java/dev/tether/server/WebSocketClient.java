package dev.tether.server;

import dev.tether.api.ControlMessage;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.ClientTransport;
import dev.tether.core.EndNotice;
import io.netty.buffer.Unpooled;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client attached over WebSocket. Output is written from the PTY loop (Vert.x hands it to the
 * connection's event loop in order).
 *
 * <p>Flow control counts the bytes in flight itself: added on send, subtracted when Vert.x reports
 * the frame written to the socket. Past {@link #HIGH_WATER} the client is full; when it drops to
 * {@link #LOW_WATER} the terminal is told it may send again. (Vert.x's own drain signal proved
 * unreliable for writes from a thread that is not the connection's: an edge could be lost and the
 * client would starve.) So one client holds at most about {@code HIGH_WATER} + one chunk.
 */
final class WebSocketClient implements ClientTransport {
    static final int HIGH_WATER = 256 * 1024;
    static final int LOW_WATER = 64 * 1024;
    private static final short NORMAL = 1000;
    private static final short POLICY = 1008;
    /** RFC 6455 §7.4.1 (IANA registry): the service is restarting; the client may reconnect. */
    private static final short SERVICE_RESTART = 1012;

    private final ServerWebSocket ws;
    private final long sessionId;
    private final Context context;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicBoolean wantsWritable = new AtomicBoolean();
    private volatile Runnable writable = () -> { };
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile Runnable onClose = () -> { };

    WebSocketClient(ServerWebSocket ws, long sessionId) {
        this.ws = ws;
        this.sessionId = sessionId;
        this.context = Vertx.currentContext();
        ws.closeHandler(v -> {
            closed.complete(null);
            onClose.run();
        });
    }

    /** Completes when the socket has closed, whoever closed it. */
    CompletionStage<Void> closed() {
        return closed.copy();
    }

    /** Runs when the socket closes, whoever closed it; at once if it closed already (actions are idempotent). */
    void onClose(Runnable action) {
        this.onClose = action;
        if (closed.isDone()) {
            action.run();
        }
    }

    @Override
    public boolean send(ByteBuffer output) {
        int length = output.remaining();
        long pending = inFlight.addAndGet(length);
        // The bytes never change and are shared by every client of this output: wrapped, not copied.
        ws.writeBinaryMessage(BufferInternal.buffer(Unpooled.wrappedBuffer(output))).onComplete(r -> written(length));
        if (pending < HIGH_WATER) {
            return true;
        }
        wantsWritable.set(true);
        // A completion may have brought it down before the flag was set: then it is not full after all.
        return inFlight.get() <= LOW_WATER && wantsWritable.compareAndSet(true, false);
    }

    /** The screen: a {@code screen} control message with its length, then its bytes, before the output that follows it. */
    @Override
    public boolean screen(ByteBuffer snapshot, long offset) {
        send(new ControlMessage.Screen(offset, snapshot.remaining()));
        return send(snapshot);
    }

    private void written(int length) {
        if (inFlight.addAndGet(-length) <= LOW_WATER && wantsWritable.compareAndSet(true, false)) {
            writable.run();
        }
    }

    @Override
    public void onWritable(Runnable callback) {
        this.writable = callback;
    }

    @Override
    public void pauseInput() {
        context.runOnContext(v -> ws.pause());
    }

    @Override
    public void resumeInput() {
        context.runOnContext(v -> ws.resume());
    }

    @Override
    public void tooSlow() {
        end(EndNotice.disconnected("too slow"));
    }

    @Override
    public void connecting(long connectionId, long requestId) {
        send(new ControlMessage.Connecting(connectionId, requestId));
    }

    @Override
    public void activated(long connectionId, long requestId, int cols, int rows, long offset) {
        send(new ControlMessage.Attached(sessionId, connectionId, requestId, cols, rows, offset));
    }

    /** Sent from the PTY loop before the next binary frame, so it lands between the right bytes. */
    @Override
    public void lost(long bytes) {
        send(new ControlMessage.Lost(bytes));
    }

    @Override
    public void locked(String message) {
        send(new ControlMessage.Lock(message));
    }

    @Override
    public void unlocked() {
        send(new ControlMessage.Unlock());
    }

    @Override
    public void message(long messageId, String title, String text, int timeoutSeconds) {
        send(new ControlMessage.Message(messageId, title, text, timeoutSeconds));
    }

    @Override
    public void resized(int cols, int rows) {
        send(new ControlMessage.Resize(cols, rows));
    }

    @Override
    public CompletionStage<Void> end(EndNotice notice) {
        if (ended.compareAndSet(false, true)) {
            String kind = switch (notice.kind()) {
                case ENDED -> ControlMessage.Closed.ENDED;
                case DISCONNECTED -> ControlMessage.Closed.DISCONNECTED;
                case RESTARTING -> ControlMessage.Closed.RESTARTING;
            };
            send(new ControlMessage.Closed(kind, notice.reason(), notice.exitCode()));
            ws.close(notice.kind() == EndNotice.Kind.RESTARTING ? SERVICE_RESTART : NORMAL, closeReason(notice.reason()));
        }
        return closed;
    }

    /**
     * The token that opened this connection was revoked: a {@code closed} control message with
     * the reason and close code 1008, unless the connection was already ending another way.
     */
    void revoked(String reason) {
        if (ended.compareAndSet(false, true)) {
            send(new ControlMessage.Closed(ControlMessage.Closed.DISCONNECTED, reason, null));
            ws.close(POLICY, closeReason(reason));
        }
    }

    /** The attach was refused after the upgrade: say why and close with a policy code. */
    void refuse(TetherException e) {
        if (ended.compareAndSet(false, true)) {
            send(new ControlMessage.Error(e.code(), e.getMessage()));
            ws.close(POLICY, closeReason(e.getMessage()));
        }
    }

    /** Tells the client what was wrong with something it sent; the connection goes on. */
    void error(ResultCode code, String message) {
        send(new ControlMessage.Error(code, message));
    }

    /** The client broke the WebSocket protocol or a limit: close with the RFC 6455 {@code code} and say why. */
    void violation(short code, String reason) {
        if (ended.compareAndSet(false, true)) {
            ws.close(code, closeReason(reason));
        }
    }

    private void send(ControlMessage.ToClient message) {
        ws.writeTextMessage(Json.write(message));
    }

    /** A WebSocket close reason is at most 123 bytes of UTF-8. */
    static String closeReason(String reason) {
        byte[] b = reason.getBytes(StandardCharsets.UTF_8);
        if (b.length <= 123) {
            return reason;
        }
        String cut = new String(b, 0, 120, StandardCharsets.UTF_8);
        return cut.substring(0, Math.max(0, cut.length() - 1)) + "...";
    }
}
