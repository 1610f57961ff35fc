package dev.tether.client;

import java.util.concurrent.CompletableFuture;

/**
 * A listener's hold on the event stream ({@link Events#subscribe}); {@link #close()} stops it. While it
 * is open, a dropped connection is resumed after the last delivered event: none lost, none twice.
 */
public final class Subscription implements AutoCloseable {
    private final EventFeed feed;
    private final CompletableFuture<Void> done;

    Subscription(EventFeed feed, CompletableFuture<Void> done) {
        this.feed = feed;
        this.done = done;
    }

    /** The id of the last event delivered to the listener. */
    public long lastEventId() {
        return feed.position();
    }

    /** Completes after the listener's last call: the stream ended, failed, or was closed. */
    public CompletableFuture<Void> done() {
        return done;
    }

    /** Stops the stream; the listener hears nothing after the call in progress, if any. Idempotent. */
    @Override
    public void close() {
        feed.close();
    }
}
