package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/tether}, the real script, in a copy of the checkout's layout with a fake JDK and a fake
 * {@code mvnw} that write down how they were called.
 *
 * <p>Reproduction (issue 9, §5): every command took about 0.7 s, 0.15 s of it in the launcher, which
 * ran {@code java -version} on every candidate JVM and walked the whole tree, benchmarks and
 * {@code .git} included, on each call; and the CLI's JVM started cold.
 */
class LauncherTest {
    private static final Path LAUNCHER = Path.of("..", "bin", "tether").toAbsolutePath().normalize();

    @TempDir
    Path root;
    private Path jdk;
    private Path log;
    private Path jar;
    private Path aot;

    @BeforeEach
    void checkout() throws IOException {
        Files.createDirectories(root.resolve("bin"));
        Files.copy(LAUNCHER, root.resolve("bin/tether"));
        log = root.resolve("calls.log");
        jdk = fakeJdk("jdk-25", /* trainingFails= */ false);
        executable(root.resolve("mvnw"), "#!/bin/sh\necho \"mvnw $*\" >>'" + log + "'\ntouch tether-cli/target/tether.jar\n");
        for (String f : List.of("pom.xml", "tether-cli/pom.xml", "tether-core/pom.xml", "tether-core/src/main/java/A.java",
                "tether-bench/pom.xml", "tether-bench/src/main/java/B.java", "tether-core/src/test/java/ATest.java")) {
            write(root.resolve(f), "x", Instant.now().minusSeconds(3600));
        }
        jar = root.resolve("tether-cli/target/tether.jar");
        aot = root.resolve("tether-cli/target/tether.aot");
        write(jar, "jar", Instant.now().minusSeconds(600));
    }

    @Test
    void theFirstCommandFindsJavaAndTrainsTheCacheAndTheNextOnlyRunsTheJar() throws Exception {
        Run first = tether("sessions");
        assertThat(first.calls()).first().isEqualTo("-version");
        assertThat(first.calls()).anyMatch(c -> c.contains("-XX:AOTMode=record") && c.contains("dev.tether.cli.AotTraining"));
        assertThat(first.calls()).anyMatch(c -> c.contains("-XX:AOTMode=create"));
        assertThat(first.calls().getLast()).contains("-XX:AOTCache=" + aot, "-Xlog:aot=off", "-Xlog:cds=off")
                .endsWith("-jar " + jar + " sessions");
        assertThat(first.err()).contains("preparing the start-up cache");
        assertThat(root.resolve("tether-cli/target/launcher.java")).content().contains(jdk.resolve("bin/java").toString());

        Run second = tether("sessions");
        assertThat(second.calls()).as("no probe, no training, no build").hasSize(1);
        assertThat(second.calls().getFirst()).isEqualTo(first.calls().getLast());
        assertThat(second.err()).isEmpty();
    }

    @Test
    void aJarNewerThanTheCacheIsTrainedAgain() throws Exception {
        tether("sessions");
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(5)));

        assertThat(tether("sessions").calls()).anyMatch(c -> c.contains("-XX:AOTMode=record")).noneMatch(c -> c.equals("-version"));
    }

    @Test
    void anotherJavaHomeOrAVanishedJavaIsProbedAgainAndItsCacheRemade() throws Exception {
        tether("sessions");
        Path other = fakeJdk("other-25", /* trainingFails= */ false);

        Run moved = tether(other, "sessions");
        assertThat(moved.calls()).first().isEqualTo("-version");
        assertThat(moved.calls()).anyMatch(c -> c.contains("-XX:AOTMode=record"));

        Path found = root.resolve("tether-cli/target/launcher.java");
        Files.writeString(found, "JAVA_HOME=" + other + "\n" + root.resolve("uninstalled/bin/java") + "\n");
        Run vanished = tether(other, "sessions");
        assertThat(vanished.calls()).first().isEqualTo("-version");
        assertThat(found).content().contains(other.resolve("bin/java").toString());
    }

    @Test
    void aSourceNewerThanTheJarRebuildsItButABenchmarkOrATestDoesNot() throws Exception {
        tether("sessions");
        write(root.resolve("tether-bench/src/main/java/B.java"), "changed", Instant.now());
        write(root.resolve("tether-core/src/test/java/ATest.java"), "changed", Instant.now());
        assertThat(tether("sessions").calls()).noneMatch(c -> c.startsWith("mvnw"));

        write(root.resolve("tether-core/src/main/java/A.java"), "changed", Instant.now().plusSeconds(1));
        assertThat(tether("sessions").calls()).anyMatch(c -> c.startsWith("mvnw") && c.contains("-pl tether-cli -am package"));
    }

    @Test
    void serveKeepsItsOwnOptionsAndNoCache() throws Exception {
        Run serve = tether("serve", "--listen", "127.0.0.1:0");
        String exec = serve.calls().getLast();
        assertThat(exec).contains("-XX:+UseG1GC", "-Xms16m").doesNotContain("AOTCache", "TieredStopAtLevel", "SerialGC");
        assertThat(serve.calls()).noneMatch(c -> c.contains("AOTMode"));
    }

    @Test
    void aFailedTrainingIsSaidOnceAndCommandsRunWithoutTheCache() throws Exception {
        jdk = fakeJdk("jdk-25", /* trainingFails= */ true);
        Run first = tether("sessions");
        assertThat(first.err()).contains("could not prepare the start-up cache");
        assertThat(first.calls().getLast()).doesNotContain("AOTCache").endsWith("sessions");

        Run second = tether("sessions");
        assertThat(second.calls()).hasSize(1);
        assertThat(second.err()).isEmpty();
    }

    record Run(int exit, List<String> calls, String err) {
    }

    private Run tether(String... args) throws Exception {
        return tether(jdk, args);
    }

    private Run tether(Path javaHome, String... args) throws Exception {
        Files.deleteIfExists(log);
        var command = new ArrayList<>(List.of("bash", root.resolve("bin/tether").toString()));
        command.addAll(List.of(args));
        var pb = new ProcessBuilder(command).directory(root.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("JAVA_HOME", javaHome.toString());
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().remove("TETHER_JAVA_OPTS");
        Process p = pb.start();
        p.getInputStream().close();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the launcher ends").isTrue();
        List<String> calls = Files.exists(log) ? Files.readAllLines(log) : List.of();
        assertThat(p.exitValue()).as(err).isZero();
        return new Run(p.exitValue(), calls, err);
    }

    /** A JDK 25 whose java writes its arguments down; in AOTMode=create it writes the cache file. */
    private Path fakeJdk(String name, boolean trainingFails) throws IOException {
        Path home = root.resolve(name);
        executable(home.resolve("bin/java"), """
                #!/bin/sh
                echo "$*" >>'%s'
                case "$*" in
                  -version) echo 'openjdk version "25.0.1" 2025-10-21' >&2 ;;
                  *AOTMode=record*) exit %d ;;
                  *AOTMode=create*) for a; do case "$a" in -XX:AOTCache=*) echo cache >"${a#-XX:AOTCache=}" ;; esac; done ;;
                esac
                exit 0
                """.formatted(log, trainingFails ? 1 : 0));
        return home;
    }

    private static void executable(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void write(Path file, String content, Instant modified) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        Files.setLastModifiedTime(file, FileTime.from(modified));
    }
}
