package dev.tether.pty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.core.terminal.Terminal;
import dev.tether.core.terminal.TerminalSpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The PTY's line discipline follows the session's locale, as a terminal emulator's does. */
class LocaleTest {
    @RegisterExtension
    static final Host host = new Host();

    /** What {@code read} got, in hex as od prints it, after typing {@code input} on a terminal in locale {@code lang}. */
    private static String readAfterTyping(String lang, byte[] input) throws Exception {
        Exits exits = new Exits();
        var spec = new TerminalSpec(List.of("sh", "-c", "IFS= read -r line; printf '%s' \"$line\" | od -An -tx1 | tr -d ' '; echo =END"),
                Map.of("PATH", "/usr/bin:/bin", "TERM", "xterm-256color", "LANG", lang), Path.of("/tmp"), 80, 24, 64 * 1024);
        Terminal terminal = host.spawn(spec, exits);
        RecordingViewer viewer = new RecordingViewer();
        terminal.attach(viewer);
        terminal.write(ByteBuffer.wrap(input));
        assertThat(exits.await()).isZero();
        await().atMost(Exits.TIMEOUT).until(() -> viewer.text().contains("=END"));
        String text = viewer.text();
        String beforeEnd = text.substring(0, text.indexOf("=END")).strip();
        return beforeEnd.substring(beforeEnd.lastIndexOf('\n') + 1).strip();
    }

    private static String sttyFlags(String lang) throws Exception {
        Exits exits = new Exits();
        var spec = new TerminalSpec(List.of("sh", "-c", "stty -a; echo =END"),
                Map.of("PATH", "/usr/bin:/bin", "TERM", "xterm-256color", "LANG", lang), Path.of("/tmp"), 80, 24, 64 * 1024);
        Terminal terminal = host.spawn(spec, exits);
        RecordingViewer viewer = new RecordingViewer();
        terminal.attach(viewer);
        assertThat(exits.await()).isZero();
        await().atMost(Exits.TIMEOUT).until(() -> viewer.text().contains("=END"));
        return viewer.text();
    }

    /**
     * Issue 8 §5: the PTY lacked IUTF8 although the session's locale was UTF-8, so Backspace after
     * {@code ä} erased one byte of its two: typing {@code a ä BS Enter} gave {@code read} the bytes
     * {@code 61 c3} (a tmux pane gives {@code 61}).
     */
    @Test
    void backspaceAfterAnUmlautErasesTheWholeCharacterInAUtf8Locale() throws Exception {
        byte[] typed = "aä\u007f\n".getBytes(StandardCharsets.UTF_8);

        assertThat(readAfterTyping("C.UTF-8", typed)).isEqualTo("61");
        assertThat(readAfterTyping("de_DE.utf8", typed)).isEqualTo("61");
    }

    /** With no locale (C, plain ASCII) IUTF8 is on too; a locale that names another character set keeps it off. */
    @Test
    void theLineDisciplineIsUtf8UnlessTheLocaleNamesAnotherCharacterSet() throws Exception {
        assertThat(sttyFlags("C.UTF-8")).containsPattern("(?<!-)iutf8");
        assertThat(sttyFlags("C")).containsPattern("(?<!-)iutf8");
        assertThat(sttyFlags("de_DE.ISO-8859-1")).contains("-iutf8");
    }
}
