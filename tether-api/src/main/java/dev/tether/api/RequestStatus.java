package dev.tether.api;

/** Where a request is in its life. */
public enum RequestStatus {
    RUNNING,
    COMPLETED
}
