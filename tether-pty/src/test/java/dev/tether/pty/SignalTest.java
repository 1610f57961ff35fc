package dev.tether.pty;

import static dev.tether.pty.Exits.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.awaitility.Awaitility.await;

import dev.tether.core.terminal.Terminal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Terminal.signal and the exit codes of programs ended by signals. */
class SignalTest {
    @RegisterExtension
    static final Host host = new Host();

    @Test
    void aProgramKilledByASignalExitsWith128PlusTheSignal() throws Exception {
        Exits exits = new Exits();
        host.spawn(spec("sh", "-c", "kill -KILL $$"), exits);
        assertThat(exits.await()).isEqualTo(128 + 9);
    }

    @Test
    void signalEndsTheProgramsProcessGroup() throws Exception {
        Exits exits = new Exits();
        Terminal terminal = host.spawn(spec("sleep", "1000"), exits);
        terminal.signal(LibC.SIGTERM);
        assertThat(exits.await()).isEqualTo(128 + LibC.SIGTERM);
        assertThat(terminal.alive()).isFalse();
        assertThatNoException().as("signalling an exited program").isThrownBy(() -> terminal.signal(LibC.SIGTERM));
    }

    @Test
    void signalAlsoReachesABackgroundJobInAnotherProcessGroupOfTheSession() throws Exception {
        Exits exits = new Exits();
        Terminal terminal = host.spawn(spec("sh", "-c", "set -m; sleep 1000 & echo job=$!; wait"), exits);
        RecordingViewer viewer = new RecordingViewer();
        terminal.attach(viewer);
        await().atMost(Exits.TIMEOUT).until(() -> viewer.text().contains("\r\n"));
        Matcher job = Pattern.compile("job=(\\d+)").matcher(viewer.text());
        assertThat(job.find()).isTrue();
        String sleeper = job.group(1);
        long stat = SessionScan.parse(Files.readString(Path.of("/proc", sleeper, "stat")));
        assertThat(stat >>> 32).as("session of the job").isEqualTo(terminal.pid());
        assertThat((int) stat).as("process group of the job").isNotEqualTo((int) terminal.pid());

        terminal.signal(LibC.SIGTERM);

        assertThat(exits.await()).isEqualTo(128 + LibC.SIGTERM);
        await().atMost(Exits.TIMEOUT).until(() -> isGone(sleeper));
    }

    /** Gone, or a zombie waiting for an init that does not reap. */
    private static boolean isGone(String pid) {
        try {
            String stat = Files.readString(Path.of("/proc", pid, "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true;
        }
    }
}
