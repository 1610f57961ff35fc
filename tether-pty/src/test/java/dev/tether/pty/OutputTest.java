package dev.tether.pty;

import static dev.tether.pty.Exits.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.core.terminal.Terminal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Terminal output: the ring buffer, the replay on attach, the drain at exit, the window size. */
class OutputTest {
    @RegisterExtension
    static final Host host = new Host();

    private static void type(Terminal terminal, String text) {
        terminal.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void aLateViewerIsReplayedExactlyTheLastRingBytesOfTheStream() throws Exception {
        int ringBytes = 4096;
        Exits exits = new Exits();
        // waits for a line so that the first viewer sees the whole stream, then writes ~108 KB
        Terminal terminal = host.spawn(spec(ringBytes, "sh", "-c", "read go; seq 1 20000"), exits);
        RecordingViewer early = new RecordingViewer();
        terminal.attach(early);
        type(terminal, "\n");
        assertThat(exits.await()).isZero();

        byte[] stream = early.bytesReceived();
        assertThat(stream.length).isGreaterThan(100_000);
        assertThat(terminal.outputBytes()).isEqualTo(stream.length);
        RecordingViewer late = new RecordingViewer();
        terminal.attach(late);
        await().atMost(Exits.TIMEOUT).until(() -> late.bytes.get() == ringBytes);
        await().during(Duration.ofMillis(50)).atMost(Exits.TIMEOUT).untilAsserted(() ->
                assertThat(late.bytesReceived()).isEqualTo(Arrays.copyOfRange(stream, stream.length - ringBytes, stream.length)));
    }

    @Test
    void everythingTheProgramWroteIsDeliveredBeforeTheListenerHearsOfItsExit() throws Exception {
        int total = 300_000;
        CompletableFuture<Long> receivedAtExit = new CompletableFuture<>();
        RecordingViewer viewer = new RecordingViewer(/* keepBytes= */ false);
        Terminal terminal = host.spawn(spec(1 << 20, "sh", "-c", "head -c " + total + " /dev/zero | tr '\\0' a"),
                code -> receivedAtExit.complete(viewer.bytes.get()));
        terminal.attach(viewer);

        assertThat(receivedAtExit.get(10, TimeUnit.SECONDS)).isEqualTo(total);
        assertThat(terminal.outputBytes()).isEqualTo(total);
    }

    @Test
    void atExitTheOutputLeftInThePtyIsReadAndSentEvenToAFullViewer() throws Exception {
        int total = 8_000; // fits in the kernel's PTY buffers (about 12 KB on Linux 6.x), so the program exits unread
        CompletableFuture<Long> receivedAtExit = new CompletableFuture<>();
        RecordingViewer full = new RecordingViewer();
        full.full.set(true);
        Terminal terminal = host.spawn(spec(1 << 20, "sh", "-c", "read go; head -c " + total + " /dev/zero | tr '\\0' a"),
                code -> receivedAtExit.complete(full.bytes.get()));
        terminal.attach(full);
        type(terminal, "\n"); // its echo fills the viewer: from then on the PTY is not read

        long expected = "\r\n".length() + total;
        assertThat(receivedAtExit.get(10, TimeUnit.SECONDS)).isEqualTo(expected);
        assertThat(terminal.outputBytes()).isEqualTo(expected);
        assertThat(full.text()).endsWith("aaaa");
        assertThat(full.tooSlow).hasValue(0);
    }

    @Test
    void resizeChangesTheWindowSizeTheProgramSees() throws Exception {
        Exits exits = new Exits();
        Terminal terminal = host.spawn(spec("sh", "-c", "stty size; read go; stty size"), exits);
        RecordingViewer viewer = new RecordingViewer();
        terminal.attach(viewer);
        await().atMost(Exits.TIMEOUT).until(() -> viewer.text().contains("24 80\r\n"));

        terminal.resize(132, 43);
        type(terminal, "\n");

        assertThat(exits.await()).isZero();
        await().atMost(Exits.TIMEOUT).until(() -> viewer.text().contains("43 132\r\n"));
    }

    @Test
    void attachingAViewerSendsSigwinchToTheForegroundProgram() throws Exception {
        Exits exits = new Exits();
        Terminal terminal = host.spawn(
                spec("sh", "-c", "trap 'echo WINCH' WINCH; echo ready; while :; do sleep 0.05; done"), exits);
        RecordingViewer monitor = new RecordingViewer();
        terminal.attach(monitor);
        await().atMost(Exits.TIMEOUT).until(() -> monitor.text().contains("ready"));
        // a WINCH from the monitor's own attach may still be on its way
        await().during(Duration.ofMillis(200)).atMost(Exits.TIMEOUT).until(Exits.unchanged(monitor::text));
        int before = count(monitor.text(), "WINCH");

        RecordingViewer second = new RecordingViewer();
        terminal.attach(second);

        await().atMost(Exits.TIMEOUT).until(() -> count(monitor.text(), "WINCH") == before + 1);
        assertThat(second.text()).startsWith("ready");
        terminal.signal(LibC.SIGKILL);
        assertThat(exits.await()).isEqualTo(128 + LibC.SIGKILL);
    }

    @Test
    void withoutViewersTheProgramRunsFreelyAndTheRingKeepsItsLatestOutput() throws Exception {
        Exits exits = new Exits();
        Terminal terminal = host.spawn(spec(1024, "sh", "-c", "seq 1 50000; echo the-end"), exits);
        assertThat(exits.await()).isZero();
        RecordingViewer viewer = new RecordingViewer();
        terminal.attach(viewer);
        await().atMost(Exits.TIMEOUT).until(() -> viewer.bytes.get() == 1024);
        assertThat(viewer.text()).endsWith("50000\r\nthe-end\r\n");
    }

    private static int count(String text, String word) {
        int n = 0;
        for (int at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
            n++;
        }
        return n;
    }
}
