package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The AOT cache's training run does what it says: every command it runs reaches its throw-away
 * server, so the cache holds the HTTP client, Jackson and the WebSocket, not only picocli; and it
 * ends with 0. A failure here means {@code bin/tether} would silently
 * train a cache that leaves most of a command's classes out.
 */
class AotTrainingTest {
    @Test
    @Timeout(120)
    void theTrainingRunsEveryCommandAgainstItsOwnServerAndEndsCleanly() throws Exception {
        var command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), AotTraining.class.getName()));
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        var out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        String err = read(p.getErrorStream());
        assertThat(p.waitFor(100, TimeUnit.SECONDS)).isTrue();

        assertThat(p.exitValue()).isZero();
        assertThat(err).doesNotContain("AOT training");
        assertThat(err).contains("SERVER_UNREACHABLE", "[detached from session 1]");
        assertThat(out.get()).contains("Usage: tether", "trained", "sh", "(administrator)");
    }

    /**
     * Reproduction: after {@code bin/tether} had trained its cache once, {@code pgrep -af KeeperMain}
     * listed a keeper on {@code /tmp/tether-aot-training-…/run}, a directory already deleted; one
     * more for every training.
     */
    @Test
    @Timeout(120)
    void theTrainingLeavesNoKeeperRunning() throws Exception {
        var before = trainingKeepers();
        var command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), AotTraining.class.getName()));
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        assertThat(p.waitFor(100, TimeUnit.SECONDS)).isTrue();

        assertThat(trainingKeepers()).isSubsetOf(before);
    }

    /** The processes whose command line names a training's data directory (a keeper, a server). */
    private static List<Long> trainingKeepers() {
        return ProcessHandle.allProcesses().filter(h -> {
            try {
                return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + h.pid() + "/cmdline")).contains("tether-aot-training-");
            } catch (java.io.IOException | RuntimeException gone) {
                return false;
            }
        }).map(ProcessHandle::pid).toList();
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
