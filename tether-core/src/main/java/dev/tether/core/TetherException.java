package dev.tether.core;

import java.util.Objects;

/** The one exception of Tether: a result code and a sentence naming the target and the reason. */
public class TetherException extends RuntimeException {
    private final ResultCode code;

    public TetherException(ResultCode code, String message) {
        super(Objects.requireNonNull(message), null, false, false);
        this.code = Objects.requireNonNull(code);
    }

    public TetherException(ResultCode code, String message, Throwable cause) {
        super(Objects.requireNonNull(message), cause, false, false);
        this.code = Objects.requireNonNull(code);
    }

    public ResultCode code() {
        return code;
    }
}
