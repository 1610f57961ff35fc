package dev.tether.cli;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.pty.Keeper;
import dev.tether.pty.KeeperMain;
import dev.tether.pty.KeeperProcess;
import dev.tether.server.ServerConfig;
import dev.tether.server.TetherServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
        subcommands = {KeeperCommands.Run.class, KeeperCommands.Status.class, KeeperCommands.Upgrade.class,
            KeeperCommands.Stop.class})
final class KeeperCommands extends CommandGroup {

    /** How long a keeper may take to answer, a re-executed one (a JVM start) included. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    /** {@code --data-dir}, which every keeper command takes: the keeper lives in its runtime folder. */
    static final class DataDir {
        @Option(names = "--data-dir", paramLabel = "DIR", description = "The server's data directory (default: as for serve).")
        Path dataDir;

        Path runtime() {
            return (dataDir != null ? dataDir : ServerConfig.defaultDataDir()).resolve(TetherServer.RUNTIME);
        }
    }

    static Keeper.Running running(Path dir) {
        try {
            return Keeper.status(dir, PATIENCE);
        } catch (IOException e) {
            throw new TetherException(ResultCode.NOT_FOUND, "no keeper runs for " + dir + " (" + e.getMessage() + ")");
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show the keeper of the data directory: its pid, its build, how many sessions it holds and whether a server is attached.")
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        DataDir dataDir;

        @Override
        public Integer call() {
            Main global = (Main) spec.root().userObject();
            Path dir = dataDir.runtime();
            Keeper.Running k = running(dir);
            var out = spec.commandLine().getOut();
            if (global.json) {
                var json = new LinkedHashMap<String, Object>();
                json.put("keeper", dir.toString());
                json.put("pid", k.pid());
                json.put("build", k.build());
                json.put("sessions", k.sessions());
                json.put("serverAttached", k.attached());
                JsonOut.print(out, json);
            } else {
                out.println("keeper pid " + k.pid() + " (build " + k.build() + ") holds " + k.sessions() + " session(s); "
                        + (k.attached() ? "a server is attached" : "no server is attached"));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "upgrade", mixinStandardHelpOptions = true,
            description = {"Have the keeper re-execute itself with this installation's Java and jar: same pid, every session"
                    + " kept (its program, terminal and output).",
                "Refused while a server is attached: stop 'tether serve' first (its sessions keep running), upgrade the keeper,"
                        + " then start serve again. When the re-exec fails, the keeper goes on as it was."})
    static final class Upgrade implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        DataDir dataDir;

        @Override
        public Integer call() {
            Main global = (Main) spec.root().userObject();
            Path dir = dataDir.runtime();
            running(dir); // no keeper is NOT_FOUND, not a failed upgrade
            Keeper.Upgraded u;
            try {
                u = Keeper.upgrade(dir, KeeperProcess.thisJvm().command(), PATIENCE);
            } catch (IOException e) {
                throw new TetherException(ResultCode.INVALID_STATE, e.getMessage());
            }
            var out = spec.commandLine().getOut();
            if (global.json) {
                var json = new LinkedHashMap<String, Object>();
                json.put("keeper", dir.toString());
                json.put("pid", u.pid());
                json.put("fromBuild", u.fromBuild());
                json.put("toBuild", u.toBuild());
                json.put("keptSessions", u.sessions());
                JsonOut.print(out, json);
            } else {
                out.println("keeper pid " + u.pid() + " upgraded from build " + u.fromBuild() + " to " + u.toBuild() + "; "
                        + u.sessions() + " session(s) kept");
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Run the keeper of the data directory in the foreground until 'tether keeper stop'.")
    static final class Run implements Callable<Integer> {
        @Mixin
        DataDir dataDir;

        @Override
        public Integer call() throws InterruptedException {
            int code = KeeperMain.run(dataDir.runtime());
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

        @Mixin
        DataDir dataDir;

        @Option(names = "--yes", description = "Do not ask to confirm.")
        boolean yes;

        @Override
        public Integer call() {
            Main global = (Main) spec.root().userObject();
            Path dir = dataDir.runtime();
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
