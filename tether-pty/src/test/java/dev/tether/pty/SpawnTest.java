package dev.tether.pty;

import static dev.tether.pty.Exits.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.terminal.Terminal;
import dev.tether.core.terminal.TerminalSpec;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** PtyHost.spawn: what the program gets, and what it costs the JVM. */
class SpawnTest {
    @RegisterExtension
    static final Host host = new Host();

    @Test
    void aProgramsOutputReachesAViewerAndItsExitStatusTheListener() throws Exception {
        Exits exits = new Exits();
        Terminal terminal = host.spawn(spec("/bin/sh", "-c", "echo hello; exit 3"), exits);
        RecordingViewer viewer = new RecordingViewer();
        terminal.attach(viewer);

        assertThat(exits.await()).isEqualTo(3);
        await().atMost(Exits.TIMEOUT).until(() -> viewer.text().contains("hello\r\n"));
        assertThat(terminal.alive()).isFalse();
        assertThat(terminal.outputBytes()).isEqualTo("hello\r\n".length());
        await().during(Duration.ofMillis(100)).atMost(Exits.TIMEOUT).untilAsserted(() -> assertThat(exits.calls).hasValue(1));
    }

    @Test
    void aProgramNotFoundInPathIsRefusedWithInvalidParameterNamingIt() {
        assertThatThrownBy(() -> host.spawn(spec("no-such-program-tether"), new Exits()))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.INVALID_PARAMETER))
                .hasMessageStartingWith("cannot start no-such-program-tether: not found in PATH=/usr/bin:/bin");
    }

    @Test
    void aFileThatIsNotExecutableIsRefusedBeforeAnythingStarts(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "hello");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> host.spawn(spec(file.toString()), new Exits()))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.INVALID_PARAMETER))
                .hasMessage("cannot start " + file + ": permission denied (not executable)");
    }

    @Test
    void anExecutableTheKernelCannotRunIsRefusedWithTheReason(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("garbage"), new byte[] {1, 2, 3, 4});
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThatThrownBy(() -> host.spawn(spec(file.toString()), new Exits()))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.INVALID_PARAMETER))
                .hasMessage("cannot start " + file + ": Exec format error");
    }

    @Test
    void aMissingWorkingDirectoryIsRefusedNamingIt() {
        TerminalSpec spec = new TerminalSpec(List.of("sh"), Exits.ENV, Path.of("/no/such/dir"), 80, 24, 4096);
        assertThatThrownBy(() -> host.spawn(spec, new Exits()))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.INVALID_PARAMETER))
                .hasMessage("cannot start sh: the working directory /no/such/dir does not exist");
    }

    @Test
    void theProgramGetsExactlyTheSpecsEnvironmentAndNothingInherited() throws Exception {
        Map<String, String> environment = Map.of("PATH", "/usr/bin:/bin", "FOO", "bar baz");
        Exits exits = new Exits();
        Terminal terminal = host.spawn(new TerminalSpec(List.of("env"), environment, Path.of("/"), 80, 24, 4096), exits);
        RecordingViewer viewer = new RecordingViewer();
        terminal.attach(viewer);

        assertThat(exits.await()).isZero();
        await().atMost(Exits.TIMEOUT).untilAsserted(() ->
                assertThat(viewer.text().split("\r\n")).containsExactlyInAnyOrder("PATH=/usr/bin:/bin", "FOO=bar baz"));
    }

    @Test
    void theProgramStartsInTheWorkingDirectoryWithThePtyAsControllingTerminalLeadingItsSession(@TempDir Path dir)
            throws Exception {
        Path real = dir.toRealPath();
        Exits exits = new Exits();
        Terminal terminal = host.spawn(new TerminalSpec(List.of("sh", "-c",
                "echo \"foo=$FOO\"; pwd; tty; echo sid=$(ps -o sid= -p $$ | tr -d ' ') pid=$$"),
                Map.of("PATH", "/usr/bin:/bin", "FOO", "bar"), real, 80, 24, 4096), exits);
        RecordingViewer viewer = new RecordingViewer();
        terminal.attach(viewer);

        assertThat(exits.await()).isZero();
        await().atMost(Exits.TIMEOUT).untilAsserted(() -> {
            List<String> lines = List.of(viewer.text().split("\r\n"));
            assertThat(lines).hasSizeGreaterThanOrEqualTo(4);
            assertThat(lines.get(0)).isEqualTo("foo=bar");
            assertThat(lines.get(1)).isEqualTo(real.toString());
            assertThat(lines.get(2)).matches("/dev/pts/\\d+");
            assertThat(lines.get(3)).isEqualTo("sid=" + terminal.pid() + " pid=" + terminal.pid());
        });
        // /dev/tty opens only for a process with a controlling terminal
        Exits second = new Exits();
        Terminal controlled = host.spawn(spec("sh", "-c", "exec 3</dev/tty && echo has-ctty"), second);
        RecordingViewer secondViewer = new RecordingViewer();
        controlled.attach(secondViewer);
        assertThat(second.await()).isZero();
        await().atMost(Exits.TIMEOUT).until(() -> secondViewer.text().contains("has-ctty"));
    }

    @Test
    void noDescriptorOfTheJvmLeaksIntoTheProgram() throws Exception {
        Exits exits = new Exits();
        // ls opens one descriptor of its own (3) to list the directory
        Terminal terminal = host.spawn(spec("ls", "/proc/self/fd"), exits);
        RecordingViewer viewer = new RecordingViewer();
        terminal.attach(viewer);

        assertThat(exits.await()).isZero();
        assertThat(Files.list(Path.of("/proc/self/fd")).count()).as("the JVM has descriptors to leak").isGreaterThan(10);
        await().atMost(Exits.TIMEOUT).untilAsserted(() ->
                assertThat(viewer.text().trim().split("\\s+")).containsExactly("0", "1", "2", "3"));
    }

    @Test
    void inputWrittenReachesTheProgram() throws Exception {
        Exits exits = new Exits();
        Terminal terminal = host.spawn(spec("cat"), exits);
        RecordingViewer viewer = new RecordingViewer();
        terminal.attach(viewer);
        terminal.write(ByteBuffer.wrap("ping\n".getBytes(StandardCharsets.US_ASCII)));

        // once echoed by the terminal, once written back by cat
        await().atMost(Exits.TIMEOUT).until(() -> viewer.text().equals("ping\r\nping\r\n"));
        terminal.write(ByteBuffer.wrap(new byte[] {4})); // ^D: end of file for cat
        assertThat(exits.await()).isZero();
    }

    @Test
    void twoHundredSessionsDoNotAddAThreadAndAllExitCleanly() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        warmUp();
        int before = threads.getThreadCount();
        threads.resetPeakThreadCount();

        int sessions = 200;
        CountDownLatch exited = new CountDownLatch(sessions);
        AtomicInteger failures = new AtomicInteger();
        List<Terminal> terminals = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < sessions; i++) {
            terminals.add(host.spawn(spec("sh", "-c", "read line; exit 7"), code -> {
                if (code != 7) {
                    failures.incrementAndGet();
                }
                exited.countDown();
            }));
        }
        long spawnNanos = System.nanoTime() - start;
        assertThat(terminals).allMatch(Terminal::alive);
        int during = threads.getThreadCount();
        terminals.forEach(t -> t.write(ByteBuffer.wrap("\n".getBytes(StandardCharsets.US_ASCII))));

        assertThat(exited.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(failures).hasValue(0);
        assertThat(during).isEqualTo(before);
        assertThat(threads.getPeakThreadCount()).isEqualTo(before);
        assertThat(terminals).noneMatch(Terminal::alive);
        System.out.printf("spawned %d sessions in %.1f ms (%.2f ms each); JVM threads %d before, %d during, peak %d%n",
                sessions, spawnNanos / 1e6, spawnNanos / 1e6 / sessions, before, during, threads.getPeakThreadCount());
    }

    private static void warmUp() throws Exception {
        Exits exits = new Exits();
        host.spawn(spec("true"), exits);
        exits.await();
    }

    @Test
    void argumentsArePassedVerbatim() throws Exception {
        Exits exits = new Exits();
        Terminal terminal = host.spawn(spec("printf", "[%s]", "a b", "", "ü*"), exits);
        RecordingViewer viewer = new RecordingViewer();
        terminal.attach(viewer);
        assertThat(exits.await()).isZero();
        await().atMost(Exits.TIMEOUT).until(() -> viewer.text().equals("[a b][][ü*]"));
    }
}
