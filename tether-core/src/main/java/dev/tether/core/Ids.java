package dev.tether.core;

/** Ids of sessions, requests and events are uint32: 1..4294967295. */
public final class Ids {
    public static final long MAX = 0xFFFF_FFFFL;

    private Ids() {
    }

    /** Parses a uint32 id, naming the kind of target in the error. */
    public static long parse(String kind, String text) {
        if (text == null || text.isEmpty() || text.length() > 10 || !text.chars().allMatch(Character::isDigit)) {
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    "'" + text + "' is not a " + kind + " id: ids are whole numbers from 1 to " + MAX);
        }
        return check(kind, Long.parseLong(text));
    }

    public static long check(String kind, long id) {
        if (id < 1 || id > MAX) {
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    id + " is not a " + kind + " id: ids are whole numbers from 1 to " + MAX);
        }
        return id;
    }
}
