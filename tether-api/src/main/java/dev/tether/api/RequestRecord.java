package dev.tether.api;


import java.time.Instant;
import java.util.List;

/**
 * One asynchronous operation on one or more targets, with a result per target.
 *
 * @param id uint32, returned to the caller at once
 * @param operation e.g. {@code disconnect}, {@code close}
 * @param status RUNNING until every target is finished, then COMPLETED
 * @param result OK when every target succeeded or was skipped, else the first failed target's code;
 *     null while RUNNING
 */
public record RequestRecord(
        long id,
        String operation,
        String user,
        boolean whatIf,
        RequestStatus status,
        ResultCode result,
        List<TargetResult> targets,
        Instant createdAt,
        Instant completedAt) {

    public RequestRecord {
        targets = List.copyOf(targets);
    }

    public RequestRecord withId(long newId) {
        return new RequestRecord(newId, operation, user, whatIf, status, result, targets, createdAt, completedAt);
    }
}
