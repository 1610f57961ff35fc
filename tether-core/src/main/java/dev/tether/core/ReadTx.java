package dev.tether.core;

import java.util.List;
import java.util.Optional;

/** Reads available inside {@link Store#read} and {@link Store#write}. */
public interface ReadTx {

    Optional<SessionRecord> session(long id);

    /** Sessions in id order; closed ones only when {@code includeClosed}. */
    List<SessionRecord> sessions(boolean includeClosed);

    /** Up to {@code limit} events with id greater than {@code afterId}, in id order. */
    List<EventRecord> events(long afterId, int limit);

    /** The id of the last event appended, 0 when there is none. */
    long lastEventId();

    Optional<RequestRecord> request(long id);

    Optional<UserRecord> user(String name);

    Optional<UserRecord> user(long id);

    List<UserRecord> users();

    Optional<TokenRecord> tokenByHash(String hash);
}
