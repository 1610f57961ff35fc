package dev.tether.api;

/**
 * Session states, numbered as Windows' WTS_CONNECTSTATE_CLASS so RDS tools map one to one.
 * CLOSED is Tether's own terminal state (code 10, beyond the WTS range): the session is history.
 */
public enum SessionState {
    ACTIVE(0),
    CONNECTED(1),
    DISCONNECTED(4),
    DOWN(8),
    INIT(9),
    CLOSED(10);

    private final int code;

    SessionState(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public boolean isLive() {
        return this != CLOSED && this != DOWN;
    }
}
