package dev.tether.core;

import dev.tether.api.Event;
import dev.tether.api.EventRecord;
import dev.tether.core.store.ConnectionRecord;
import dev.tether.core.store.SessionRecord;
import dev.tether.core.store.Store;
import dev.tether.core.store.WriteTx;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one path by which a live session changes, and the events that record it. Every change
 * replaces the session's live record and submits the stored record with its events as one store
 * write; callers hold the session's monitor, so one session's writes reach the store (a single FIFO
 * writer) in the order they were made, and its events get increasing ids in that order.
 */
final class Changes {
    private static final Logger LOG = Logger.getLogger(Changes.class.getName());

    private final Store store;
    private final InstantSource clock;

    Changes(Store store, InstantSource clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * Replaces the live record and stores it with its events as one write. Call holding the
     * session's monitor, so the writes of one session reach the store in the order they were made.
     */
    CompletableFuture<Void> change(LiveSession s, SessionRecord next, List<EventRecord> events) {
        return change(s, next, events, tx -> { });
    }

    /** {@link #change} that also stores what {@code also} writes (connection records) in the same transaction. */
    CompletableFuture<Void> change(LiveSession s, SessionRecord next, List<EventRecord> events, Consumer<WriteTx> also) {
        s.record = next;
        return store.<Void>write(tx -> {
            tx.updateSession(next);
            events.forEach(tx::append);
            also.accept(tx); // after the events: what it appends (a request's completion) follows them
            return null;
        }).whenComplete((v, e) -> {
            if (e != null) {
                LOG.log(Level.SEVERE, "could not store the change of session " + s.id, e);
            }
        });
    }

    EventRecord event(SessionRecord s, Event data) {
        return new EventRecord(clock.instant(), s.id(), s.user(), data);
    }

    EventRecord connectionEvent(ConnectionRecord c, Event data) {
        return new EventRecord(clock.instant(), c.sessionId(), c.user(), data);
    }

    EventRecord stateChanged(SessionRecord from, SessionRecord to, String reason, String by) {
        return event(to, new Event.SessionStateChanged(from.state(), to.state(), from.state().code(), to.state().code(), reason, by));
    }
}
