package dev.tether.client.compat;

import dev.tether.api.RequestRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.TargetResult;
import dev.tether.api.TargetStatus;
import dev.tether.api.TetherException;

/** How the facades turn a finished request into Windows-style outcomes. */
final class Results {
    private Results() {
    }

    /** Returns normally when every target succeeded (or was skipped); else throws the first failure. */
    static RequestRecord requireSuccess(RequestRecord done) {
        for (TargetResult t : done.targets()) {
            if (t.status() == TargetStatus.FAILED) {
                throw new TetherException(t.result() == null ? ResultCode.INTERNAL : t.result(),
                        t.message() != null ? t.message() : t.description() + " failed");
            }
        }
        if (done.result() != null && done.result() != ResultCode.OK) {
            throw new TetherException(done.result(), "request " + done.id() + " (" + done.operation() + ") ended " + done.result());
        }
        return done;
    }
}
