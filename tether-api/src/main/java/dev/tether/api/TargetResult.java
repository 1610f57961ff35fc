package dev.tether.api;

/**
 * What a request did to one target.
 *
 * @param id the target's id (a session id for session operations)
 * @param description a human label, e.g. {@code session 4 (alice, bash)}
 * @param status PENDING, DONE, FAILED or SKIPPED
 * @param result the target's result code; null while PENDING
 * @param message a sentence naming the target and what happened
 */
public record TargetResult(long id, String description, TargetStatus status, ResultCode result, String message) {

    public static TargetResult pending(long id, String description) {
        return new TargetResult(id, description, TargetStatus.PENDING, null, null);
    }

    public TargetResult finish(TargetStatus newStatus, ResultCode code, String text) {
        return new TargetResult(id, description, newStatus, code, text);
    }

    /** FAILED because of {@code failure}: its code and sentence when it is a TetherException, else INTERNAL. */
    public TargetResult failedBy(Throwable failure) {
        TetherException e = TetherException.of(failure);
        return finish(TargetStatus.FAILED, e.code(), description + ": " + e.getMessage());
    }
}
