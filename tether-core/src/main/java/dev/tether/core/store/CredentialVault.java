package dev.tether.core.store;

import dev.tether.api.TetherException;

/**
 * Seals and opens secrets at rest with an AEAD cipher. The associated data binds a sealed secret
 * to its owner (e.g. {@code alice/workspace-7}), so it cannot be moved to another record.
 */
public interface CredentialVault {

    byte[] seal(byte[] plaintext, String associatedData);

    /** @throws TetherException ACCESS_DENIED when the bytes were not sealed for {@code associatedData} */
    byte[] open(byte[] sealed, String associatedData);
}
