package dev.tether.api;

/** Connection states, numbered as Windows' MBN_ACTIVATION_STATE so IMbnConnection tools map one to one. */
public enum ConnectionState {
    ACTIVATED(1),
    ACTIVATING(2),
    DEACTIVATED(3),
    DEACTIVATING(4);

    private final int code;

    ConnectionState(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
