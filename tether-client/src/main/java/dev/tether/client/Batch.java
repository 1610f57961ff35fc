package dev.tether.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.core.ResultCode;
import dev.tether.core.TetherException;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * The targets of a batch operation, as Disconnect-WmsSession takes them: {@code -SessionId 3,4} or
 * {@code -All}, and {@code -WhatIf} to learn what would be done without doing it.
 *
 * @param ids the sessions named; empty when {@code all}
 * @param all every session the caller may see (the caller's own session is skipped)
 * @param whatIf report what would be done and change nothing
 */
public record Batch(List<Long> ids, boolean all, boolean whatIf) {
    /** The most ids one batch may name (the API's limit). */
    public static final int MAX_IDS = 10_000;

    public Batch {
        ids = ids == null ? List.of() : List.copyOf(ids);
        if (all && !ids.isEmpty()) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "a batch names either ids or all, not both");
        }
        if (!all && ids.isEmpty()) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "a batch needs at least one id, or all");
        }
        if (ids.size() > MAX_IDS) {
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    "a batch names at most " + MAX_IDS + " ids, not " + ids.size());
        }
        ids.forEach(id -> Ids.check(id, "session"));
    }

    public static Batch of(long... ids) {
        return new Batch(Arrays.stream(ids).boxed().toList(), false, false);
    }

    public static Batch of(Collection<Long> ids) {
        return new Batch(List.copyOf(ids), false, false);
    }

    public static Batch allSessions() {
        return new Batch(List.of(), true, false);
    }

    /** The same targets, as a question: what would be done? */
    public Batch asWhatIf() {
        return new Batch(ids, all, true);
    }

    ObjectNode toJson() {
        ObjectNode body = Json.object();
        if (all) {
            body.put("all", true);
        } else {
            var array = body.putArray("ids");
            ids.forEach(array::add);
        }
        if (whatIf) {
            body.put("whatIf", true);
        }
        return body;
    }
}
