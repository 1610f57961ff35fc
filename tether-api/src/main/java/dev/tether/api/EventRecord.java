package dev.tether.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;

/**
 * One entry of the durable event log, as the store keeps it and the event stream sends it:
 * {@code {"id":N,"type":"SessionCreated","at":"...","sessionId":N,"user":"alice","data":{...}}}.
 *
 * @param id monotonically increasing, assigned by the store when the event is appended (0 before)
 * @param sessionId the session it concerns, or null
 * @param user whom it concerns: the owner of the session, connection, workspace or request, or {@code system}
 * @param data what happened, one record per {@linkplain #type() type}
 */
@JsonPropertyOrder({"id", "type", "at", "sessionId", "user", "data"})
public record EventRecord(long id, Instant at, Long sessionId, String user, Event data) {

    /** An event not yet stored (its id is 0). */
    public EventRecord(Instant at, Long sessionId, String user, Event data) {
        this(0, at, sessionId, user, data);
    }

    /** The event type, e.g. {@code SessionStateChanged}: the name of {@link #data}'s record. */
    @JsonProperty("type")
    public String type() {
        return data.type();
    }

    public EventRecord withId(long newId) {
        return new EventRecord(newId, at, sessionId, user, data);
    }
}
