package dev.tether.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Terminal clients: attach WebSockets opened with Vert.x, so thousands of them cost a few event
 * loops in the bench and the figures measure Tether rather than the client.
 */
final class Clients implements AutoCloseable {
    private final Vertx vertx;
    private final WebSocketClient client;
    /** One context per event loop: a socket lives on the loop of the context it connects from. */
    private final List<Context> loops = new CopyOnWriteArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    Clients(int eventLoops) {
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops).setWorkerPoolSize(1)
                .setBlockedThreadCheckInterval(60_000));
        this.client = vertx.createWebSocketClient(new WebSocketClientOptions()
                .setMaxConnections(1_000_000).setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 24)
                .setConnectTimeout(60_000).setTcpNoDelay(true).setClosingTimeout(10));
        // Contexts made from one outside thread all share one event loop; a deployment's instances
        // get one each, so the clients' work spreads over every loop (measuring Tether, not one client thread).
        try {
            vertx.deployVerticle(() -> context -> {
                loops.add(context);
                return io.vertx.core.Future.succeededFuture();
            }, new DeploymentOptions().setInstances(eventLoops)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new BenchException("the bench's WebSocket clients did not start: " + e, e);
        }
    }

    /**
     * Opens {@code /sessions/{id}/attach}. {@code output} gets the terminal bytes on the client's
     * event loop. The future completes with the attachment once the socket is open; its
     * {@link Attachment#attached} completes on the server's {@code attached} message.
     */
    CompletableFuture<Attachment> attach(TetherProcess server, long sessionId, Consumer<Buffer> output) {
        var options = new WebSocketConnectOptions().setHost(server.url().getHost()).setPort(server.url().getPort())
                .setURI("/api/v1/sessions/" + sessionId + "/attach").addHeader("Authorization", "Bearer " + server.token())
                .setTimeout(120_000);
        // Handlers go on before connecting: the server speaks first ("connecting", "attached"),
        // possibly in the same read as the handshake's answer.
        ClientWebSocket ws = client.webSocket();
        var a = new Attachment(ws, sessionId);
        ws.binaryMessageHandler(output::accept);
        var result = new CompletableFuture<Attachment>();
        loops.get(Math.floorMod(next.getAndIncrement(), loops.size())).runOnContext(v -> ws.connect(options).onComplete(r -> {
            if (r.failed()) {
                result.completeExceptionally(new BenchException("attach to session " + sessionId + " failed: " + r.cause(), r.cause()));
            } else {
                result.complete(a);
            }
        }));
        return result;
    }

    Vertx vertx() {
        return vertx;
    }

    @Override
    public void close() {
        try {
            client.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new BenchException("the bench's WebSocket clients did not stop: " + e, e);
        }
    }

    /** One attached client. */
    static final class Attachment {
        final ClientWebSocket ws;
        final long sessionId;
        /** The {@code attached} control message. */
        final CompletableFuture<JsonNode> attached = new CompletableFuture<>();
        /** {@link System#nanoTime} when the socket closed. */
        final CompletableFuture<Long> closed = new CompletableFuture<>();
        volatile String closedReason;
        volatile long connectionId;

        Attachment(ClientWebSocket ws, long sessionId) {
            this.ws = ws;
            this.sessionId = sessionId;
            ws.textMessageHandler(this::control);
            ws.closeHandler(v -> {
                closed.complete(System.nanoTime());
                attached.completeExceptionally(new BenchException("session " + sessionId + " closed the attachment: "
                        + closedReason));
            });
            ws.exceptionHandler(e -> closedReason = closedReason == null ? e.toString() : closedReason);
        }

        private void control(String text) {
            try {
                JsonNode m = Rest.JSON.readTree(text);
                switch (m.path("type").asText()) {
                    case "connecting" -> connectionId = m.path("connectionId").asLong();
                    case "attached" -> attached.complete(m);
                    case "closed", "error" -> closedReason = m.path("reason").asText(m.path("message").asText());
                    default -> { }
                }
            } catch (IOException e) {
                closedReason = "a control message that is not JSON: " + text;
            }
        }

        void send(Buffer bytes) {
            ws.writeBinaryMessage(bytes);
        }

        void close() {
            ws.close();
        }
    }
}
