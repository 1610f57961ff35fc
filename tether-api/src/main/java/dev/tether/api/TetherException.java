package dev.tether.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

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

    /**
     * What {@code failure} (unwrapped from CompletionException and ExecutionException) means to a
     * caller: itself when it is a TetherException, else INTERNAL "internal error" with it as the cause,
     * so no internal detail reaches an answer.
     */
    public static TetherException of(Throwable failure) {
        Throwable e = unwrap(failure);
        return e instanceof TetherException te ? te : new TetherException(ResultCode.INTERNAL, "internal error", e);
    }

    /** {@code failure} without the CompletionException and ExecutionException wrappers of futures. */
    public static Throwable unwrap(Throwable failure) {
        Throwable e = failure;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    public ResultCode code() {
        return code;
    }

    /** When a retry may succeed, for refusals such as {@link ResultCode#RATE_LIMITED}. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
