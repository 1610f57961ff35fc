package dev.tether.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A WebSocket client of the attach endpoint, as a program would use it: collects the terminal
 * bytes and the control messages. With {@code reading=false} it never asks for more frames,
 * like a client that stopped reading.
 */
final class TestTerminal implements WebSocket.Listener {
    final ByteArrayOutputStream output = new ByteArrayOutputStream();
    final BlockingQueue<JsonNode> controls = new LinkedBlockingQueue<>();
    /** Every control message received, in order; {@link #control} takes from {@link #controls} only. */
    final List<JsonNode> received = new CopyOnWriteArrayList<>();
    final CompletableFuture<Integer> closedWith = new CompletableFuture<>();
    final CompletableFuture<String> closeReason = new CompletableFuture<>();
    final AtomicLong bytes = new AtomicLong();
    /** Bytes of the last screen still to come, and the output bytes received after it (see {@link #position}). */
    private long screenLeft;
    private long afterScreen;
    private volatile long screenOffset = -1;
    private final AtomicBoolean reading;
    private final StringBuilder text = new StringBuilder();
    WebSocket ws;

    private TestTerminal(boolean reading) {
        this.reading = new AtomicBoolean(reading);
    }

    static TestTerminal open(URI server, String token, long sessionId, String query) {
        return open(server, token, sessionId, query, true);
    }

    static TestTerminal open(URI server, String token, long sessionId, String query, boolean reading) {
        return open(HttpClient.newHttpClient(), server, token, sessionId, query, reading);
    }

    /** With an HttpClient of the caller's, shared by many terminals (each client has its own selector thread). */
    static TestTerminal open(HttpClient http, URI server, String token, long sessionId, String query, boolean reading) {
        var t = new TestTerminal(reading);
        URI uri = URI.create("ws://" + server.getAuthority() + "/api/v1/sessions/" + sessionId + "/attach"
                + (query == null ? "" : "?" + query));
        var builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (token != null) { // null: the query carries a ticket instead
            builder.header("Authorization", "Bearer " + token);
        }
        t.ws = builder.buildAsync(uri, t).join();
        return t;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(reading.get() ? Long.MAX_VALUE : 1);
    }

    /** The screen keeps the last 1 MiB: tests of floods must not fill the heap they share with the server. */
    static final int SCREEN_BYTES = 1 << 20;

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] b = new byte[data.remaining()];
        data.get(b);
        synchronized (output) {
            if (output.size() + b.length > 2 * SCREEN_BYTES) {
                byte[] all = output.toByteArray();
                output.reset();
                output.write(all, all.length - SCREEN_BYTES, SCREEN_BYTES);
            }
            output.writeBytes(b);
        }
        bytes.addAndGet(b.length);
        synchronized (this) {
            long drawing = Math.min(screenLeft, b.length);
            screenLeft -= drawing;
            afterScreen += b.length - drawing;
        }
        return null;
    }

    /**
     * The output offset of the next byte, as a client counts it: the last {@code screen}'s offset plus
     * the output after its bytes; without a screen, {@code attached.offset} plus every byte and every
     * {@code lost}.
     */
    synchronized long position() {
        if (screenOffset >= 0) {
            return screenOffset + afterScreen;
        }
        long lost = received.stream().filter(m -> m.path("type").asText().equals("lost")).mapToLong(m -> m.get("bytes").asLong()).sum();
        long attachedAt = received.stream().filter(m -> m.path("type").asText().equals("attached")).findFirst()
                .map(m -> m.get("offset").asLong()).orElse(0L);
        return attachedAt + lost + bytes.get();
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            try {
                JsonNode message = Json.MAPPER.readTree(text.toString());
                if (message.path("type").asText().equals("screen")) {
                    synchronized (this) {
                        screenOffset = message.get("offset").asLong();
                        screenLeft = message.get("bytes").asLong();
                        afterScreen = 0;
                    }
                }
                received.add(message);
                controls.add(message);
            } catch (Exception e) {
                throw new IllegalStateException("not JSON: " + text, e);
            }
            text.setLength(0);
        }
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeReason.complete(reason);
        closedWith.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closedWith.complete(-1);
    }

    String screen() {
        synchronized (output) {
            return output.toString(StandardCharsets.UTF_8);
        }
    }

    /** The next control message of the given type, waiting up to 10 s. */
    JsonNode control(String type) {
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < end) {
                JsonNode m = controls.poll(100, TimeUnit.MILLISECONDS);
                if (m != null && type.equals(m.path("type").asText())) {
                    return m;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new AssertionError("no '" + type + "' control message within 10 s; output so far: " + screen());
    }

    void type(String s) {
        ws.sendBinary(ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)), true).join();
    }

    void sendControl(String json) {
        ws.sendText(json, true).join();
    }

    void leave() {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
    }
}
