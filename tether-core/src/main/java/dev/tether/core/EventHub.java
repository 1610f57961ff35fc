package dev.tether.core;

import dev.tether.api.EventRecord;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Delivers committed events, in id order, to live subscribers. Fed by the store's commit
 * listener; a subscriber that throws is logged and kept away from the others.
 */
public final class EventHub {
    private static final Logger LOG = Logger.getLogger(EventHub.class.getName());

    private final List<Consumer<EventRecord>> subscribers = new CopyOnWriteArrayList<>();

    /** Subscribes; close the returned handle to stop. The consumer is called on the store's writer thread: never block in it. */
    public AutoCloseable subscribe(Consumer<EventRecord> subscriber) {
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    void publish(List<EventRecord> events) {
        for (var subscriber : subscribers) {
            for (var event : events) {
                try {
                    subscriber.accept(event);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "an event subscriber failed on event " + event.id(), e);
                    break;
                }
            }
        }
    }
}
