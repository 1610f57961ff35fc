package dev.tether.cli;

import dev.tether.api.ResultCode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The CLI's exit codes: few enough to script against, with the result code name on stderr for detail.
 *
 * <pre>
 * 0  success
 * 1  the operation failed: an error result code, or any target of a batch failed
 * 2  bad usage or INVALID_PARAMETER (for example an id like abc or 4294967296): nothing was changed
 * 3  SERVER_UNREACHABLE or UNAVAILABLE: no answer from the server, or it is still starting
 * </pre>
 */
final class ExitCodes {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int UNREACHABLE = 3;

    private ExitCodes() {
    }

    static int of(ResultCode code) {
        return switch (code) {
            case OK -> OK;
            case INVALID_PARAMETER, TOO_LARGE -> USAGE;
            case SERVER_UNREACHABLE, UNAVAILABLE -> UNREACHABLE;
            default -> FAILED;
        };
    }

    static Map<String, String> descriptions() {
        var map = new LinkedHashMap<String, String>();
        map.put("0", "Success.");
        map.put("1", "The operation failed: an error result code, or a target of a batch failed (reasons on stderr).");
        map.put("2", "Bad usage or INVALID_PARAMETER (e.g. an id like abc or 4294967296); nothing was changed.");
        map.put("3", "SERVER_UNREACHABLE or UNAVAILABLE: the server could not be reached, or is still starting.");
        return map;
    }
}
