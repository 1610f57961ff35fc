package dev.tether.cli;

import dev.tether.api.Bodies;
import dev.tether.api.Ids;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tether session screen} and {@code tether session grep}: a session's screen as text, without attaching. */
final class ScreenCommands {
    private ScreenCommands() {
    }

    @Command(name = "screen", mixinStandardHelpOptions = true,
            description = {"Print a session's screen as a terminal that saw all its output shows it, without attaching "
                    + "(like tmux capture-pane -p).",
                "With --ansi its colours and attributes as escape sequences (capture-pane -e); with --json also the cursor, "
                        + "size, modes and title."})
    static final class Screen extends ClientCommand {
        @Parameters(paramLabel = "ID", description = "The session id.")
        String id;

        @Option(names = "--ansi", description = "With colours and attributes (SGR escape sequences).")
        boolean ansi;

        @Option(names = "--scrollback", paramLabel = "N", description = "Print the last N lines of scrollback first (default 0).")
        int scrollback;

        @Override
        int run() {
            long sessionId = Ids.parse("session", id);
            if (scrollback < 0) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--scrollback must be 0 or more, not " + scrollback);
            }
            if (json()) {
                Bodies.Screen screen = client().sessions().screenDetails(sessionId, scrollback);
                return show(screen, out -> { });
            }
            out().print(client().sessions().screen(sessionId, ansi, scrollback));
            out().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "grep", mixinStandardHelpOptions = true,
            description = {"Print the lines of a session's scrollback and screen that match REGEX (a Java regular expression), "
                    + "numbered from the oldest line of the scrollback, as grep -n does.",
                "Exits 1 when no line matches."})
    static final class Grep extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "The session id.")
        String id;

        @Parameters(index = "1", paramLabel = "REGEX", description = "The pattern.")
        String regex;

        @Option(names = {"-C", "--context"}, paramLabel = "N", description = "Also N lines before and after each match.")
        int context;

        @Override
        int run() {
            long sessionId = Ids.parse("session", id);
            if (context < 0 || context > 100) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--context must be from 0 to 100, not " + context);
            }
            Bodies.ScrollbackSearch found = client().sessions().grep(sessionId, regex, context);
            show(found, out -> {
                // Every line to print, by number: the matches ("N:") and the context around them ("N-"), once each.
                var lines = new java.util.TreeMap<Integer, String>();
                for (Bodies.ScrollbackMatch m : found.matches()) {
                    for (int i = 0; i < m.before().size(); i++) {
                        lines.putIfAbsent(m.line() - m.before().size() + i, "-" + m.before().get(i));
                    }
                    lines.put(m.line(), ":" + m.text());
                    for (int i = 0; i < m.after().size(); i++) {
                        lines.putIfAbsent(m.line() + 1 + i, "-" + m.after().get(i));
                    }
                }
                int previous = -1;
                for (var line : lines.entrySet()) {
                    if (context > 0 && previous >= 0 && line.getKey() > previous + 1) {
                        out.println("--");
                    }
                    out.println(line.getKey() + line.getValue());
                    previous = line.getKey();
                }
            });
            return found.matches().isEmpty() ? ExitCodes.FAILED : ExitCodes.OK;
        }
    }
}
