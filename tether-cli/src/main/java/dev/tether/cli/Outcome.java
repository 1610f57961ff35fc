package dev.tether.cli;

import dev.tether.api.RequestRecord;
import dev.tether.api.RequestStatus;
import dev.tether.api.TargetStatus;

/** How a command ends that submitted one request: print its id ({@code --no-wait}), or wait and report each target. */
final class Outcome {
    private Outcome() {
    }

    static int report(ClientCommand command, RequestRecord accepted, boolean noWait) {
        return noWait ? accepted(command, accepted) : completed(command, await(command, accepted));
    }

    /** {@code --no-wait}: the request's id, or the request as JSON. */
    static int accepted(ClientCommand command, RequestRecord accepted) {
        return command.show(accepted, out -> out.println(accepted.id()));
    }

    /** A completed request: as JSON, or a line per target; the exit code is non-zero if any target failed. */
    static int completed(ClientCommand command, RequestRecord done) {
        if (command.json()) {
            JsonOut.print(command.out(), done);
            return done.targets().stream().anyMatch(t -> t.status() == TargetStatus.FAILED) ? ExitCodes.FAILED : ExitCodes.OK;
        }
        return Report.targets(done, command.out(), command.err());
    }

    /** The request once COMPLETED. */
    static RequestRecord await(ClientCommand command, RequestRecord accepted) {
        return accepted.status() == RequestStatus.COMPLETED ? accepted : command.client().requests().await(accepted.id());
    }
}
