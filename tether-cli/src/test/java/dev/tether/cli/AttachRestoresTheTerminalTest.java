package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.NewSession;
import dev.tether.api.SessionState;
import dev.tether.client.TetherClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 8 §5: {@code tether session attach} leaves the user's terminal as it found it, however the
 * attachment ends. tmux is the oracle: its pane modes after the CLI exits equal a fresh pane's.
 *
 * <p>Reproduction, before the fix: a session's program set the alternate screen, cursor keys, keypad,
 * mouse reporting (1000, 1002, 1005, 1006), focus events, bracketed paste, origin mode, insert mode, no
 * wrap, a hidden cursor, bold red and the line-drawing character set, then the attachment ended (Ctrl-],
 * a disconnect, a close, the server going away). The pane stayed in every one of those modes
 * ({@code alternate_on=1 cursor_flag=0 keypad_flag=1 ...}), and the closing line was printed over the
 * program's screen, in bold red line-drawing characters; a paste afterwards arrived in bracketed-paste
 * markers.
 */
class AttachRestoresTheTerminalTest {
    static final int COLS = 80;
    static final int ROWS = 24;
    static final String MAIN_LINE = "on-the-main-screen$";
    static final String ALT_TEXT = "ALT-SCREEN-TEXT";
    /** Every mode the issue names, set as a full-screen program sets them, then text on the alternate screen. */
    static final String PROGRAM = "printf '" + MAIN_LINE + " '; "
            + "printf '\\033[?1049h\\033[?1h\\033=\\033[?1000h\\033[?1002h\\033[?1005h\\033[?1006h\\033[?1004h\\033[?2004h"
            + "\\033[?25l\\033[?7l\\033[4h\\033[3;10r\\033[?6h\\033[1;31m\\033(0'; "
            + "printf '" + ALT_TEXT + "'; exec sleep 600";
    static final String MODES_WHILE_ATTACHED = "alternate_on=1 cursor_flag=0 keypad_flag=1 keypad_cursor_flag=1"
            + " mouse_standard_flag=0 mouse_button_flag=1 mouse_all_flag=0 mouse_any_flag=1 mouse_sgr_flag=1 mouse_utf8_flag=1"
            + " origin_flag=1 insert_flag=1 wrap_flag=0 scroll_region_upper=2 scroll_region_lower=9";

    static TestServer server;
    static TetherClient sdk;

    @BeforeAll
    static void start() {
        server = new TestServer("restore-cli");
        sdk = server.client();
    }

    @AfterAll
    static void stop() {
        sdk.close();
        server.close();
    }

    @Test
    void aDetachLeavesTheTerminalAsItWasFound_andTheClosingLineOnAFreshLine() {
        checkEnd(server, sdk, (terminal, id) -> terminal.keys("C-]"), id -> "[detached from session " + id + "]");
    }

    @Test
    void aDisconnectLeavesTheTerminalAsItWasFound_andTheClosingLineOnAFreshLine() {
        checkEnd(server, sdk, (terminal, id) -> sdk.sessions().disconnect(id), id -> "[disconnected: disconnected by admin]");
    }

    @Test
    void aCloseLeavesTheTerminalAsItWasFound_andTheClosingLineOnAFreshLine() {
        checkEnd(server, sdk, (terminal, id) -> sdk.sessions().close(id), id -> "[session " + id + " closed: ");
    }

    @Test
    void aLostServerLeavesTheTerminalAsItWasFound_andTheClosingLineOnAFreshLine() {
        var own = new TestServer("restore-lost");
        try (var ownSdk = own.client()) {
            checkEnd(own, ownSdk, (terminal, id) -> own.close(), id -> "");
        } finally {
            own.close();
        }
    }

    interface End {
        void end(Tmux terminal, long sessionId);
    }

    private static void checkEnd(TestServer server, TetherClient sdk, End end, java.util.function.LongFunction<String> closingLine) {
        String before = Tmux.freshPaneModes(COLS, ROWS);
        long id = sdk.sessions().create(new NewSession("sh", List.of("-c", PROGRAM), null, null, Map.of())).id();
        try (var terminal = Tmux.start(Cli.against(server), COLS, ROWS, "session", "attach", Long.toString(id))) {
            await().until(() -> sdk.sessions().get(id).state() == SessionState.ACTIVE);
            // The control case: the program's modes did reach the terminal.
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(terminal.modes()).isEqualTo(MODES_WHILE_ATTACHED));

            end.end(terminal, id);

            terminal.awaitScreen("EXIT=");
            assertThat(terminal.modes()).isEqualTo(before);
            List<String> lines = terminal.screen().lines().toList();
            assertThat(lines.get(0)).isEqualTo(MAIN_LINE);
            assertThat(lines.get(1)).as("the closing line, on the line after the program's last").startsWith(closingLine.apply(id))
                    .isNotBlank();
            assertThat(lines.get(2)).startsWith("EXIT=");
            assertThat(terminal.screen()).doesNotContain(ALT_TEXT);
            String closing = terminal.screenWithAttributes().lines().toList().get(1);
            assertThat(closing).as("plain text: no attributes, no line-drawing characters").isEqualTo(lines.get(1));

            terminal.paste("pasted-text");
            terminal.awaitScreen("pasted-text");
            assertThat(terminal.screen()).as("no bracketed-paste markers").doesNotContain("200~");
        }
    }

}
