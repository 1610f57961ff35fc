package dev.tether.core.store;

import dev.tether.api.CredentialState;
import java.time.Instant;

/**
 * The credentials stored for a workspace: the secret only ever sealed (AEAD, the workspace as
 * associated data).
 *
 * @param userName the account the credentials are for
 * @param sealed the password, encrypted by the {@link CredentialVault}
 * @param timeoutMinutes 0 for no timeout
 * @param expiresAt when the credentials are deleted; null without a timeout
 */
public record CredentialRecord(String user, String workspaceId, String userName, byte[] sealed,
                               CredentialState state, int timeoutMinutes, Instant expiresAt) {

    public CredentialRecord withState(CredentialState newState, Instant newExpiresAt) {
        return new CredentialRecord(user, workspaceId, userName, sealed, newState, timeoutMinutes, newExpiresAt);
    }
}
