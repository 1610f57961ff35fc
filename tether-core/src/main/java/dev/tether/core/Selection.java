package dev.tether.core;

import java.util.List;

/**
 * The targets of a batch operation: explicit ids or all, and whether only to say what would happen.
 * Exactly one of {@code ids} (non-empty) and {@code all} is given.
 */
public record Selection(List<Long> ids, boolean all, boolean whatIf) {

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

    public static Selection of(long... ids) {
        return new Selection(java.util.Arrays.stream(ids).boxed().toList(), false, false);
    }

    public static Selection everything() {
        return new Selection(List.of(), true, false);
    }

    public Selection asWhatIf() {
        return new Selection(ids, all, true);
    }
}
