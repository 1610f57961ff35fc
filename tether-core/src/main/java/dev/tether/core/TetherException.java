package dev.tether.core;

import java.time.Duration;
import java.util.Objects;

/** The one exception of Tether: a result code and a sentence naming the target and the reason. */
public class TetherException extends RuntimeException {
    private final ResultCode code;
    private final Duration retryAfter;

    public TetherException(ResultCode code, String message) {
        this(code, message, (Duration) null);
    }

    /** A refusal that may succeed when asked again after {@code retryAfter} (HTTP Retry-After). */
    public TetherException(ResultCode code, String message, Duration retryAfter) {
        super(Objects.requireNonNull(message), null, false, false);
        this.code = Objects.requireNonNull(code);
        this.retryAfter = retryAfter;
    }

    public TetherException(ResultCode code, String message, Throwable cause) {
        super(Objects.requireNonNull(message), cause, false, false);
        this.code = Objects.requireNonNull(code);
        this.retryAfter = null;
    }

    public ResultCode code() {
        return code;
    }

    /** How long to wait before asking again, or null when waiting would not help. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
