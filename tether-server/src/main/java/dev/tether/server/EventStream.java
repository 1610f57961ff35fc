package dev.tether.server;

import dev.tether.api.EventRecord;
import dev.tether.core.EventLog;
import dev.tether.core.Kernel;
import dev.tether.core.account.Caller;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /api/v1/events}: Server-Sent Events, resumable.
 *
 * <p>Subscribes to live events first, then pages through the stored history after {@code since};
 * live events that arrive meanwhile wait in a queue and are sent afterwards, skipping any id
 * already sent, so the stream has every event once, in id order. A client that stops reading
 * while more than {@link #MAX_QUEUED} events wait is cut off; it resumes with Last-Event-ID.
 * Everything touching the response runs on the connection's context. Revoking the token the
 * stream was opened with (directly or through a ticket) ends it, after a {@code : token revoked}
 * comment, which EventSource clients ignore; their reconnect then meets a 401 and stops.
 */
final class EventStream {
    static final int PAGE = 500;
    static final int MAX_QUEUED = 10_000;
    static final java.time.Duration KEEPALIVE = java.time.Duration.ofSeconds(15);
    /** How long an EventSource waits before reconnecting (sent as {@code retry:}); browsers default to about 3 s. */
    static final long RETRY_MS = 2_000;

    private final RoutingContext ctx;
    private final HttpServerResponse response;
    private final Context context;
    private final Caller caller;
    private final Kernel kernel;
    private final AutoCloseable watch;
    private final Queue<EventRecord> live = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private long lastSent;
    private boolean catchingUp = true;
    private boolean follow;
    private boolean finished;
    private AutoCloseable subscription;
    private final dev.tether.core.time.Scheduler scheduler;
    private dev.tether.core.time.Scheduler.Deadline keepalive;

    EventStream(RoutingContext ctx, dev.tether.core.time.Scheduler scheduler, Caller caller, Kernel kernel,
                dev.tether.core.account.Accounts accounts, String issuer) {
        this.scheduler = scheduler;
        this.ctx = ctx;
        this.response = ctx.response();
        this.context = ctx.vertx().getOrCreateContext();
        this.caller = caller;
        this.kernel = kernel;
        this.watch = accounts.whileValid(issuer, caller, () -> context.runOnContext(v -> revoked()));
    }

    private void revoked() {
        if (!finished && !response.ended() && !response.closed()) {
            response.write(": token revoked\n\n");
        }
        finish();
        // The connection too (the server speaks HTTP/1.1 only, so it carries this stream alone): a
        // client that waits for the socket to close, not only for the last chunk, must see the end.
        ctx.request().connection().close();
    }

    void start(long since, boolean follow) {
        this.lastSent = since;
        this.follow = follow;
        response.closeHandler(v -> finish());
        if (response.closed()) { // gone before the handler was set (start may follow an asynchronous read): it would never run
            finish();
            return;
        }
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Accel-Buffering", "no");
        response.write(": tether events after " + since + "\nretry: " + RETRY_MS + "\n\n");
        response.drainHandler(v -> drain());
        if (follow) {
            subscription = kernel.events().subscribe(this::onLive);
            // The timer only hands over: the response is written on this stream's event loop alone.
            keepalive = scheduler.every(KEEPALIVE, () -> context.runOnContext(v -> {
                if (!finished) {
                    response.write(": keepalive\n\n");
                }
            }));
        }
        page();
    }

    private void onLive(EventRecord e) { // on the store's writer thread: only queue and schedule
        if (!caller.maySee(e.user())) {
            return;
        }
        live.add(e);
        if (queued.incrementAndGet() > MAX_QUEUED) {
            context.runOnContext(v -> finish());
            return;
        }
        if (drainScheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> {
                drainScheduled.set(false);
                drain();
            });
        }
    }

    private void page() {
        Future.fromCompletionStage(kernel.events().history(caller, lastSent, PAGE), context).onComplete(r -> {
            if (finished) {
                return;
            }
            if (r.failed()) {
                Errors.toTether(r.cause());
                finish();
                return;
            }
            EventLog.Page page = r.result();
            var out = new StringBuilder();
            for (EventRecord e : page.events()) {
                append(out, e);
            }
            lastSent = Math.max(lastSent, page.scannedTo());
            if (!out.isEmpty()) {
                response.write(Buffer.buffer(out.toString().getBytes(StandardCharsets.UTF_8)));
            }
            if (page.more()) {
                page();
            } else if (!follow) {
                finish();
            } else {
                catchingUp = false;
                drain();
            }
        });
    }

    private void drain() {
        if (catchingUp || finished) {
            return;
        }
        var out = new StringBuilder();
        EventRecord e;
        while (!response.writeQueueFull() && (e = live.poll()) != null) {
            queued.decrementAndGet();
            if (e.id() > lastSent) {
                append(out, e);
            }
            if (out.length() > 64 * 1024) {
                response.write(Buffer.buffer(out.toString().getBytes(StandardCharsets.UTF_8)));
                out.setLength(0);
            }
        }
        if (!out.isEmpty()) {
            response.write(Buffer.buffer(out.toString().getBytes(StandardCharsets.UTF_8)));
        }
    }

    private void append(StringBuilder out, EventRecord e) {
        out.append("id: ").append(e.id()).append('\n')
                .append("event: ").append(e.type()).append('\n')
                .append("data: ").append(Json.write(e)).append("\n\n");
        lastSent = e.id();
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        try {
            watch.close();
        } catch (Exception ignored) {
            // forgetting a stream cannot fail
        }
        if (keepalive != null) {
            keepalive.cancel();
        }
        if (subscription != null) {
            try {
                subscription.close();
            } catch (Exception ignored) {
                // removing a subscriber cannot fail
            }
        }
        live.clear();
        if (!response.ended() && !response.closed()) {
            response.end();
        }
    }

}
