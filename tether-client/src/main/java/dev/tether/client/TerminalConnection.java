package dev.tether.client;

import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import dev.tether.api.ControlMessage;
import dev.tether.api.Ids;
import dev.tether.api.ResultCode;
import dev.tether.api.SessionInfo;
import dev.tether.api.SessionState;
import dev.tether.api.TetherException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * One client attached to a session's terminal over {@code /sessions/{id}/attach}: send keystrokes and
 * size changes, acknowledge messages, hear output and control messages through an {@link AttachListener}.
 *
 * <p>Connect is asynchronous, as IMbnConnection::Connect is: {@link TetherClient#attach} returns as soon
 * as the server has made the connection (its {@link #connectionId()} and connect {@link #requestId()}
 * are known then); {@link #activated()} completes when it is ACTIVATED, which the ConnectComplete event
 * carrying the same request id also announces.
 *
 * <p>Sends are queued in order, one on the wire at a time (the JDK's WebSocket allows no more), and
 * split into frames of at most {@value #MAX_FRAME} bytes, the server's limit.
 *
 * <p><b>Reconnect.</b> When the socket is lost after the connection was ACTIVATED — the server
 * restarted (close code 1012), crashed or the network broke (1006, a reset, connection refused) — the
 * connection attaches again by itself, waiting 0.5 s, then twice as long each time up to 30 s (each wait
 * ±20 % at random, so that many clients do not come back at once), for as long as
 * {@link TetherClient.Builder#reconnectFor} allows (10 minutes by default). It asks to resume at its
 * {@link #offset()}, so the output continues with no gap and no duplicate; when the session's ring no
 * longer holds what was missed, a {@link ControlMessage.Lost} says how much was skipped. The listener
 * hears {@link AttachListener#onReconnecting} before each try and {@link AttachListener#onReconnected}
 * after. A definitive end is not retried: the session ended, an administrator disconnected the
 * connection, the server refused the attach (an HTTP 4xx, a policy close), or {@link #detach()}.
 *
 * <p><b>Input while reconnecting is refused, not queued:</b> {@link #send} fails with INVALID_STATE
 * at once, saying so, because keys typed blind and delivered later could run commands the user never
 * saw a prompt for. A {@link #resize} meanwhile is kept and applied on the reconnect.
 */
public final class TerminalConnection implements AutoCloseable {
    static final int MAX_FRAME = 64 * 1024;
    private static final System.Logger LOG = System.getLogger(TerminalConnection.class.getName());

    private static final Duration FIRST_WAIT = Duration.ofMillis(500);
    private static final Duration LONGEST_WAIT = Duration.ofSeconds(30);

    private final long sessionId;
    private final AttachListener listener;
    private final Http http;
    private final Sessions sessions;
    private final String clientName;
    private final Duration reconnectFor;
    private volatile int cols;
    private volatile int rows;
    /** The output offset of the next byte: {@link ControlMessage.Attached#offset()}, plus every byte and every lost byte since. */
    private volatile long offset = -1;
    /** Attached with {@code mode=view}: output only. */
    private final boolean viewOnly;
    /** Bytes still to come of a screen the server announced ({@link ControlMessage.Screen}): not output, not counted. */
    private long screenBytes;
    /** Set while the socket is lost and another is being tried; guarded by {@code this} for changes. */
    private volatile boolean reconnecting;
    private int attempt; // guarded by this
    private long giveUpAt; // System.nanoTime(); guarded by this
    private volatile String lostBecause;
    /** The socket whose loss was handled: a second report of it (abort, then onError) is ignored. */
    private WebSocket givenUp; // guarded by this
    /** System.nanoTime() when the server was last heard (any frame, a pong included). */
    private volatile long lastHeard = System.nanoTime();
    static final Duration PING_AFTER = Duration.ofSeconds(5);
    static final Duration SILENT_LIMIT = Duration.ofSeconds(10);
    private final CompletableFuture<ControlMessage.Closed> closed = new CompletableFuture<>();
    private final CompletableFuture<ControlMessage.Connecting> connecting = new CompletableFuture<>();
    private final CompletableFuture<ControlMessage.Attached> activated = new CompletableFuture<>();
    private volatile boolean locked;
    private volatile ControlMessage.Attached current;
    private final AtomicBoolean detaching = new AtomicBoolean();
    private volatile ControlMessage.Closed serverReason;
    private volatile ControlMessage.Error lastError;
    private volatile WebSocket socket;
    private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

    private TerminalConnection(Http http, Sessions sessions, long sessionId, int cols, int rows, String clientName,
                               Duration reconnectFor, boolean viewOnly, AttachListener listener) {
        this.viewOnly = viewOnly;
        this.http = http;
        this.sessions = sessions;
        this.sessionId = sessionId;
        this.cols = cols;
        this.rows = rows;
        this.clientName = clientName;
        this.reconnectFor = reconnectFor;
        this.listener = listener;
    }

    static TerminalConnection open(Http http, Sessions sessions, long sessionId, int cols, int rows, String clientName,
                                   Duration reconnectFor, boolean viewOnly, AttachListener listener) {
        Ids.check("session", sessionId);
        var connection = new TerminalConnection(http, sessions, sessionId, cols, rows, clientName, reconnectFor, viewOnly, listener);
        try {
            connection.socket = connection.connect().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw connection.refused(http, sessions, e.getCause());
        } catch (TimeoutException e) {
            throw new TetherException(ResultCode.TIMEOUT,
                    "Tether at " + http.base() + " did not accept the attach to session " + sessionId + " within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TetherException(ResultCode.CANCELLED, "interrupted while attaching to session " + sessionId);
        }
        connection.awaitConnecting(http);
        Thread.ofVirtual().name("tether-heartbeat-" + sessionId).start(connection::heartbeat);
        return connection;
    }

    /** Opens a socket to the attach endpoint, resuming at {@link #offset} once there is one. */
    private CompletableFuture<WebSocket> connect() {
        var query = new StringBuilder();
        int c = cols;
        int r = rows;
        if (c > 0 && r > 0) {
            query.append("cols=").append(c).append("&rows=").append(r);
        }
        if (clientName != null && !clientName.isBlank()) {
            query.append(query.isEmpty() ? "" : "&").append("client=").append(URLEncoder.encode(clientName, StandardCharsets.UTF_8));
        }
        if (offset >= 0) {
            query.append(query.isEmpty() ? "" : "&").append("offset=").append(offset);
        }
        if (viewOnly) {
            query.append(query.isEmpty() ? "" : "&").append("mode=view");
        }
        URI http1 = http.uri("/sessions/" + sessionId + "/attach" + (query.isEmpty() ? "" : "?" + query));
        URI uri = URI.create(http1.toString().replaceFirst("^http", "ws"));
        var builder = http.client().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        http.authHeaders().forEach(builder::header);
        return builder.buildAsync(uri, new Receiver());
    }

    /**
     * Asks the server for the screen again (without scrollback): it comes as a {@code screen} control
     * message and its bytes, which {@link AttachListener#onOutput} gets like any output. For a client
     * that drew over the session's screen (a banner) and wants it back exactly.
     */
    public CompletableFuture<Void> redraw() {
        return control(new ControlMessage.Redraw());
    }

    /** Waits for the server's first word: "connecting" (the connect request exists), or a refusal. */
    private void awaitConnecting(Http http) {
        try {
            connecting.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TetherException t) {
                throw t;
            }
            throw new TetherException(ResultCode.INTERNAL, "attaching to session " + sessionId + " failed: " + e.getCause());
        } catch (TimeoutException e) {
            WebSocket ws = socket;
            if (ws != null) {
                ws.abort();
            }
            throw new TetherException(ResultCode.TIMEOUT,
                    "Tether at " + http.base() + " did not start the connection to session " + sessionId + " within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TetherException(ResultCode.CANCELLED, "interrupted while attaching to session " + sessionId);
        }
    }

    /** The handshake was refused: ask the REST API why, since the JDK keeps the refusal's body from us. */
    private TetherException refused(Http http, Sessions sessions, Throwable cause) {
        if (!(cause instanceof WebSocketHandshakeException handshake)) {
            return http.failure(cause, Duration.ofSeconds(30));
        }
        int status = handshake.getResponse().statusCode();
        if (handshake.getResponse().body() instanceof byte[] body && body.length > 0) {
            return http.error(status, body);
        }
        if (handshake.getResponse().body() instanceof String body && !body.isEmpty()) {
            return http.error(status, body.getBytes(StandardCharsets.UTF_8));
        }
        if (status == 401 || status == 403) {
            return new TetherException(Http.codeForStatus(status),
                    "Tether at " + http.base() + " refused to attach to session " + sessionId + " (HTTP " + status + ")");
        }
        SessionInfo session;
        try {
            session = sessions.get(sessionId);
        } catch (TetherException why) {
            return why;
        }
        if (session.state() == SessionState.CLOSED) {
            return new TetherException(ResultCode.INVALID_STATE, "session " + sessionId + " is CLOSED"
                    + (session.closeReason() != null ? " (" + session.closeReason() + ")" : "") + "; nothing to attach to");
        }
        return new TetherException(Http.codeForStatus(status),
                "Tether at " + http.base() + " refused to attach to session " + sessionId + " (HTTP " + status + ")");
    }

    public long sessionId() {
        return sessionId;
    }

    /** This connection's id (see {@code /connections/{id}}); after a reconnect, the new connection's. */
    public long connectionId() {
        ControlMessage.Attached now = current;
        return now != null ? now.connectionId() : connecting.join().connectionId();
    }

    /**
     * The output offset this connection has reached: the number of bytes of the session's output
     * stream before the next one it will receive (-1 until ACTIVATED). A reconnect resumes there.
     */
    public long offset() {
        return offset;
    }

    /** True while the socket is lost and the connection is trying to attach again. */
    public boolean isReconnecting() {
        return reconnecting;
    }

    /** The connect request's id, known at once; ConnectComplete carries it when the connect finishes. */
    public long requestId() {
        return connecting.join().requestId();
    }

    /**
     * Completes when the connection is ACTIVATED (terminal output flows from then on), or exceptionally
     * with a {@link TetherException} when the attachment ends first.
     */
    public CompletableFuture<ControlMessage.Attached> activated() {
        return activated;
    }

    /** True between a {@link ControlMessage.Lock} and the next {@link ControlMessage.Unlock}. */
    public boolean isLocked() {
        return locked;
    }

    /**
     * Acknowledges a {@link ControlMessage.Message} (the user dismissed it): a sender waiting with
     * {@code wait} hears OK. Acknowledging twice, or after the sender stopped waiting, does nothing.
     */
    public CompletableFuture<Void> acknowledge(long messageId) {
        return control(new ControlMessage.Ack(messageId));
    }

    /** Sends keystrokes (copied), in order after everything sent before. */
    public CompletableFuture<Void> send(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
        for (int start = offset; start < offset + length; start += MAX_FRAME) {
            int end = Math.min(start + MAX_FRAME, offset + length);
            ByteBuffer frame = ByteBuffer.wrap(Arrays.copyOfRange(bytes, start, end));
            last = enqueue(ws -> ws.sendBinary(frame, true));
        }
        return last;
    }

    public CompletableFuture<Void> send(byte[] bytes) {
        return send(bytes, 0, bytes.length);
    }

    /** Sets the session's size (the most recent size wins among its clients). */
    public CompletableFuture<Void> resize(int cols, int rows) {
        if (cols >= 1 && cols <= 65535 && rows >= 1 && rows <= 65535) {
            this.cols = cols;
            this.rows = rows;
            if (reconnecting) {
                return CompletableFuture.completedFuture(null); // sent with the reconnect
            }
        }
        return control(new ControlMessage.Resize(cols, rows));
    }

    private CompletableFuture<Void> control(ControlMessage.ToServer message) {
        String json = new String(Json.write(message), StandardCharsets.UTF_8);
        return enqueue(ws -> ws.sendText(json, true));
    }

    /** Completes once the attachment is over, with the reason (also given to the listener). */
    public CompletableFuture<ControlMessage.Closed> closed() {
        return closed;
    }

    /** Lets go of the session; it keeps running. Waits up to 2 s for the server to agree, then drops the socket. */
    public void detach() {
        if (closed.isDone() || !detaching.compareAndSet(false, true)) {
            return;
        }
        if (!reconnecting) {
            enqueue(ws -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "detached"));
            try {
                closed.get(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // the server did not answer the close in time; drop the socket instead
            }
        }
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
        finish(new ControlMessage.Closed(ControlMessage.Closed.DETACHED, "detached from session " + sessionId, null));
    }

    @Override
    public void close() {
        detach();
    }

    private synchronized CompletableFuture<Void> enqueue(Function<WebSocket, CompletableFuture<WebSocket>> operation) {
        CompletableFuture<Void> next = tail
                .handle((ignored, previousFailure) -> null)
                .thenCompose(ignored -> {
                    WebSocket ws = socket;
                    if (reconnecting && !detaching.get()) {
                        return CompletableFuture.failedFuture(new TetherException(ResultCode.INVALID_STATE,
                                "not sent to session " + sessionId + ": the connection to Tether at " + http.base()
                                        + " is lost and being re-established (" + lostBecause + ")"));
                    }
                    if (ws == null || ws.isOutputClosed()) {
                        return CompletableFuture.failedFuture(new TetherException(ResultCode.INVALID_STATE,
                                "no longer attached to session " + sessionId));
                    }
                    return operation.apply(ws);
                })
                .thenApply(ignored -> (Void) null);
        tail = next;
        return next;
    }

    /**
     * The socket {@code ws} is gone: try again when the loss is one a reconnect can mend, else the
     * attachment is over with {@code why}. A socket given up already (not the current one) is ignored.
     */
    private void socketLost(WebSocket ws, int statusCode, ControlMessage.Closed why) {
        synchronized (this) {
            if (ws != socket || ws == givenUp || closed.isDone()) {
                return; // not the current socket, or its loss is handled already
            }
            givenUp = ws;
        }
        if (resumable(statusCode)) {
            retry(why.reason());
        } else {
            finish(why);
        }
    }

    /** Whether a loss with {@code statusCode} (-1: no close frame) is retried; see the class comment. */
    private boolean resumable(int statusCode) {
        if (detaching.get() || reconnectFor.isZero() || offset < 0) {
            return false;
        }
        ControlMessage.Closed server = serverReason;
        if (server != null) {
            return ControlMessage.Closed.RESTARTING.equals(server.kind());
        }
        return lastError == null && (statusCode == -1 || statusCode == 1001 || statusCode == 1006 || statusCode == 1012);
    }

    /** Schedules the next try, or gives up once {@link TetherClient.Builder#reconnectFor} has passed since the loss. */
    private void retry(String why) {
        int n;
        Duration delay;
        synchronized (this) {
            if (closed.isDone() || detaching.get()) {
                return;
            }
            if (!reconnecting) {
                reconnecting = true;
                attempt = 0;
                giveUpAt = System.nanoTime() + reconnectFor.toNanos();
            }
            lostBecause = why;
            if (System.nanoTime() - giveUpAt >= 0) {
                n = -1;
                delay = null;
            } else {
                n = ++attempt;
                delay = backoff(n);
            }
        }
        if (n < 0) {
            finish(new ControlMessage.Closed(ControlMessage.Closed.LOST, "gave up reconnecting to session " + sessionId + " after "
                    + reconnectFor.toSeconds() + " s: " + why, null));
            return;
        }
        try {
            listener.onReconnecting(n, delay, why);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "attach listener failed in onReconnecting for session " + sessionId, e);
        }
        // A virtual thread of its own: no shared pool that a blocked task elsewhere could starve
        // (the common pool has one thread on a 2-core machine), and plain blocking code.
        Thread.ofVirtual().name("tether-reconnect-" + sessionId).start(() -> {
            try {
                Thread.sleep(delay);
                tryAgain();
            } catch (InterruptedException e) {
                finish(new ControlMessage.Closed(ControlMessage.Closed.LOST, "interrupted while reconnecting to session " + sessionId, null));
            }
        });
    }

    /**
     * Finds a socket that died without a word (the server's host gone, a NAT that forgot the
     * connection, a FIN that never came, or one the JDK dropped: its WebSocket loses an end of
     * stream that arrives while a listener method runs, since TransportImpl's acknowledgeReception
     * then finds no demand and throws): after {@link #PING_AFTER} without a frame from the server it
     * sends a ping (Vert.x answers with a pong), and after {@link #SILENT_LIMIT} it gives the socket
     * up, which reconnects as any loss does. Looks once a second, until the attachment is over.
     */
    private void heartbeat() {
        try {
            while (!closed.isDone()) {
                Thread.sleep(1_000);
                WebSocket ws = socket;
                if (reconnecting || ws == null) {
                    continue;
                }
                long silent = System.nanoTime() - lastHeard;
                if (silent > SILENT_LIMIT.toNanos()) {
                    ws.abort();
                    socketLost(ws, -1, new ControlMessage.Closed(ControlMessage.Closed.LOST,
                            "the server did not answer for " + SILENT_LIMIT.toSeconds() + " s", null));
                } else if (silent > PING_AFTER.toNanos()) {
                    try {
                        ws.sendPing(ByteBuffer.allocate(0)); // outside the send queue: a stuck send must not hold it
                    } catch (RuntimeException pingStillPending) {
                        // the last ping is not out yet: the silence limit decides
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the JVM is going away
        }
    }

    /** 0.5 s doubling up to 30 s, each ±20 % at random. */
    static Duration backoff(int attempt) {
        long base = Math.min(LONGEST_WAIT.toMillis(), FIRST_WAIT.toMillis() << Math.min(attempt - 1, 16));
        return Duration.ofMillis(Math.round(base * ThreadLocalRandom.current().nextDouble(0.8, 1.2)));
    }

    /** One try, on the reconnect thread: the server's "attached" ends the reconnect; a failure tries again or ends it. */
    private void tryAgain() throws InterruptedException {
        if (closed.isDone() || detaching.get()) {
            return;
        }
        serverReason = null;
        lastError = null;
        // A handshake may hang (a peer that took the connection and never answers; the JDK's client
        // has been seen to wait on a reset one): wait at most 10 s, and not much past the give-up time.
        long left;
        synchronized (this) {
            left = giveUpAt - System.nanoTime();
        }
        long waitMillis = Math.clamp(TimeUnit.NANOSECONDS.toMillis(left), 1_000, 10_000);
        CompletableFuture<WebSocket> opening = connect();
        try {
            WebSocket ws = opening.get(waitMillis, TimeUnit.MILLISECONDS);
            if (closed.isDone() || detaching.get()) {
                ws.abort();
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof WebSocketHandshakeException h && h.getResponse().statusCode() / 100 == 4) {
                TetherException why = refused(http, sessions, cause);
                finish(new ControlMessage.Closed(ControlMessage.Closed.REFUSED, why.getMessage(), null));
            } else {
                retry(Http.reason(cause));
            }
        } catch (TimeoutException e) {
            opening.cancel(true);
            opening.thenAccept(WebSocket::abort); // should it open after all
            retry("Tether at " + http.base() + " did not answer the attach within " + waitMillis / 1000.0 + " s");
        }
    }

    private void finish(ControlMessage.Closed reason) {
        reconnecting = false;
        if (!connecting.isDone() || !activated.isDone()) {
            TetherException why = endedBeforeActivation(reason);
            connecting.completeExceptionally(why);
            activated.completeExceptionally(why);
        }
        if (closed.complete(reason)) {
            try {
                listener.onClosed(reason);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "attach listener failed in onClosed for session " + sessionId, e);
            }
        }
    }

    /** Why the attachment ended before it was ACTIVATED, as the exception attach or activated() reports. */
    private TetherException endedBeforeActivation(ControlMessage.Closed reason) {
        ControlMessage.Error error = lastError;
        if (error != null) {
            return new TetherException(error.error() != null ? error.error() : ResultCode.INTERNAL, error.message());
        }
        return switch (reason.kind()) {
            case ControlMessage.Closed.LOST -> new TetherException(ResultCode.SERVER_UNREACHABLE,
                    "lost the connection to session " + sessionId + " while attaching: " + reason.reason());
            case ControlMessage.Closed.DETACHED -> new TetherException(ResultCode.CANCELLED,
                    "detached from session " + sessionId + " before the connection was activated");
            default -> new TetherException(ResultCode.INVALID_STATE,
                    "session " + sessionId + " ended the attach before it was activated: " + reason.reason());
        };
    }

    private void control(String text) {
        ControlMessage.ToClient message;
        try {
            message = Json.MAPPER.readValue(text, ControlMessage.ToClient.class);
        } catch (InvalidTypeIdException newer) {
            message = new ControlMessage.Other(newer.getTypeId(), text);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "unreadable control message from session " + sessionId + ": " + Json.firstLine(e.getMessage()));
            return;
        }
        if (message instanceof ControlMessage.Closed reason) {
            serverReason = reason; // delivered once, when the socket closes
            return;
        }
        switch (message) {
            case ControlMessage.Error error -> lastError = error; // the reason, should the server close the socket next
            case ControlMessage.Connecting c -> connecting.complete(c);
            case ControlMessage.Attached a -> {
                offset = a.offset();
                current = a;
                connecting.complete(new ControlMessage.Connecting(a.connectionId(), a.requestId()));
                activated.complete(a);
                if (reconnecting) {
                    synchronized (this) {
                        reconnecting = false;
                        attempt = 0;
                    }
                    locked = false; // a session still locked says so again next
                    try {
                        listener.onReconnected(a);
                    } catch (RuntimeException e) {
                        LOG.log(Level.WARNING, "attach listener failed in onReconnected for session " + sessionId, e);
                    }
                }
            }
            case ControlMessage.Lost l -> offset += l.bytes();
            case ControlMessage.Screen screen -> {
                offset = screen.offset(); // its bytes, next, draw the screen and are not output
                screenBytes = screen.bytes();
            }
            case ControlMessage.Lock lock -> locked = true;
            case ControlMessage.Unlock unlock -> locked = false;
            default -> {
            }
        }
        try {
            listener.onControl(message);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "attach listener failed in onControl for session " + sessionId, e);
        }
    }

    /** The JDK WebSocket's listener: one frame at a time, the next requested only when this one is handled. */
    private final class Receiver implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            lastHeard = System.nanoTime();
            webSocket.request(1);
            return null;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            lastHeard = System.nanoTime();
            socket = webSocket;
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            lastHeard = System.nanoTime();
            text.append(data);
            if (last) {
                String message = text.toString();
                text.setLength(0);
                control(message);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            lastHeard = System.nanoTime();
            int drawing = (int) Math.min(screenBytes, data.remaining()); // only this thread writes these while frames flow
            screenBytes -= drawing;
            offset += data.remaining() - drawing;
            try {
                listener.onOutput(data);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "attach listener failed in onOutput for session " + sessionId, e);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            ControlMessage.Closed why = serverReason;
            if (why == null && lastError != null && !detaching.get()) {
                why = new ControlMessage.Closed(ControlMessage.Closed.REFUSED, lastError.error() + ": " + lastError.message(), null);
            }
            if (why == null && detaching.get()) {
                why = new ControlMessage.Closed(ControlMessage.Closed.DETACHED, "detached from session " + sessionId, null);
            }
            if (why == null) {
                why = new ControlMessage.Closed(ControlMessage.Closed.LOST, "the server closed the connection (code "
                        + statusCode + (reason == null || reason.isBlank() ? "" : ": " + reason) + ")", null);
            }
            socketLost(webSocket, statusCode, why);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            ControlMessage.Closed why = serverReason;
            socketLost(webSocket, -1, why != null ? why : new ControlMessage.Closed(ControlMessage.Closed.LOST,
                    "connection lost: " + Http.reason(error), null));
        }
    }
}
