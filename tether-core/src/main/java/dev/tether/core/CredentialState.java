package dev.tether.core;

/** Whether a workspace has credentials, and whether they have been verified (OnAuthenticated). */
public enum CredentialState {
    NONE,
    UNAUTHENTICATED,
    AUTHENTICATED
}
