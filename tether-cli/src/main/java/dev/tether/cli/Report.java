package dev.tether.cli;

import dev.tether.api.RequestRecord;
import dev.tether.api.TargetResult;
import dev.tether.api.TargetStatus;
import java.io.PrintWriter;
import java.util.Locale;

/** How a request's targets are told to a person: successes on stdout, failures on stderr as {@code CODE: sentence}. */
final class Report {
    private Report() {
    }

    /** One line per target; returns the exit code (non-zero if any target failed). */
    static int targets(RequestRecord request, PrintWriter out, PrintWriter err) {
        int exit = ExitCodes.OK;
        for (TargetResult target : request.targets()) {
            if (target.status() == TargetStatus.FAILED) {
                out.flush();
                err.println(failure(target));
                if (exit == ExitCodes.OK) {
                    exit = target.result() == null ? ExitCodes.FAILED : Math.max(ExitCodes.FAILED, ExitCodes.of(target.result()));
                }
            } else {
                out.println(line(target));
            }
        }
        out.flush();
        err.flush();
        return exit;
    }

    /**
     * The server's sentence for the target, which names it ({@code session 4 (alice, bash) disconnected
     * (1 client let go); its programs keep running}); failures as {@link #failure}.
     */
    static String line(TargetResult target) {
        if (target.status() == TargetStatus.FAILED) {
            return failure(target);
        }
        if (target.message() != null && !target.message().isBlank()) {
            return target.message();
        }
        return label(target) + ": " + target.status().name().toLowerCase(Locale.ROOT);
    }

    /** {@code NOT_FOUND: no session 42 on tether1}. */
    static String failure(TargetResult target) {
        String code = target.result() != null ? target.result().name() : "FAILED";
        return code + ": " + (target.message() != null ? target.message() : label(target) + " failed");
    }

    static String label(TargetResult target) {
        return target.description() != null && !target.description().isBlank() ? target.description() : "session " + target.id();
    }
}
