package dev.tether.core;

/** Writes available inside {@link Store#write}. Ids are assigned by the store and never reused. */
public interface WriteTx extends ReadTx {

    /** Inserts a session (its id is ignored) and returns it with its new id. */
    SessionRecord insertSession(SessionRecord session);

    /** Replaces the stored session with the same id. */
    void updateSession(SessionRecord session);

    RequestRecord insertRequest(RequestRecord request);

    void updateRequest(RequestRecord request);

    UserRecord insertUser(UserRecord user);

    TokenRecord insertToken(TokenRecord token);

    /** Appends an event (its id is ignored) and returns it with its new id. */
    EventRecord append(EventRecord event);
}
