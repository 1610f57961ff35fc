package dev.tether.core;

import java.time.Instant;
import java.util.Map;

/**
 * A durable record of something that happened.
 *
 * @param id monotonically increasing, assigned by the store when the event is appended (0 before)
 * @param type the event type, e.g. {@code SessionStateChanged}
 * @param sessionId the session it concerns, or null
 * @param user who caused it (the caller's user name, or {@code system})
 * @param data type-specific fields: strings, numbers, booleans, lists and maps of them
 */
public record EventRecord(long id, String type, Instant at, Long sessionId, String user, Map<String, Object> data) {

    public EventRecord {
        data = Map.copyOf(data);
    }

    public EventRecord withId(long newId) {
        return new EventRecord(newId, type, at, sessionId, user, data);
    }
}
