package dev.tether.pty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.core.terminal.ScreenCapture;
import dev.tether.core.terminal.Terminal;
import dev.tether.core.terminal.TerminalSpec;
import dev.tether.term.Emulator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real program's terminal keeps its screen model: an attach is shown the screen a terminal that
 * saw the whole output shows (after any amount of output, with the modes the program set, never a
 * query), and the screen can be read without attaching. The reproductions, on a real PTY.
 */
class ScreenModelTest {
    @RegisterExtension
    static final Host host = new Host();

    static TerminalSpec spec(int ringBytes, String script) {
        return new TerminalSpec(List.of("/bin/sh", "-c", script), Exits.ENV, Path.of("/tmp"), 80, 24, ringBytes);
    }

    /** The screen an attach is shown, drawn on a fresh emulator of the session's size. */
    static Emulator shown(Terminal terminal, int scrollback) {
        var viewer = new RecordingViewer();
        var attachment = terminal.attachScreen(viewer, scrollback);
        await().atMost(Exits.TIMEOUT).until(() -> !viewer.screens.isEmpty());
        attachment.detach();
        var e = new Emulator(80, 24, 1 << 20);
        e.feed(viewer.screens.getFirst());
        return e;
    }

    /**
     * Reproduction: {@code vim -R} on a big file and 140 pages forward (411 KB of output); a client
     * attaching then was on the normal screen with application cursor keys, keypad, bracketed paste,
     * mouse tracking and focus reporting off. The ring here (16 KiB) wraps 25 times over.
     */
    @Test
    void anAttachAfterTheRingWrappedManyTimes_isShownTheFullScreenProgramsScreenAndModes() throws Exception {
        String script = "printf '\\033[?1049h\\033[?1h\\033=\\033[?2004h\\033[?1002h\\033[?1006h\\033[?1004h'; i=0;"
                + " while [ $i -lt 140 ]; do printf '\\033[H\\033[2J'; j=1; while [ $j -lt 24 ]; do"
                + " printf '\\033[%d;1H%4d line %d of a big file, as long as a line of prose is: about seventy-five' $j $((i*24+j)) $((i*24+j)); j=$((j+1)); done;"
                + " printf '\\033[24;1H\\033[7m\"big.txt\" page %d\\033[m' $i; i=$((i+1)); done; printf DONE; exec sleep 600";
        Terminal t = host.spawn(spec(16 * 1024, script), new Exits());
        try {
            await().atMost(java.time.Duration.ofSeconds(60)).untilAsserted(() -> assertThat(t.capture(ScreenCapture.Request.TEXT)
                    .get(10, TimeUnit.SECONDS).lines().get(23)).as("after %d bytes", t.outputBytes()).contains("DONE"));
            assertThat(t.outputTail()).as("the ring wrapped").isGreaterThan(200_000);

            Emulator e = shown(t, 0);

            assertThat(e.alternateScreen()).isTrue();
            assertThat(e.modes().appCursor()).isTrue();
            assertThat(e.modes().appKeypad()).isTrue();
            assertThat(e.modes().bracketedPaste()).isTrue();
            assertThat(e.modes().mouse()).isEqualTo(1002);
            assertThat(e.modes().mouseSgr()).isTrue();
            assertThat(e.modes().focus()).isTrue();
            assertThat(e.text(0).lines().toList().get(0)).isEqualTo("3337 line 3337 of a big file, as long as a line of prose is: about"
                    + " seventy-five");
            assertThat(e.text(0).lines().toList().get(23)).isEqualTo("\"big.txt\" page 139DONE");
        } finally {
            t.signal(9);
        }
    }

