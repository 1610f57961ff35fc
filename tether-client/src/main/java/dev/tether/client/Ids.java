package dev.tether.client;

import dev.tether.core.ResultCode;
import dev.tether.core.TetherException;

/** Ids are uint32 (1..4294967295) on the wire; the SDK refuses others before making a call. */
public final class Ids {
    /** The largest id: 2^32 - 1. */
    public static final long MAX = 0xFFFF_FFFFL;

    private Ids() {
    }

    /** Returns {@code id} if it is a valid uint32 id, else throws INVALID_PARAMETER naming {@code what}. */
    public static long check(long id, String what) {
        if (id < 1 || id > MAX) {
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    what + " id " + id + " is outside 1.." + MAX);
        }
        return id;
    }

    /**
     * Parses an id typed by a person: {@code abc} or {@code 4294967296} is INVALID_PARAMETER with a
     * sentence naming the text.
     */
    public static long parse(String text, String what) {
        String trimmed = text == null ? "" : text.strip();
        if (trimmed.isEmpty() || !trimmed.chars().allMatch(c -> c >= '0' && c <= '9') || trimmed.length() > 10) {
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    "'" + text + "' is not a " + what + " id: ids are whole numbers 1.." + MAX);
        }
        long id = Long.parseLong(trimmed);
        if (id < 1 || id > MAX) {
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    "'" + text + "' is not a " + what + " id: ids are whole numbers 1.." + MAX);
        }
        return id;
    }
}
