package dev.tether.cli;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.pty.Keeper;
import dev.tether.pty.KeeperMain;
import dev.tether.server.ServerConfig;
import dev.tether.server.TetherServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tether keeper}: the session keeper, the small process that owns the sessions' programs
 * so that they outlive the server. {@code serve} starts one when none runs; these commands run
 * one in the foreground (as a systemd unit does) or stop it, which logs everybody off.
 */
@Command(name = "keeper", mixinStandardHelpOptions = true,
        description = {"The session keeper, which keeps every session running while the server stops, crashes or is upgraded.",
            "'tether serve' starts one when none runs for its data directory."},
        subcommands = {KeeperCommands.Run.class, KeeperCommands.Stop.class})
final class KeeperCommands extends CommandGroup {

    static Path runtime(Path dataDir) {
        return (dataDir != null ? dataDir : ServerConfig.defaultDataDir()).resolve(TetherServer.RUNTIME);
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Run the keeper of the data directory in the foreground until 'tether keeper stop'.")
    static final class Run implements Callable<Integer> {
        @Option(names = "--data-dir", paramLabel = "DIR", description = "The server's data directory (default: as for serve).")
        Path dataDir;

        @Override
        public Integer call() throws InterruptedException {
            int code = KeeperMain.run(runtime(dataDir));
            return code == 0 ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = {"Log everybody off: close every session the keeper holds (SIGHUP, then SIGTERM and SIGKILL a second"
                    + " apart, as a close does), then stop the keeper.",
                "Asks to confirm unless --yes is given. A server attached to the keeper records each session CLOSED."})
    static final class Stop implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--data-dir", paramLabel = "DIR", description = "The server's data directory (default: as for serve).")
        Path dataDir;

        @Option(names = "--yes", description = "Do not ask to confirm.")
        boolean yes;

        @Override
        public Integer call() {
            Main global = (Main) spec.root().userObject();
            Path dir = runtime(dataDir);
            if (!yes) {
                var console = System.console();
                if (console == null) {
                    throw new TetherException(ResultCode.INVALID_PARAMETER, "stopping the keeper of " + dir
                            + " closes every session in it; not confirmed (no terminal to ask on): pass --yes");
                }
                var answer = Confirm.ask(console, "Close every session and stop the keeper", dir.toString());
                if (answer == Confirm.Answer.NO || answer == Confirm.Answer.NO_TO_ALL) {
                    spec.commandLine().getOut().println("Nothing was stopped.");
                    return ExitCodes.OK;
                }
            }
            int closed;
            try {
                closed = Keeper.stopRunning(dir);
            } catch (IOException e) {
                throw new TetherException(ResultCode.NOT_FOUND, "no keeper runs for " + dir + " (" + e.getMessage() + ")");
            }
            var out = spec.commandLine().getOut();
            if (global.json) {
                JsonOut.print(out, Map.of("keeper", dir.toString(), "closedSessions", closed));
            } else {
                out.println("The keeper of " + dir + " closed " + closed + (closed == 1 ? " session" : " sessions") + " and stopped.");
            }
            return ExitCodes.OK;
        }
    }
}
