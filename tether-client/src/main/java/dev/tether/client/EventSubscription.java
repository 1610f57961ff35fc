package dev.tether.client;

import java.util.concurrent.CompletableFuture;

/** A listener's hold on the event stream; {@link #close()} stops it. */
public final class EventSubscription implements AutoCloseable {
    private final EventFeed feed;
    private final CompletableFuture<Void> done;

    EventSubscription(EventFeed feed, CompletableFuture<Void> done) {
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

    @Override
    public void close() {
        feed.close();
    }
}
