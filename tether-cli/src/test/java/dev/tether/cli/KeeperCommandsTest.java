package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.pty.Keeper;
import dev.tether.pty.KeeperProcess;
import dev.tether.server.TetherServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tether keeper status|upgrade}, run as an administrator would, against a real keeper process. */
class KeeperCommandsTest {

    /** Starts a keeper for {@code data} that calls itself build {@code build}, as serve would start one (but as this JVM's child). */
    static Process keeper(Path data, String build) throws IOException {
        Path runtime = data.resolve(TetherServer.RUNTIME);
        Files.createDirectories(runtime);
        var command = new ArrayList<>(KeeperProcess.thisJvm().command());
        command.replaceAll(a -> a.startsWith("-D" + KeeperProcess.BUILD_PROPERTY + "=") ? "-D" + KeeperProcess.BUILD_PROPERTY + "=" + build : a);
        command.add(runtime.toString());
        Process keeper = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(runtime.resolve(KeeperProcess.LOG).toFile()).start();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> Keeper.status(runtime, Duration.ofSeconds(5)).build().equals(build));
        return keeper;
    }

    @Test
    void keeperUpgrade_reExecutesTheRunningKeeperInPlace_andSaysItsPidAndFromWhichBuildToWhich(@TempDir Path data)
            throws Exception {
        Process keeper = keeper(data, "cli-old");
        try {
            var status = Cli.tether().run("keeper", "status", "--data-dir", data.toString());
            assertThat(status.exit()).as(status.toString()).isZero();
            assertThat(status.out()).isEqualTo("keeper pid " + keeper.pid() + " (build cli-old) holds 0 session(s); no server is attached\n");

            var result = Cli.tether().run("keeper", "upgrade", "--data-dir", data.toString());

            assertThat(result.exit()).as(result.toString()).isZero();
            assertThat(result.out()).matches("keeper pid " + keeper.pid() + " upgraded from build cli-old to (?!cli-old)\\S+; 0 session\\(s\\) kept\n");
            assertThat(keeper.isAlive()).isTrue();
            assertThat(Files.readString(Path.of("/proc/" + keeper.pid() + "/cmdline"))).doesNotContain("cli-old");
            String newBuild = Pattern.compile("to (\\S+);").matcher(result.out()).results().findFirst().orElseThrow().group(1);
            assertThat(Keeper.status(data.resolve(TetherServer.RUNTIME), Duration.ofSeconds(10)).build()).isEqualTo(newBuild);
        } finally {
            Keeper.stopRunning(data.resolve(TetherServer.RUNTIME));
            keeper.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void keeperUpgrade_whileServeIsAttached_exitsNonZero_sayingToStopTheServerFirst_andChangesNothing(@TempDir Path data)
            throws Exception {
        Path runtime = data.resolve(TetherServer.RUNTIME);
        Process serve = Cli.tether().processBuilder("serve", "--data-dir", data.toString(), "--listen", "127.0.0.1:0")
                .redirectErrorStream(true).redirectOutput(data.resolve("serve.log").toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> Keeper.status(runtime, Duration.ofSeconds(5)).attached());
            Keeper.Running before = Keeper.status(runtime, Duration.ofSeconds(5));

            var result = Cli.tether().run("keeper", "upgrade", "--data-dir", data.toString());

            assertThat(result.exit()).as(result.toString()).isEqualTo(ExitCodes.FAILED);
            assertThat(result.err()).contains("INVALID_STATE: cannot upgrade the keeper of " + runtime + ": a server (pid " + serve.pid()
                    + ") is attached and reads the sessions' terminals; stop it first (its sessions keep running), upgrade, then start it again");
            assertThat(Keeper.status(runtime, Duration.ofSeconds(5))).isEqualTo(before);
        } finally {
            serve.destroyForcibly().waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            Keeper.stopRunning(runtime);
        }
    }

    @Test
    void keeperUpgrade_withNoKeeperRunning_exitsNonZero_namingTheDirectory(@TempDir Path data) {
        var result = Cli.tether().run("keeper", "upgrade", "--data-dir", data.toString());

        assertThat(result.exit()).as(result.toString()).isEqualTo(ExitCodes.FAILED);
        assertThat(result.err()).contains("NOT_FOUND: no keeper runs for " + data.resolve(TetherServer.RUNTIME));
        assertThat(result.out()).isEmpty();
    }
}
