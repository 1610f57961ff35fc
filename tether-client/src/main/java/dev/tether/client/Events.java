package dev.tether.client;

import dev.tether.core.EventRecord;
import dev.tether.core.ResultCode;
import dev.tether.core.TetherException;
import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The event log ({@code /events}, Server-Sent Events): every state change, each with an increasing id.
 * Both forms resume a dropped connection with {@code Last-Event-ID}, losing and repeating nothing.
 */
public final class Events {
    private static final System.Logger LOG = System.getLogger(Events.class.getName());

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

    /** Events with id greater than {@code since}, pushed to {@code listener} on a thread of their own. */
    public EventSubscription subscribe(long since, boolean follow, EventListener listener) {
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
        var subscription = new EventSubscription(feed, done);
        Thread.ofVirtual().name("tether-events").start(() -> {
            try {
                feed.run();
            } finally {
                done.complete(null);
            }
        });
        return subscription;
    }

    private static void checkSince(long since) {
        if (since < 0) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "since " + since + " is negative");
        }
    }
}
