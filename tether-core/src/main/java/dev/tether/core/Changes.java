package dev.tether.core;

import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    EventRecord event(String type, SessionRecord s, Map<String, Object> data) {
        return new EventRecord(0, type, clock.instant(), s.id(), s.user(), data);
    }

    EventRecord connectionEvent(String type, ConnectionRecord c, Map<String, Object> data) {
        return new EventRecord(0, type, clock.instant(), c.sessionId(), c.user(), data);
    }

    EventRecord stateChanged(SessionRecord from, SessionRecord to, String reason, String by) {
        var data = new LinkedHashMap<String, Object>();
        data.put("from", from.state().name());
        data.put("to", to.state().name());
        data.put("fromCode", from.state().code());
        data.put("toCode", to.state().code());
        data.put("reason", reason);
        data.put("by", by);
        return event("SessionStateChanged", to, data);
    }
}
