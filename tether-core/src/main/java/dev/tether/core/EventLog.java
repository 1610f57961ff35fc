package dev.tether.core;

import dev.tether.api.EventRecord;
import dev.tether.core.account.Caller;
import dev.tether.core.store.ReadTx;
import dev.tether.core.store.Store;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The event log as callers see it: the stored history, filtered by who may see what, and the live
 * events, delivered in id order to subscribers after their commit. The store owns the log; this is
 * the one way to read it.
 */
public final class EventLog {
    private static final Logger LOG = Logger.getLogger(EventLog.class.getName());

    private final Store store;
    private final List<Consumer<EventRecord>> subscribers = new CopyOnWriteArrayList<>();

    EventLog(Store store) {
        this.store = store;
        store.onCommit(this::publish);
    }

    /**
     * Subscribes to events committed from now on; close the returned handle to stop. The consumer
     * is called on the store's writer thread: never block in it. One that throws is logged and
     * kept away from the others.
     */
    public AutoCloseable subscribe(Consumer<EventRecord> subscriber) {
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    private void publish(List<EventRecord> events) {
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

    /** The id of the last event recorded (0 when none): where a stream "from now" starts. */
    public CompletableFuture<Long> lastEventId() {
        return store.read(ReadTx::lastEventId);
    }

    /**
     * The id of the last event the caller may see (0 when none), as {@link #history} filters: all
     * for admins, their own for users. A user is not shown how busy the server is for others.
     */
    public CompletableFuture<Long> lastEventId(Caller caller) {
        return caller.admin() ? lastEventId() : store.read(tx -> tx.lastEventId(caller.user()));
    }

    /**
     * Stored events after {@code afterId}, in id order, that the caller may see: admins all, users
     * those about their own sessions and requests ({@link EventRecord#user()} is whose they are).
     */
    public CompletableFuture<Page> history(Caller caller, long afterId, int limit) {
        return store.read(tx -> tx.events(afterId, limit)).thenApply(events -> new Page(
                caller.admin() ? events : events.stream().filter(e -> caller.maySee(e.user())).toList(),
                events.isEmpty() ? afterId : events.getLast().id(),
                events.size() == limit));
    }

    /**
     * One page of history: the visible events, the id up to which the log was read (every event up
     * to it is in {@code events} or not visible to the caller), and whether more may follow.
     */
    public record Page(List<EventRecord> events, long scannedTo, boolean more) {
    }
}
