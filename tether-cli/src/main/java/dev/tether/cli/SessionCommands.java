package dev.tether.cli;

import dev.tether.api.Ids;
import dev.tether.api.NewSession;
import dev.tether.api.SessionInfo;
import dev.tether.api.SessionState;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tether session ...}: Get-WmsSession, Disconnect-WmsSession, Close-WmsSession and friends. */
@Command(name = "session", mixinStandardHelpOptions = true,
        description = "Start, list, attach to, disconnect, close, lock and unlock sessions, and send them messages.",
        subcommands = {
            SessionCommands.New.class,
            SessionCommands.ListSessions.class,
            SessionCommands.Get.class,
            AttachCommand.class,
            ScreenCommands.Screen.class,
            ScreenCommands.Grep.class,
            BatchCommand.Disconnect.class,
            BatchCommand.Close.class,
            BatchCommand.Lock.class,
            BatchCommand.Unlock.class,
            MessageCommand.class,
        })
final class SessionCommands extends CommandGroup {
    @Command(name = "new", mixinStandardHelpOptions = true,
            description = "Start a session running COMMAND (default: the server user's login shell) and print its id.")
    static final class New extends ClientCommand {
        @Option(names = "--cols", description = "Terminal columns (default 80).")
        Integer cols;

        @Option(names = "--rows", description = "Terminal rows (default 24).")
        Integer rows;

        @Option(names = "--env", paramLabel = "KEY=VALUE", description = "An extra environment variable; repeat the option for several.")
        Map<String, String> env = new LinkedHashMap<>();

        @Parameters(arity = "0..*", paramLabel = "COMMAND", description = "The program and its arguments (after --).")
        List<String> command = new ArrayList<>();

        @Override
        int run() {
            NewSession spec = NewSession.of(command);
            spec = new NewSession(spec.command(), spec.args(), cols, rows, env);
            SessionInfo session = client().sessions().create(spec);
            return show(session, out -> out.println(session.id()));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List sessions: ID, USER, STATE, CLIENTS, COMMAND, CREATED.",
                "A '>' marks the session this command runs in."})
    static final class ListSessions extends ClientCommand {
        @Option(names = "--all-states", description = "Include CLOSED sessions.")
        boolean allStates;

        @Override
        int run() {
            List<SessionInfo> sessions = client().sessions().list(allStates);
            long own = connection().ownSessionId();
            return showTable(sessions, new Table(" ID", "USER", "STATE", "CLIENTS", "COMMAND", "CREATED"), (table, s) ->
                    table.row((s.id() == own ? ">" : " ") + s.id(), s.user(), s.state() + (s.locked() ? " (locked)" : ""),
                            s.connections(), Text.cut(s.command(), 40), Text.time(s.createdAt())));
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show one session, also when CLOSED.")
    static final class Get extends ClientCommand {
        @Parameters(paramLabel = "ID", description = "The session id.")
        String id;

        @Override
        int run() {
            long sessionId = Ids.parse("session", id);
            SessionInfo s = client().sessions().get(sessionId);
            return show(s, out -> print(out, s, connection().ownSessionId()));
        }

        static void print(PrintWriter out, SessionInfo s, long own) {
            var fields = new Fields();
            fields.put("id", s.id() + (s.id() == own ? " (this session)" : ""));
            fields.put("server", s.server());
            fields.put("user", s.user());
            fields.put("state", s.state() + " (" + s.stateCode() + ")");
            fields.put("locked", s.locked() ? "yes" : "no");
            fields.put("clients", s.connections());
            fields.put("command", s.command());
            fields.put("size", s.cols() + "x" + s.rows());
            fields.put("pid", s.pid());
            fields.put("created", Text.time(s.createdAt()));
            if (s.state() == SessionState.CLOSED) {
                fields.put("closed", Text.time(s.closedAt()));
                fields.put("exit code", s.exitCode());
                fields.put("reason", s.closeReason());
            }
            fields.print(out);
        }
    }
}
