package dev.tether.cli;

import dev.tether.api.Ids;
import dev.tether.api.MessageResult;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tether session message ID --title T TEXT [--timeout S] [--wait]}: WTSSendMessage, and msg.
 * Prints {@code OK}, {@code TIMEOUT (32000)} or {@code ASYNC (32001)}.
 */
@Command(name = "message", mixinStandardHelpOptions = true,
        description = {"Show a message to every client attached to the session.",
            "With --wait, the answer is OK once a client acknowledges it, or TIMEOUT (and exit 1) when --timeout passes first.",
            "Without --wait, the answer is ASYNC at once.",
            "A session with no client attached is INVALID_STATE."})
final class MessageCommand extends ClientCommand {
    static final int DEFAULT_TIMEOUT_SECONDS = 60;

    @Parameters(index = "0", paramLabel = "ID", description = "The session id.")
    String id;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "TEXT",
            description = "The message (1 to 4096 characters); several words are joined with spaces.")
    List<String> text;

    @Option(names = "--title", paramLabel = "T", required = true, description = "The message's title (1 to 256 characters).")
    String title;

    @Option(names = "--timeout", paramLabel = "S",
            description = "Seconds to wait for an acknowledgement with --wait, 0 for no limit (default " + DEFAULT_TIMEOUT_SECONDS + ").")
    int timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;

    @Option(names = "--wait", description = "Wait until a client acknowledges the message or the timeout passes.")
    boolean waitForAck;

    @Override
    int run() {
        MessageResult result = client().sessions().message(Ids.parse("session", id), title, String.join(" ", text), timeoutSeconds, waitForAck);
        show(result, out -> out.println(result.responseCode() == MessageResult.IDOK ? result.response()
                : result.response() + " (" + result.responseCode() + ")"));
        return result.responseCode() == MessageResult.IDTIMEOUT ? ExitCodes.FAILED : ExitCodes.OK;
    }
}
