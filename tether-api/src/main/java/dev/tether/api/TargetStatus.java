package dev.tether.api;

/** The state of one target of a request. SKIPPED targets (the caller's own session under {@code all}) do not fail the request. */
public enum TargetStatus {
    PENDING,
    DONE,
    FAILED,
    SKIPPED
}
