package dev.tether.client;

import dev.tether.api.Bodies;
import dev.tether.api.EventRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The event log ({@code /events}, Server-Sent Events): every state change, each with an increasing id.
 * Both forms resume a dropped connection with {@code Last-Event-ID}, losing and repeating nothing.
 */
public final class Events {
    private static final System.Logger LOG = System.getLogger(Events.class.getName());

    private static final com.fasterxml.jackson.databind.JavaType SERVER = Json.type(Bodies.ServerView.class);
    private final Http http;
    private final ScheduledExecutorService watchdog;

    Events(Http http, ScheduledExecutorService watchdog) {
        this.http = http;
        this.watchdog = watchdog;
    }

    /**
     * Events with id greater than {@code since}, as a blocking iterator.
     *
     * @param follow keep waiting for new events; false ends the stream after the events stored so far
     */
    public EventStream stream(long since, boolean follow) {
        checkSince(since);
        return new EventStream(http, since, follow, watchdog);
    }

    /**
     * Every event after {@code fromEventId}, then new ones as they happen, pushed to {@code listener} on a
     * thread of its own until {@link Subscription#close()}. A dropped stream is resumed on its own
     * (retrying for up to 30 s) with no event lost or repeated.
     *
     * @param fromEventId 0 for the whole log; {@link #lastEventId()} for only what happens from now on
     */
    public Subscription subscribe(EventListener listener, long fromEventId) {
        return subscribe(listener, fromEventId, true);
    }

    /**
     * As {@link #subscribe(EventListener, long)}; with {@code follow} false the stream ends
     * ({@link EventListener#onEnd()}) after the events stored so far.
     */
    public Subscription subscribe(EventListener listener, long fromEventId, boolean follow) {
        long since = fromEventId;
        checkSince(since);
        var done = new CompletableFuture<Void>();
        var feed = new EventFeed(http, since, follow, new EventFeed.Sink() {
            @Override
            public void event(EventRecord event) {
                try {
                    listener.onEvent(event);
                } catch (RuntimeException e) {
                    // A bad listener must not stop the stream.
                    LOG.log(Level.WARNING, "event listener failed on event " + event.id() + "; continuing", e);
                }
            }

            @Override
            public void end() {
                try {
                    listener.onEnd();
                } finally {
                    done.complete(null);
                }
            }

            @Override
            public void error(TetherException error) {
                try {
                    listener.onError(error);
                } finally {
                    done.complete(null);
                }
            }
        }, watchdog);
        var subscription = new Subscription(feed, done);
        Thread.ofVirtual().name("tether-events").start(() -> {
            try {
                feed.run();
            } finally {
                done.complete(null);
            }
        });
        return subscription;
    }

    /**
     * The id of the newest event the caller may see, 0 when there is none: pass it to
     * {@link #subscribe} to hear only what happens from now on. One {@code GET /server}, which
     * answers it per caller; before, the whole stored log was read to find its end.
     */
    public long lastEventId() {
        Bodies.ServerView server = http.get("/server", SERVER);
        return server.lastEventId();
    }

    private static void checkSince(long since) {
        if (since < 0) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "since " + since + " is negative");
        }
    }
}
