package dev.tether.server;

import dev.tether.core.time.Scheduler;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps slow and numerous connections from holding the server: Vert.x 5.2 has idle timeouts but no
 * timeout for reading a request, and an idle timeout would also close SSE streams and attach
 * WebSockets that are idle on purpose.
 *
 * <p>Each connection is either <em>waiting</em> for a request to be sent (from its opening, or from
 * the end of the previous answer on a kept-alive connection, until the request's headers arrive;
 * then again until its body has been read) or <em>busy</em> (the request has been read and its
 * answer is not finished: a REST call being served, an SSE stream, an attach WebSocket). A
 * connection that waits longer than the read timeout for one phase is closed; a busy one never is.
 * One repeating deadline of the {@link Scheduler} looks every quarter of the timeout (each
 * connection is then looked at on its own event loop, the only thread that touches its watch), so a
 * connection is closed between 1 and 1.25 times the timeout. Times are read from the scheduler's
 * clock, so a test advances a manual scheduler instead of waiting for a slow client.
 *
 * <p>A client address has at most {@code maxPerAddress} connections open; one more is closed as
 * soon as it is accepted. A connection counts until it closes, whatever it became: Vert.x does not
 * call the close handler of a connection upgraded to a WebSocket, so {@link #upgraded} takes the
 * WebSocket's own close instead. The count map holds only addresses with an open connection.
 */
final class SlowClients {
    private static final Logger LOG = LoggerFactory.getLogger(SlowClients.class);

    private final Vertx vertx;
    private final Scheduler scheduler;
    private final InstantSource clock;
    private final Duration timeout;
    private final int maxPerAddress;
    private final ConcurrentHashMap<String, AtomicInteger> openByAddress = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<HttpConnection, Watch> watches = new ConcurrentHashMap<>();

    SlowClients(Vertx vertx, Scheduler scheduler, Duration timeout, int maxPerAddress) {
        this.vertx = vertx;
        this.scheduler = scheduler;
        this.clock = scheduler.clock();
        this.timeout = timeout;
        this.maxPerAddress = maxPerAddress;
    }

    /** Starts looking at the connections every quarter of the timeout; cancel the deadline to stop. */
    Scheduler.Deadline watch() {
        Duration period = Duration.ofMillis(Math.max(25, timeout.toMillis() / 4));
        return scheduler.every(period, () -> {
            Instant now = clock.instant(); // the tick's time, carried to each event loop: what a check measures against
            watches.forEach((connection, watch) -> watch.context.runOnContext(v -> check(connection, watch, now)));
        });
    }

    /** What is known of one connection; touched only on its event loop. */
    private static final class Watch {
        HttpServerRequest request;
        Instant waitingSince;
        Context context;
        /** Takes the connection off its address's count and stops watching it; only the first call counts. */
        Runnable release;
    }

    /** Counts the connection against its address (closing it when over the cap) and starts watching it. */
    void connected(HttpConnection connection) {
        String address = connection.remoteAddress() == null || connection.remoteAddress().hostAddress() == null
                ? "unknown" : connection.remoteAddress().hostAddress();
        int open = openByAddress.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
        var watch = new Watch();
        watch.waitingSince = clock.instant();
        watch.context = vertx.getOrCreateContext();
        var released = new java.util.concurrent.atomic.AtomicBoolean();
        watch.release = () -> {
            if (released.compareAndSet(false, true)) {
                watches.remove(connection);
                openByAddress.computeIfPresent(address, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
            }
        };
        connection.closeHandler(v -> watch.release.run());
        if (open > maxPerAddress) {
            LOG.debug("closing a connection from {}: {} connections from that address are open (the most is {})", address, open - 1, maxPerAddress);
            connection.close();
            return;
        }
        watches.put(connection, watch);
    }

    /** The connection is now a WebSocket that ends with {@code closed}: its count is released then. */
    void upgraded(HttpConnection connection, CompletionStage<?> closed) {
        Watch watch = watches.get(connection);
        if (watch != null) {
            closed.whenComplete((v, e) -> watch.release.run());
        }
    }

    /** A request's headers have arrived: its body now has the whole timeout. */
    void requestArrived(HttpServerRequest request) {
        Watch watch = watches.get(request.connection());
        if (watch != null) {
            watch.request = request;
            watch.waitingSince = clock.instant();
        }
    }

    private void check(HttpConnection connection, Watch watch, Instant now) {
        HttpServerRequest r = watch.request;
        if (r != null && r.isEnded() && (!r.response().ended() || r.response().getStatusCode() == 101)) {
            return; // busy: being answered, a stream, or a WebSocket (101 Switching Protocols)
        }
        if (r != null && r.isEnded()) {
            // answered: the connection now waits for the next request (measured from about now)
            watch.request = null;
            watch.waitingSince = now;
            return;
        }
        if (!now.isBefore(watch.waitingSince.plus(timeout))) {
            LOG.debug("closing a connection from {}: {} not sent within {} ms", connection.remoteAddress(),
                    r == null ? "no request was" : "the request body was", timeout.toMillis());
            watches.remove(connection);
            connection.close();
        }
    }
}
