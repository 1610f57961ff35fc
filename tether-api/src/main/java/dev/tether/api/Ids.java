package dev.tether.api;


/** Ids of sessions, requests and events are uint32: 1..4294967295. */
public final class Ids {
    /** The largest id: 2^32 - 1. */
    public static final long MAX = 0xFFFF_FFFFL;

    private Ids() {
    }

    /** Parses a uint32 id as typed: ASCII digits only, no sign or spaces, naming the kind of target in the error. */
    public static long parse(String kind, String text) {
        if (text == null || text.isEmpty() || text.length() > 10 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    "'" + text + "' is not a " + kind + " id: ids are whole numbers from 1 to " + MAX);
        }
        return check(kind, Long.parseLong(text));
    }

    /** Returns {@code id} if it is a valid id, else throws INVALID_PARAMETER naming the kind of target. */
    public static long check(String kind, long id) {
        if (id < 1 || id > MAX) {
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    id + " is not a " + kind + " id: ids are whole numbers from 1 to " + MAX);
        }
        return id;
    }
}
