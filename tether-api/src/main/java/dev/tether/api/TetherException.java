package dev.tether.api;


import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** The one exception of Tether: a result code and a sentence naming the target and the reason. */
public class TetherException extends RuntimeException {
    private final ResultCode code;
    private final Duration retryAfter;

    public TetherException(ResultCode code, String message) {
        this(code, message, null, null);
    }

    public TetherException(ResultCode code, String message, Throwable cause) {
        this(code, message, cause, null);
    }

    /** A refusal that may succeed when retried after {@code retryAfter} (HTTP {@code Retry-After}). */
    public TetherException(ResultCode code, String message, Duration retryAfter) {
        this(code, message, null, Objects.requireNonNull(retryAfter, "retryAfter"));
    }

    private TetherException(ResultCode code, String message, Throwable cause, Duration retryAfter) {
        super(Objects.requireNonNull(message), cause, false, false);
        this.code = Objects.requireNonNull(code);
        this.retryAfter = retryAfter;
    }

    public ResultCode code() {
        return code;
    }

    /** When a retry may succeed, for refusals such as {@link ResultCode#RATE_LIMITED}. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
