package dev.tether.server;

import dev.tether.api.ControlMessage;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.ClientHandle;
import dev.tether.core.Connections;
import dev.tether.core.Kernel;
import dev.tether.core.account.Caller;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /api/v1/sessions/{id}/attach}: checks the caller and the session while still plain
 * HTTP (so failures are ordinary error answers; {@link Origins} has checked Host and Origin), then
 * upgrades and attaches.
 */
final class Attach {
    static final String REVOKED = "token revoked";
    private final Kernel kernel;
    private final dev.tether.core.account.Accounts accounts;
    private final SlowClients connections;

    Attach(Kernel kernel, dev.tether.core.account.Accounts accounts, SlowClients connections) {
        this.kernel = kernel;
        this.accounts = accounts;
        this.connections = connections;
    }

    /** @param issuer the fingerprint of the token behind the call: revoking it ends the connection */
    void handle(RoutingContext ctx, Caller caller, String issuer, long id) {
        HttpServerRequest request = ctx.request();
        Integer cols = optionalSize(ctx, "cols");
        Integer rows = optionalSize(ctx, "rows");
        if ((cols == null) != (rows == null)) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "give both cols and rows, or neither");
        }
        Long offset = offset(ctx);
        String replayParam = ctx.queryParams().get("replay");
        if (replayParam != null && !replayParam.equals("screen") && !replayParam.equals("raw")) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "the query parameter replay=" + replayParam
                    + " must be screen (the session's screen first, the default) or raw (the output bytes the ring holds)");
        }
        int scrollback = Api.intParam(ctx, "scrollback", Connections.Replay.DEFAULT_SCROLLBACK, 0, 100_000);
        String mode = ctx.queryParams().get("mode");
        if (mode != null && !mode.equals("control") && !mode.equals("view")) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "the query parameter mode=" + mode
                    + " must be control (output and input, the default) or view (output only: input is refused)");
        }
        boolean view = "view".equals(mode);
        Connections.Replay replay = offset != null ? new Connections.Replay(offset, true, scrollback)
                : new Connections.Replay(null, "raw".equals(replayParam), scrollback);
        String client = ctx.queryParams().get("client");
        if (client != null && client.length() > 64) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "the client name is longer than 64 characters");
        }
        if (!request.canUpgradeToWebSocket()) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "attach is a WebSocket endpoint: send an Upgrade: websocket request");
        }
        request.pause();
        Future.fromCompletionStage(kernel.registry().get(caller, id), ctx.vertx().getOrCreateContext()).onComplete(found -> {
            if (found.failed() || !found.result().state().isLive()) {
                request.resume();
                Errors.reply(ctx.response(), found.failed() ? found.cause() : new TetherException(ResultCode.INVALID_STATE,
                        "session " + id + " is closed (" + found.result().closeReason() + "); start a new one"));
                return;
            }
            if (offset != null) {
                try {
                    kernel.connections().checkOffset(id, offset);
                } catch (TetherException e) {
                    request.resume();
                    Errors.reply(ctx.response(), e);
                    return;
                }
            }
            request.resume();
            request.toWebSocket().onSuccess(ws -> attach(request.connection(), ws, caller, issuer, id, cols, rows, client, replay, view))
                    .onFailure(e -> Errors.reply(ctx.response(), e));
        });
    }

    private void attach(io.vertx.core.http.HttpConnection connection, ServerWebSocket ws, Caller caller, String issuer, long id,
                        Integer cols, Integer rows, String client, Connections.Replay replay, boolean view) {
        ws.pause();
        var transport = new WebSocketClient(ws, id);
        connections.upgraded(connection, transport.closed()); // it counts against its address until it closes
        // Frames wait while paused, until the handle is known; a broken frame does not wait, so the
        // handlers are set before anything can arrive. Should a message come before the handle all
        // the same, it is refused rather than waited for: waiting would block this event loop, the
        // very thread that completes the attach.
        var attached = new CompletableFuture<ClientHandle>();
        var frames = new InboundFrames(text -> withHandle(attached, transport, handle -> control(handle, text, transport)),
                bytes -> withHandle(attached, transport, handle -> input(handle, bytes, transport)),
                (code, reason) -> {
                    attached.thenAccept(handle -> handle.gone(reason));
                    transport.violation(code, reason);
                });
        ws.frameHandler(frames::frame);
        ws.exceptionHandler(e -> {
            if (!frames.failed(e)) {
                attached.thenAccept(handle -> handle.gone("connection error: " + e.getMessage()));
            }
        });
        String remote = ws.remoteAddress() == null ? "unknown" : ws.remoteAddress().toString();
        Future.fromCompletionStage(kernel.connections().attach(caller, id, transport, cols, rows, client, remote, replay, view),
                io.vertx.core.Vertx.currentContext()).onComplete(result -> {
            if (result.failed()) {
                TetherException e = Errors.toTether(result.cause());
                transport.refuse(e);
                return;
            }
            // The transport has told the client "connecting" and "attached"; output is flowing.
            ClientHandle handle = result.result();
            // Recorded before the socket closes, so the close handler's "client closed" finds it gone already.
            AutoCloseable watch = accounts.whileValid(issuer, caller, () -> {
                handle.gone(REVOKED);
                transport.revoked(REVOKED);
            });
            // First, so a client that closed while attaching is let go (ConnectStateChange), not left ACTIVATED.
            transport.onClose(() -> {
                try {
                    watch.close();
                } catch (Exception ignored) {
                    // forgetting a stream cannot fail
                }
                handle.gone("client closed the connection");
            });
            attached.complete(handle);
            try {
                ws.resume();
            } catch (IllegalStateException closedMeanwhile) {
                handle.gone("client closed the connection");
            }
        });
    }

    private static void withHandle(CompletableFuture<ClientHandle> attached, WebSocketClient transport,
                                   java.util.function.Consumer<ClientHandle> action) {
        ClientHandle handle = attached.getNow(null);
        if (handle == null) {
            transport.violation(InboundFrames.PROTOCOL_ERROR, "a message came before the attach completed");
        } else {
            action.accept(handle);
        }
    }

    /** Input for the program; when the session's queue is full, none of it is taken and the client is told. */
    private static void input(ClientHandle handle, ByteBuffer bytes, WebSocketClient transport) {
        int length = bytes.remaining();
        try {
            handle.input(bytes);
        } catch (RuntimeException failure) {
            TetherException e = Errors.toTether(failure); // a server fault is logged there; the client hears of it either way
            transport.error(e.code(), e.code() != ResultCode.TOO_LARGE ? e.getMessage() : "input of " + length + " bytes for session "
                    + handle.sessionId() + " refused: the program is not reading and 1 MiB is queued already;"
                    + " none of it was written, send it again later");
        }
    }

    private static void control(ClientHandle handle, String text, WebSocketClient transport) {
        ControlMessage.ToServer message;
        try {
            message = Json.read(text.isBlank() ? "null" : text, ControlMessage.ToServer.class, "the control message");
        } catch (TetherException e) {
            transport.error(ResultCode.INVALID_PARAMETER, e.getMessage());
            return;
        }
        try {
            act(handle, message, transport);
        } catch (RuntimeException failure) {
            TetherException e = Errors.toTether(failure);
            transport.error(e.code(), e.getMessage());
        }
    }

    private static void act(ClientHandle handle, ControlMessage.ToServer message, WebSocketClient transport) {
        switch (message) {
            case ControlMessage.Resize r when r.cols() >= 1 && r.cols() <= 65535 && r.rows() >= 1 && r.rows() <= 65535 ->
                    handle.resize(r.cols(), r.rows());
            case ControlMessage.Resize r ->
                    transport.error(ResultCode.INVALID_PARAMETER, "a resize needs 'cols' and 'rows', each from 1 to 65535");
            case ControlMessage.Ack a when a.messageId() > 0 -> handle.acknowledge(a.messageId());
            case ControlMessage.Ack a ->
                    transport.error(ResultCode.INVALID_PARAMETER, "an ack needs the 'messageId' of the message it answers");
            case ControlMessage.Redraw r -> handle.redraw();
        }
    }

    /**
     * {@code offset}: the absolute output offset the client has (bytes of the session's output it
     * received in all), ASCII digits, at most 18 of them; null when not given.
     */
    private static Long offset(RoutingContext ctx) {
        String v = ctx.queryParams().get("offset");
        if (v == null) {
            return null;
        }
        if (!v.isEmpty() && v.length() <= 18 && v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Long.parseLong(v);
        }
        throw new TetherException(ResultCode.INVALID_PARAMETER, "the query parameter offset=" + v
                + " must be a whole number of bytes from 0 up to the session's output so far");
    }

    private static Integer optionalSize(RoutingContext ctx, String name) {
        return ctx.queryParams().get(name) == null ? null : Api.intParam(ctx, name, 0, 1, 65535);
    }
}