    /**
     * Reproduction: in bash, {@code printf '\033[6n'} before a detach made the next command
     * {@code 1Recho: command not found}: the replayed query was answered again by the client's
     * terminal. The screen shown never holds a query.
     */
    @Test
    void aTerminalQueryTheProgramWrote_isNeverShownToALaterAttach() throws Exception {
        Terminal t = host.spawn(spec(256 * 1024, "printf 'prompt$ \\033[6n\\033[c\\033]11;?\\007'; exec sleep 600"), new Exits());
        try {
            await().atMost(Exits.TIMEOUT).until(() -> t.outputBytes() >= 20);
            var viewer = new RecordingViewer();
            t.attachScreen(viewer, 100);
            await().atMost(Exits.TIMEOUT).until(() -> !viewer.screens.isEmpty());

            String screen = new String(viewer.screens.getFirst(), StandardCharsets.UTF_8);
            assertThat(screen).contains("prompt$").doesNotContain("\033[6n", "\033[c", "]11;?");
            assertThat(viewer.screenOffsets.getFirst()).isEqualTo(t.outputBytes());
        } finally {
            t.signal(9);
        }
    }

    @Test
    void outputAfterTheScreen_followsIt_fromTheOffsetItWasMadeAt() throws Exception {
        Terminal t = host.spawn(spec(4096, "i=0; while [ $i -lt 300 ]; do echo line $i; i=$((i+1)); done; read x; echo after $x;"
                + " exec sleep 600"), new Exits());
        try {
            await().atMost(Exits.TIMEOUT).until(() -> t.outputBytes() > 2500);
            var viewer = new RecordingViewer();
            t.attachScreen(viewer, 10);
            await().atMost(Exits.TIMEOUT).until(() -> !viewer.screens.isEmpty());
            t.write(java.nio.ByteBuffer.wrap("typed\n".getBytes(StandardCharsets.US_ASCII)));
            await().atMost(Exits.TIMEOUT).until(() -> viewer.text().contains("after typed"));

            var e = new Emulator(80, 24, 1 << 20);
            e.feed(viewer.screens.getFirst());
            e.feed(viewer.bytesReceived());
            var reference = new Emulator(80, 24, 1 << 20);
            var all = new StringBuilder();
            for (int i = 0; i < 300; i++) {
                all.append("line ").append(i).append("\r\n");
            }
            reference.feed(all.append("typed\r\nafter typed\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            assertThat(e.text(0)).isEqualTo(reference.text(0));
            assertThat(e.scrollbackText().subList(e.scrollbackLines() - 10, e.scrollbackLines()))
                    .as("the scrollback asked for, then what scrolled since")
                    .isEqualTo(reference.scrollbackText().subList(reference.scrollbackLines() - 10, reference.scrollbackLines()));
        } finally {
            t.signal(9);
        }
    }

    @Test
    void theScreenCanBeReadWithoutAttaching_asTextAnsiOrSvg_afterAResize() throws Exception {
        Terminal t = host.spawn(spec(256 * 1024, "printf '\\033]2;my title\\007\\033[31mred\\033[m plain'; read x;"
                + " printf '\\033[2J\\033[H%s' \"$(stty size)\"; exec sleep 600"), new Exits());
        try {
            await().atMost(Exits.TIMEOUT).until(() -> t.outputBytes() >= 30);
            ScreenCapture text = t.capture(new ScreenCapture.Request(0, false, true)).get(10, TimeUnit.SECONDS);
            assertThat(text.lines().getFirst()).isEqualTo("red plain");
            assertThat(text.title()).isEqualTo("my title");
            assertThat(text.cursorRow()).isZero();
            assertThat(text.cursorCol()).isEqualTo(9);
            assertThat(text.svg()).startsWith("<svg").contains(">red</text>", "fill=\"#cd0000\"", "> plain</text>");
            ScreenCapture ansi = t.capture(new ScreenCapture.Request(0, true, false)).get(10, TimeUnit.SECONDS);
            assertThat(ansi.lines().getFirst()).isEqualTo("\033[0;31mred\033[0m plain");

            t.resize(100, 30);
            t.write(java.nio.ByteBuffer.wrap("\n".getBytes(StandardCharsets.US_ASCII)));
            await().atMost(Exits.TIMEOUT).untilAsserted(() -> {
                ScreenCapture after = t.capture(ScreenCapture.Request.TEXT).get(10, TimeUnit.SECONDS);
                assertThat(after.cols()).isEqualTo(100);
                assertThat(after.rows()).isEqualTo(30);
                assertThat(after.lines().getFirst()).isEqualTo("30 100");
            });
        } finally {
            t.signal(9);
        }
    }
}
