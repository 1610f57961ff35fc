package dev.tether.cli;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine;

/**
 * {@code tether}: the command line. The global options are declared here and inherited by every
 * subcommand, so {@code tether --server h session list} and {@code tether session list --server h}
 * mean the same; their values land in this object.
 *
 * <p>Every failure is one line on stderr, {@code RESULT_CODE: sentence}, and an exit code from
 * {@link ExitCodes}; never a stack trace (set {@code TETHER_DEBUG=1} to see one).
 */
@Command(name = "tether", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Tether: sessions that keep running while no client is connected.")
public final class Main extends CommandGroup {
    /**
     * The top-level commands, in the order {@code tether --help} lists them. picocli reads the
     * annotations of every command it is given, which is most of a command's start-up time, so
     * {@link #commandLine(String...)} gives it only the one a command line names.
     */
    private static final List<Class<?>> COMMANDS = List.of(
            ServeCommand.class,
            KeeperCommands.class,
            SessionCommands.class,
            ConnectionCommands.class,
            WorkspaceCommands.class,
            RequestCommands.class,
            EventsCommand.class,
            UserCommands.class,
            TokenCommands.class,
            LoginCommand.class,
            LogoutCommand.class,
            WhoamiCommand.class);

    /** {@code tether sessions} is {@code tether session list} under its own name. */
    private static final String SESSIONS = "sessions";

    /** The global options that take a value, so that the command word after them is found. */
    private static final Set<String> OPTIONS_WITH_VALUES = Set.of("--server", "--token");

    @Option(names = "--server", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "The server: its URL, or a host name alone for port 7420 on that host (default: port 7420 on this machine).")
    String server;

    @Option(names = "--token", scope = ScopeType.INHERIT, paramLabel = "TOKEN",
            description = "The token to call with. By default $TETHER_TOKEN, else the token 'tether login' saved for the server,"
                    + " else the administrator's token in the default data directory, if you can read it."
                    + " 'tether whoami' shows which one is used.")
    String token;

    @Option(names = "--json", scope = ScopeType.INHERIT,
            description = "Print JSON instead of tables and sentences.")
    boolean json;

    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } catch (Throwable e) {
            // Even a failure outside a command (say, out of memory while parsing) stays one line.
            System.err.println(ResultCode.INTERNAL.name() + ": " + e);
            code = ExitCodes.FAILED;
        }
        System.exit(code);
    }

    /** Parses and runs one command line, returning its exit code; the process is left running. */
    static int run(String... args) {
        var cli = commandLine(args);
        int code = cli.execute(args);
        cli.getOut().flush();
        cli.getErr().flush();
        return code;
    }

    /** Every command: for {@code tether --help}, a mistyped command, and the tests that read every help text. */
    static CommandLine commandLine() {
        return commandLine(COMMANDS, /* sessions= */ true);
    }

    /**
     * The commands {@code args} may run: the one its first word names (after the global options),
     * or all of them when that word names none (so usage and "did you mean" see every command).
     */
    static CommandLine commandLine(String... args) {
        String word = commandWord(args);
        if (SESSIONS.equals(word)) {
            return commandLine(List.of(), /* sessions= */ true);
        }
        for (Class<?> c : COMMANDS) {
            if (c.getAnnotation(Command.class).name().equals(word)) {
                return commandLine(List.of(c), /* sessions= */ false);
            }
        }
        return commandLine();
    }

    /** The first argument that is not a global option or its value; null when there is none. */
    static String commandWord(String... args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (OPTIONS_WITH_VALUES.contains(a)) {
                i++;
            } else if (!a.startsWith("-")) {
                return a;
            } else if (a.equals("--")) {
                return null;
            }
        }
        return null;
    }

    private static CommandLine commandLine(List<Class<?>> commands, boolean sessions) {
        var cli = new CommandLine(new Main());
        for (Class<?> c : commands) {
            cli.addSubcommand(c.getAnnotation(Command.class).name(), new CommandLine(c));
        }
        if (sessions) {
            var list = new CommandLine(new SessionCommands.ListSessions());
            list.getCommandSpec().name(SESSIONS);
            cli.addSubcommand(SESSIONS, list);
        }
        CommandLine session = cli.getSubcommands().get("session");
        if (session != null) {
            session.getSubcommands().get("new").setStopAtPositional(true);
        }
        cli.setExecutionExceptionHandler(Main::executionFailed);
        cli.setParameterExceptionHandler(Main::badUsage);
        cli.setExitCodeExceptionMapper(e -> e instanceof TetherException t ? ExitCodes.of(t.code()) : ExitCodes.FAILED);
        describeExitCodes(cli);
        // serve runs the server: the client's --server, --token and --json mean nothing to it.
        CommandLine serve = cli.getSubcommands().get("serve");
        for (String name : serve == null ? new String[0] : new String[] {"--server", "--token", "--json"}) {
            var option = serve.getCommandSpec().findOption(name);
            if (option != null && option.inherited()) {
                serve.getCommandSpec().remove(option);
            }
        }
        return cli;
    }

    /** The version of this build, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String version() {
        return dev.tether.server.TetherServer.version();
    }

    private static int executionFailed(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        cmd.getOut().flush();
        if (e instanceof TetherException t) {
            err.println(t.code().name() + ": " + t.getMessage());
            debug(e, err);
            err.flush();
            return ExitCodes.of(t.code());
        }
        err.println(ResultCode.INTERNAL.name() + ": " + cmd.getCommandName() + " failed unexpectedly: " + e);
        debug(e, err);
        err.flush();
        return ExitCodes.FAILED;
    }

    private static int badUsage(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(ResultCode.INVALID_PARAMETER.name() + ": " + e.getMessage()
                + " (see 'tether " + commandPath(cmd) + " --help')");
        err.flush();
        return ExitCodes.USAGE;
    }

    private static String commandPath(CommandLine cmd) {
        String path = cmd.getCommandSpec().qualifiedName(" ");
        return path.startsWith("tether ") ? path.substring("tether ".length()) : path.equals("tether") ? "" : path;
    }

    private static void debug(Exception e, PrintWriter err) {
        if ("1".equals(System.getenv("TETHER_DEBUG"))) {
            e.printStackTrace(err);
        }
    }

    private static void describeExitCodes(CommandLine cli) {
        cli.getCommandSpec().usageMessage()
                .exitCodeListHeading("%nExit codes:%n")
                .exitCodeList(ExitCodes.descriptions());
        cli.getSubcommands().values().forEach(Main::describeExitCodes);
    }

    /** For {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"tether " + version()};
        }
    }
}
