package dev.tether.api;




import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * The targets of a batch operation, as Disconnect-WmsSession takes them: {@code -SessionId 3,4} or
 * {@code -All}, and {@code -WhatIf} to learn what would be done without doing it. Exactly one of
 * {@code ids} (non-empty, at most {@link #MAX_IDS}, each a valid id) and {@code all} is given.
 *
 * @param ids the sessions named; empty when {@code all}
 * @param all every session the caller may see (the caller's own session is skipped)
 * @param whatIf report what would be done and change nothing
 */
public record Selection(List<Long> ids, boolean all, boolean whatIf) {

    /** The most ids one request may name. */
    public static final int MAX_IDS = 10_000;

    public Selection {
        ids = ids == null ? List.of() : List.copyOf(ids);
        if (all == !ids.isEmpty()) {
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    all ? "give either ids or all, not both" : "give the ids of the sessions, or all");
        }
        if (ids.size() > MAX_IDS) {
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    ids.size() + " ids is more than the " + MAX_IDS + " one request may name");
        }
        ids.forEach(id -> Ids.check("session", id));
    }

    /** The sessions with these ids. */
    public static Selection of(long... ids) {
        return new Selection(Arrays.stream(ids).boxed().toList(), false, false);
    }

    /** The sessions with these ids. */
    public static Selection of(Collection<Long> ids) {
        return new Selection(List.copyOf(ids), false, false);
    }

    /** Every session the caller may see. ({@code all()} is the accessor of the {@code all} component.) */
    public static Selection everything() {
        return new Selection(List.of(), true, false);
    }

    /** The same targets, as a question: what would be done? */
    public Selection asWhatIf() {
        return new Selection(ids, all, true);
    }
}
