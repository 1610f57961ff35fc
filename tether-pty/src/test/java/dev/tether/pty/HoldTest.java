package dev.tether.pty;

import static dev.tether.pty.Exits.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.core.terminal.Terminal;
import dev.tether.core.terminal.TerminalSpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Terminal.hold: a locked session keeps its program running and its viewers in the dark until released. */
class HoldTest {
    private static final int RING = 16 * 1024;
    /** A shell that echoes WINCH for every SIGWINCH, says ready and idles. */
    private static final String WINCH_ECHO = "trap 'echo WINCH' WINCH; echo ready; ";
    @RegisterExtension
    static final Host host = new Host();

    private static void type(Terminal terminal, String text) {
        terminal.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void outputWrittenWhileHeldGoesIntoTheRingButNotToTheViewerAndArrivesOnRelease() throws Exception {
        Exits exits = new Exits();
        Terminal terminal = host.spawn(spec(RING, "sh", "-c", "echo ready; read go; echo while-held; read go"), exits);
        RecordingViewer viewer = new RecordingViewer();
        terminal.attach(viewer);
        await().atMost(Exits.TIMEOUT).until(() -> viewer.text().equals("ready\r\n"));

        terminal.hold(true);
        type(terminal, "\n");

        long expected = "ready\r\n\r\nwhile-held\r\n".length();
        await().atMost(Exits.TIMEOUT).until(() -> terminal.outputBytes() == expected);
        await().during(Duration.ofMillis(100)).atMost(Exits.TIMEOUT).untilAsserted(() -> assertThat(viewer.text()).isEqualTo("ready\r\n"));

        terminal.hold(false);

        await().atMost(Exits.TIMEOUT).until(() -> viewer.bytes.get() == expected);
        type(terminal, "\n");
        assertThat(exits.await()).isZero();
        assertThat(viewer.text()).isEqualTo("ready\r\n\r\nwhile-held\r\n\r\n");
        assertThat(viewer.tooSlow).hasValue(0);
    }

    @Test
    void aHeldTerminalIsReadEvenWithAFullViewerSoTheProgramFinishesAndTheViewerGetsTheRingOnRelease() throws Exception {
        int total = 10 * RING;
        Exits exits = new Exits();
        Terminal terminal = host.spawn(spec(RING, "sh", "-c",
                "echo ready; read go; head -c " + total + " /dev/zero | tr '\\0' a; echo done"), exits);
        RecordingViewer viewer = new RecordingViewer();
        viewer.full.set(true);
        terminal.attach(viewer);
        // it refuses "ready": unheld, the PTY would not be read any more and the program would block
        await().atMost(Exits.TIMEOUT).until(() -> viewer.sends.get() == 1);
        terminal.hold(true);
        type(terminal, "\n");

        assertThat(exits.await()).isZero();
        long stream = "ready\r\n\r\n".length() + total + "done\r\n".length();
        assertThat(terminal.outputBytes()).isEqualTo(stream);
        assertThat(viewer.sends).as("sends while held, even at the exit").hasValue(1);
        viewer.drain(); // still held: nothing is sent, but its transport is known to take bytes again
        await().during(Duration.ofMillis(100)).atMost(Exits.TIMEOUT).untilAsserted(() -> assertThat(viewer.sends).hasValue(1));
        viewer.full.set(true);

        terminal.hold(false);

        // the ring wraps into its array: the first slice (up to the array's end) is refused, the rest waits for a drain
        await().atMost(Exits.TIMEOUT).until(() -> viewer.sends.get() == 2);
        await().during(Duration.ofMillis(100)).atMost(Exits.TIMEOUT).untilAsserted(() ->
                assertThat(viewer.bytes.get()).isEqualTo("ready\r\n".length() + RING - stream % RING));
        viewer.drain();
        await().atMost(Exits.TIMEOUT).until(() -> viewer.bytes.get() == "ready\r\n".length() + RING);
        assertThat(viewer.text()).isEqualTo("ready\r\n" + "a".repeat(RING - "done\r\n".length()) + "done\r\n");
        assertThat(viewer.tooSlow).hasValue(0);
    }

    @Test
    void onReleaseAViewerThatMissedMoreThanTheRingIsToldWhatItLost_getsTheRing_thenTheProgramIsSentSigwinch(@TempDir Path dir)
            throws Exception {
        int total = 10 * RING;
        Exits exits = new Exits();
        Terminal terminal = host.spawn(new TerminalSpec(List.of("sh", "-c", WINCH_ECHO
                + "while [ ! -e go ]; do sleep 0.02; done; head -c " + total + " /dev/zero | tr '\\0' a; echo done; "
                + "while :; do sleep 0.02; done"), Exits.ENV, dir, 80, 24, RING), exits);
        RecordingViewer viewer = new RecordingViewer();
        terminal.attach(viewer);
        await().atMost(Exits.TIMEOUT).until(() -> viewer.text().contains("ready"));
        // the WINCH of the attach may still be on its way
        await().during(Duration.ofMillis(200)).atMost(Exits.TIMEOUT).until(Exits.unchanged(viewer::text));
        String beforeHold = viewer.text();

        terminal.hold(true);
        Files.createFile(dir.resolve("go"));

        long expected = beforeHold.length() + total + "done\r\n".length();
        await().atMost(Exits.TIMEOUT).until(() -> terminal.outputBytes() == expected);
        await().during(Duration.ofMillis(100)).atMost(Exits.TIMEOUT).untilAsserted(() -> assertThat(viewer.text()).isEqualTo(beforeHold));

        terminal.hold(false);

        String replay = "a".repeat(RING - "done\r\n".length()) + "done\r\n";
        await().atMost(Exits.TIMEOUT).until(() -> viewer.text().equals(beforeHold + replay + "WINCH\r\n"));
        assertThat(viewer.lost).hasValue(expected - beforeHold.length() - RING); // its position stays true: received + lost
        assertThat(terminal.outputTail()).isEqualTo(terminal.outputBytes() - RING); // the redraw's WINCH came after
        assertThat(viewer.tooSlow).hasValue(0);
        terminal.signal(LibC.SIGKILL);
        assertThat(exits.await()).isEqualTo(128 + LibC.SIGKILL);
    }

    @Test
    void aViewerAttachedWhileHeldGetsNoReplayAndNoRedrawUntilTheReleaseAndRepeatedCallsDoNothing() throws Exception {
        Exits exits = new Exits();
        Terminal terminal = host.spawn(spec(RING, "sh", "-c", WINCH_ECHO + "while :; do sleep 0.02; done"), exits);
        await().atMost(Exits.TIMEOUT).until(() -> terminal.outputBytes() == "ready\r\n".length());

        terminal.hold(false); // not held: no release, no SIGWINCH
        terminal.hold(true);
        terminal.hold(true);
        RecordingViewer viewer = new RecordingViewer();
        terminal.attach(viewer);
        await().during(Duration.ofMillis(300)).atMost(Exits.TIMEOUT).untilAsserted(() -> {
            assertThat(viewer.sends).hasValue(0);
            assertThat(terminal.outputBytes()).as("output of a SIGWINCH").isEqualTo("ready\r\n".length());
        });

        terminal.hold(false);
        terminal.hold(false);

        await().atMost(Exits.TIMEOUT).until(() -> viewer.text().equals("ready\r\nWINCH\r\n"));
        await().during(Duration.ofMillis(300)).atMost(Exits.TIMEOUT).untilAsserted(() ->
                assertThat(viewer.text()).as("one SIGWINCH for one release").isEqualTo("ready\r\nWINCH\r\n"));
        terminal.signal(LibC.SIGKILL);
        assertThat(exits.await()).isEqualTo(128 + LibC.SIGKILL);
    }
}
