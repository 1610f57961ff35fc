package dev.tether.api;

/** Whether a workspace has credentials, and whether they have been verified (OnAuthenticated). */
public enum CredentialState {
    NONE,
    UNAUTHENTICATED,
    AUTHENTICATED
}
