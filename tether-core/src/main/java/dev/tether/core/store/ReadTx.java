package dev.tether.core.store;


import dev.tether.api.ConnectionQuery;
import dev.tether.api.EventRecord;
import dev.tether.api.RequestRecord;
import dev.tether.api.RequestStatus;
import dev.tether.api.UserRecord;
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

    /** The id of the last event whose {@link EventRecord#user()} is {@code user}, 0 when there is none. */
    long lastEventId(String user);

    Optional<RequestRecord> request(long id);

    /** Requests in that status, in id order (RUNNING ones: what a crashed run left unfinished). */
    List<RequestRecord> requests(RequestStatus status);

    Optional<UserRecord> user(String name);

    Optional<UserRecord> user(long id);

    List<UserRecord> users();

    /** The token with this hash, revoked or not. */
    Optional<TokenRecord> tokenByHash(String hash);

    /** The user's Argon2id password hash, empty when the user has no password. */
    Optional<String> passwordHash(String userName);

    Optional<ConnectionRecord> connection(long id);

    /** Connections matching the query, in id order. */
    List<ConnectionRecord> connections(ConnectionQuery query);

    Optional<WorkspaceRecord> workspace(String user, String id);

    /** A user's workspaces (every user's when {@code user} is null), by user then id. */
    List<WorkspaceRecord> workspaces(String user);

    Optional<CredentialRecord> credential(String user, String workspaceId);

    /** Credentials whose {@code expiresAt} is at or before {@code at}. */
    List<CredentialRecord> expiredCredentials(java.time.Instant at);
}
