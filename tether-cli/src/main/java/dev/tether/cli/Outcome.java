package dev.tether.cli;

import dev.tether.core.RequestRecord;
import dev.tether.core.RequestStatus;
import dev.tether.core.TargetStatus;

/** How a command ends that submitted one request: print its id ({@code --no-wait}), or wait and report each target. */
final class Outcome {
    private Outcome() {
    }

    static int report(ClientCommand command, RequestRecord accepted, boolean noWait) {
        if (noWait) {
            if (command.json()) {
                JsonOut.print(command.out(), accepted);
            } else {
                command.out().println(accepted.id());
            }
            return ExitCodes.OK;
        }
        RequestRecord done = await(command, accepted);
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
