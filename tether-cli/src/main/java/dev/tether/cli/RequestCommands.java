package dev.tether.cli;

import dev.tether.api.Ids;
import dev.tether.api.RequestRecord;
import dev.tether.api.RequestStatus;
import dev.tether.api.TargetStatus;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tether request get|wait}: the asynchronous operations that disconnect and close return. */
@Command(name = "request", mixinStandardHelpOptions = true,
        description = "Look up or wait for a request (the id that 'session disconnect --no-wait' prints).",
        subcommands = {RequestCommands.Get.class, RequestCommands.Wait.class})
final class RequestCommands extends CommandGroup {
    /** {@code request 7: disconnect by alice, COMPLETED, result OK}. */
    static void header(PrintWriter out, RequestRecord r) {
        out.println("request " + r.id() + ": " + r.operation() + " by " + r.user() + ", " + r.status()
                + (r.result() != null ? ", result " + r.result() : "")
                + (r.completedAt() != null ? ", completed " + Text.time(r.completedAt()) : ""));
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show a request and the state of each target.")
    static final class Get extends ClientCommand {
        @Parameters(paramLabel = "ID", description = "The request id.")
        String id;

        @Override
        int run() {
            RequestRecord r = client().requests().get(Ids.parse("request", id));
            return show(r, out -> {
                header(out, r);
                r.targets().forEach(t -> out.println("  " + Report.line(t)));
            });
        }
    }

    @Command(name = "wait", mixinStandardHelpOptions = true,
            description = {"Wait for a request to complete and print one line per target.",
                "Exits non-zero if any target failed, with the reasons on stderr."})
    static final class Wait extends ClientCommand {
        @Parameters(paramLabel = "ID", description = "The request id.")
        String id;

        @Option(names = "--timeout", paramLabel = "SECONDS", description = "Give up after this long (TIMEOUT); default: wait as long as it takes.")
        Integer timeoutSeconds;

        @Override
        int run() {
            long requestId = Ids.parse("request", id);
            RequestRecord r = timeoutSeconds == null
                    ? client().requests().await(requestId)
                    : client().requests().await(requestId, Duration.ofSeconds(Math.max(0, timeoutSeconds)));
            if (json()) {
                JsonOut.print(out(), r);
                return r.status() == RequestStatus.COMPLETED
                        && r.targets().stream().noneMatch(t -> t.status() == TargetStatus.FAILED) ? ExitCodes.OK : ExitCodes.FAILED;
            }
            return Report.targets(r, out(), err());
        }
    }
}
