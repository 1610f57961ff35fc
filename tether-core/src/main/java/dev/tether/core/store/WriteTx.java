package dev.tether.core.store;

import dev.tether.api.EventRecord;
import dev.tether.api.Ids;
import dev.tether.api.RequestRecord;
import dev.tether.api.TetherException;
import dev.tether.api.UserRecord;

/** Writes available inside {@link Store#write}. Ids are assigned by the store and never reused. */
public interface WriteTx extends ReadTx {

    /** Inserts a session (its id is ignored) and returns it with its new id. */
    SessionRecord insertSession(SessionRecord session);

    /** Replaces the stored session with the same id. */
    void updateSession(SessionRecord session);

    /**
     * Removes a session that never started (nothing was announced about it). Its id stays used:
     * ids are never handed out twice.
     */
    void deleteSession(long id);

    RequestRecord insertRequest(RequestRecord request);

    void updateRequest(RequestRecord request);

    UserRecord insertUser(UserRecord user);

    TokenRecord insertToken(TokenRecord token);

    /** Appends an event (its id is ignored) and returns it with its new id. */
    EventRecord append(EventRecord event);

    void setPasswordHash(long userId, String hash);

    /** Sets the Linux account of the user's sessions in multi-user mode (null: the account of the user's name). */
    void setOsUser(long userId, String osUser);

    /** Marks the user's tokens for the workspace revoked. */
    void revokeWorkspaceTokens(long userId, String workspaceId, java.time.Instant at);

    ConnectionRecord insertConnection(ConnectionRecord connection);

    void updateConnection(ConnectionRecord connection);

    /** @throws TetherException CONFLICT when the user already has a workspace with that id */
    void insertWorkspace(WorkspaceRecord workspace);

    void deleteWorkspace(String user, String id);

    /** Stores (replaces) the workspace's credentials. */
    void putCredential(CredentialRecord credential);

    /**
     * Deletes the workspace's credentials so that no byte of the sealed secret stays in the
     * database files (secure delete, and the write-ahead log checkpointed after the commit).
     */
    void deleteCredential(String user, String workspaceId);
}
