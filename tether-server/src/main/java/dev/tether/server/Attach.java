package dev.tether.server;

import dev.tether.core.Caller;
import dev.tether.core.ClientHandle;
import dev.tether.core.ResultCode;
import dev.tether.core.SessionService;
import dev.tether.core.TetherException;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * {@code GET /api/v1/sessions/{id}/attach}: checks the caller and the session while still plain
 * HTTP (so failures are ordinary error answers; {@link Origins} has checked Host and Origin), then
 * upgrades and attaches.
 */
final class Attach {
    static final String REVOKED = "token revoked";
    private final SessionService sessions;
    private final dev.tether.core.Accounts accounts;

    Attach(SessionService sessions, dev.tether.core.Accounts accounts) {
        this.sessions = sessions;
        this.accounts = accounts;
    }

    /** @param issuer the fingerprint of the token behind the call: revoking it ends the connection */
    void handle(RoutingContext ctx, Caller caller, String issuer, long id) {
        HttpServerRequest request = ctx.request();
        Integer cols = optionalSize(ctx, "cols");
        Integer rows = optionalSize(ctx, "rows");
        if ((cols == null) != (rows == null)) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "give both cols and rows, or neither");
        }
        String client = ctx.queryParams().get("client");
        if (client != null && client.length() > 64) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "the client name is longer than 64 characters");
        }
        if (!request.canUpgradeToWebSocket()) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "attach is a WebSocket endpoint: send an Upgrade: websocket request");
        }
        request.pause();
        Future.fromCompletionStage(sessions.get(caller, id), ctx.vertx().getOrCreateContext()).onComplete(found -> {
            if (found.failed() || !found.result().state().isLive()) {
                request.resume();
                Errors.reply(ctx.response(), found.failed() ? found.cause() : new TetherException(ResultCode.INVALID_STATE,
                        "session " + id + " is closed (" + found.result().closeReason() + "); start a new one"));
                return;
            }
            request.resume();
            request.toWebSocket().onSuccess(ws -> attach(ws, caller, issuer, id, cols, rows, client))
                    .onFailure(e -> Errors.reply(ctx.response(), e));
        });
    }

    private void attach(ServerWebSocket ws, Caller caller, String issuer, long id, Integer cols, Integer rows, String client) {
        ws.pause();
        var transport = new WebSocketClient(ws, id);
        String remote = ws.remoteAddress() == null ? "unknown" : ws.remoteAddress().toString();
        Future.fromCompletionStage(sessions.attach(caller, id, transport, cols, rows, client, remote),
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
            try {
                ws.binaryMessageHandler(buffer -> handle.input(ByteBuffer.wrap(buffer.getBytes())));
                ws.textMessageHandler(text -> control(handle, text, transport));
                ws.exceptionHandler(e -> handle.gone("connection error: " + e.getMessage()));
                ws.resume();
            } catch (IllegalStateException closedMeanwhile) {
                handle.gone("client closed the connection");
            }
        });
    }

    private static void control(ClientHandle handle, String text, WebSocketClient transport) {
        Map<?, ?> message;
        try {
            message = Json.MAPPER.readValue(text, Map.class);
        } catch (Exception e) {
            transport.error("a control message is not JSON");
            return;
        }
        if ("resize".equals(message.get("type")) && message.get("cols") instanceof Integer c && message.get("rows") instanceof Integer r
                && c >= 1 && c <= 65535 && r >= 1 && r <= 65535) {
            handle.resize(c, r);
        } else if ("ack".equals(message.get("type")) && message.get("messageId") instanceof Number id) {
            handle.acknowledge(id.longValue());
        } else {
            transport.error("unknown or malformed control message; known: {\"type\":\"resize\",\"cols\":C,\"rows\":R}"
                    + " and {\"type\":\"ack\",\"messageId\":N}");
        }
    }

    private static Integer optionalSize(RoutingContext ctx, String name) {
        return ctx.queryParams().get(name) == null ? null : Api.intParam(ctx, name, 0, 1, 65535);
    }
}
