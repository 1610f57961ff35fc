package dev.tether.cli;

import dev.tether.api.EventRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.client.EventStream;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tether events [--since N] [--follow]}: the event log, one line per event. */
@Command(name = "events", mixinStandardHelpOptions = true,
        description = {"Print events: id, time, type, session, user and data, one per line (--json: one JSON object per line).",
            "Without --follow, stops after the events stored so far."})
final class EventsCommand extends ClientCommand {
    @Option(names = "--since", paramLabel = "N", description = "Only events with an id greater than N (default 0: all).")
    long since;

    @Option(names = "--follow", description = "Keep printing new events as they happen (resumes after a dropped connection).")
    boolean follow;

    @Override
    int run() {
        if (since < 0) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "--since " + since + " is negative");
        }
        try (EventStream events = client().events().stream(since, follow)) {
            while (events.hasNext()) {
                EventRecord event = events.next();
                if (json()) {
                    JsonOut.line(out(), event);
                } else {
                    out().println(line(event));
                }
                out().flush();
                if (out().checkError()) {
                    return ExitCodes.OK; // the reader went away (| head)
                }
            }
        }
        return ExitCodes.OK;
    }

    /** {@code 42  2026-11-21 01:02:03.123  SessionStateChanged  session 3  alice  from=INIT to=DISCONNECTED}. */
    static String line(EventRecord e) {
        var data = new StringBuilder();
        for (Map.Entry<String, Object> field : e.data().fields().entrySet()) {
            if (!data.isEmpty()) {
                data.append(' ');
            }
            String value = String.valueOf(field.getValue());
            data.append(field.getKey()).append('=').append(value.contains(" ") ? "\"" + value + "\"" : value);
        }
        return e.id() + "  " + Text.timeMillis(e.at()) + "  " + e.type()
                + "  " + (e.sessionId() != null ? "session " + e.sessionId() : "-")
                + "  " + (e.user() != null ? e.user() : "-")
                + (data.isEmpty() ? "" : "  " + Text.cut(data.toString(), 160));
    }
}
