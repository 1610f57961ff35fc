package dev.tether.client;

import dev.tether.api.EventRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One Server-Sent-Events stream of {@code /events}, read on its own thread and handed to a sink.
 *
 * <p>Resuming: the feed remembers the id of the last event it delivered. When the connection drops (an
 * I/O error, or silence longer than {@link #IDLE_LIMIT} although the server sends a comment every 15 s),
 * or a following stream ends, it reconnects with {@code Last-Event-ID} set to that id, so the server
 * sends exactly the events after it; any event at or below it is dropped, so none is delivered twice.
 * Reconnecting is retried with backoff for {@link #RETRY_WINDOW}; the first connection is not retried,
 * so a caller pointed at a server that is down hears so at once.
 */
final class EventFeed implements Runnable {
    static final Duration IDLE_LIMIT = Duration.ofSeconds(45);
    static final Duration RETRY_WINDOW = Duration.ofSeconds(30);

    /** Where events go. {@code event} may block (a full queue): that is the stream's backpressure. */
    interface Sink {
        void event(EventRecord event) throws InterruptedException;

        void end();

        void error(TetherException error);
    }

    private final Http http;
    private final long since;
    private final boolean follow;
    private final Sink sink;
    private final ScheduledExecutorService watchdog;
    private volatile long position;
    private volatile boolean closed;
    private volatile InputStream current;
    private volatile long lastActivity;
    private volatile Thread thread;
    /** True while the sink holds the thread: a slow consumer is not a silent server. */
    private volatile boolean inSink;

    EventFeed(Http http, long since, boolean follow, Sink sink, ScheduledExecutorService watchdog) {
        this.http = http;
        this.since = since;
        this.follow = follow;
        this.sink = sink;
        this.watchdog = watchdog;
        this.position = since;
    }

    /** The id of the last event delivered (or {@code since} before the first). */
    long position() {
        return position;
    }

    void start(String name) {
        thread = Thread.ofVirtual().name(name).start(this);
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        boolean connectedOnce = false;
        long failingSinceNanos = 0;
        long backoffMillis = 100;
        ScheduledFuture<?> idleCheck = watchdog.scheduleWithFixedDelay(this::checkIdle, 5, 5, TimeUnit.SECONDS);
        try {
            while (!closed) {
                InputStream in;
                try {
                    in = connectedOnce
                            ? http.stream(path(false), Map.of("Last-Event-ID", Long.toString(position)))
                            : http.stream(path(true), Map.of());
                } catch (TetherException e) {
                    if (closed) {
                        return;
                    }
                    boolean transientFailure = e.code() == ResultCode.SERVER_UNREACHABLE || e.code() == ResultCode.CANCELLED
                            || e.code() == ResultCode.TIMEOUT;
                    long now = System.nanoTime();
                    if (failingSinceNanos == 0) {
                        failingSinceNanos = now;
                    }
                    if (!connectedOnce || !transientFailure || now - failingSinceNanos > RETRY_WINDOW.toNanos()) {
                        sink.error(e);
                        return;
                    }
                    Thread.interrupted();
                    Thread.sleep(backoffMillis);
                    backoffMillis = Math.min(backoffMillis * 2, 2_000);
                    continue;
                }
                connectedOnce = true;
                failingSinceNanos = 0;
                backoffMillis = 100;
                current = in;
                lastActivity = System.nanoTime();
                boolean endedCleanly = read(in);
                closeQuietly(in);
                if (closed) {
                    return;
                }
                Thread.interrupted(); // an interrupt from the idle check is spent
                if (endedCleanly && !follow) {
                    sink.end();
                    return;
                }
            }
        } catch (InterruptedException e) {
            // closed while handing an event over
        } finally {
            idleCheck.cancel(false);
        }
    }

    private String path(boolean first) {
        String query = "?follow=" + follow;
        return "/events" + query + (first ? "&since=" + since : "");
    }

    /** Reads events until the stream ends (true) or fails (false). */
    private boolean read(InputStream in) throws InterruptedException {
        var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        var data = new StringBuilder();
        try {
            String line;
            while ((line = reader.readLine()) != null) {
                lastActivity = System.nanoTime();
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        deliver(data.toString());
                        data.setLength(0);
                    }
                } else if (line.startsWith("data:")) {
                    if (!data.isEmpty()) {
                        data.append('\n');
                    }
                    data.append(stripOneSpace(line.substring(5)));
                }
                // "id:" and "event:" repeat what the data says; ":" lines are keep-alive comments.
            }
            return true;
        } catch (IOException e) {
            if (closed) {
                return true;
            }
            return false;
        }
    }

    private void deliver(String json) throws InterruptedException {
        EventRecord event = Json.event(json);
        if (event.id() <= position) {
            return; // already delivered before a reconnect
        }
        inSink = true;
        try {
            sink.event(event);
        } finally {
            inSink = false;
            lastActivity = System.nanoTime();
        }
        position = event.id();
    }

    private void checkIdle() {
        InputStream in = current;
        if (!closed && !inSink && in != null && System.nanoTime() - lastActivity > IDLE_LIMIT.toNanos()) {
            closeQuietly(in);
            Thread t = thread;
            if (t != null) {
                t.interrupt();
            }
        }
    }

    /** Stops the feed; no sink call starts after this returns, except one already in progress. */
    void close() {
        closed = true;
        InputStream in = current;
        if (in != null) {
            closeQuietly(in);
        }
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }

    private static String stripOneSpace(String value) {
        return value.startsWith(" ") ? value.substring(1) : value;
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing a dead connection
        }
    }
}
