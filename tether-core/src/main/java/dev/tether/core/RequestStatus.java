package dev.tether.core;

/** Where a request is in its life. */
public enum RequestStatus {
    RUNNING,
    COMPLETED
}
