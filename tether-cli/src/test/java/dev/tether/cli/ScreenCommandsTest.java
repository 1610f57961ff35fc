package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.NewSession;
import dev.tether.client.TetherClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code tether session screen} and {@code tether session grep}, run as a user would, against tmux
 * as the reference: {@code capture-pane -p} of the same program shows the same text.
 */
class ScreenCommandsTest {
    static TestServer server;
    static TetherClient sdk;
    /** 40 numbered lines, a coloured word, then a prompt that waits. */
    static final String PROGRAM = "i=1; while [ $i -le 40 ]; do echo line $i; i=$((i+1)); done;"
            + " printf 'a \\033[31mred\\033[m word\\n$ '; exec sleep 600";

    @BeforeAll
    static void start() {
        server = new TestServer("screen-test");
        sdk = server.client();
    }

    @AfterAll
    static void stop() {
        sdk.close();
        server.close();
    }

    static Cli tether() {
        return Cli.against(server);
    }

    static long program() {
        long id = sdk.sessions().create(new NewSession("sh", List.of("-c", PROGRAM), 80, 24, Map.of())).id();
        await().atMost(Duration.ofSeconds(10)).until(() -> sdk.sessions().screen(id, false, 0).contains("$"));
        return id;
    }

    @Test
    void sessionScreen_printsTheScreenAsTmuxCapturePaneDoes() throws Exception {
        long id = program();
        String tmux;
        try (Tmux reference = Tmux.running(PROGRAM, 80, 24)) {
            tmux = reference.awaitScreen("$");
        }

        var result = tether().run("session", "screen", Long.toString(id));

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.out()).isEqualTo(tmux);
        assertThat(result.out()).startsWith("line 19\n").endsWith("a red word\n$\n");
    }

    @Test
    void sessionScreen_ansiKeepsTheColours_andScrollbackComesFirst() {
        long id = program();

        var ansi = tether().run("session", "screen", Long.toString(id), "--ansi");
        var withScrollback = tether().run("session", "screen", Long.toString(id), "--scrollback", "3");

        assertThat(ansi.out()).contains("a \u001b[0;31mred\u001b[0m word");
        assertThat(withScrollback.out()).startsWith("line 16\nline 17\nline 18\nline 19\n");
    }

    @Test
    void sessionScreen_json_saysTheCursorSizeAndModes() {
        long id = program();

        var result = tether().run("--json", "session", "screen", Long.toString(id));

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.out()).contains("\"cols\" : 80", "\"rows\" : 24", "\"row\" : 23", "\"col\" : 2", "\"alternateScreen\" : false");
    }

    @Test
    void sessionGrep_printsNumberedMatchesWithContext_andExits1WhenNothingMatches() {
        long id = program();

        var found = tether().run("session", "grep", Long.toString(id), "line 1[05]$", "-C", "1");
        var none = tether().run("session", "grep", Long.toString(id), "no such text");

        assertThat(found.exit()).as(found.toString()).isZero();
        assertThat(found.out()).isEqualTo("9-line 9\n10:line 10\n11-line 11\n--\n14-line 14\n15:line 15\n16-line 16\n");
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.out()).isEmpty();
    }

    @Test
    void aPatternThatIsNotARegularExpression_isRefusedWithASentence_andExitsNonZero() {
        long id = program();

        var result = tether().run("session", "grep", Long.toString(id), "line (");

        assertThat(result.exit()).isNotZero();
        assertThat(result.err()).contains("INVALID_PARAMETER", "the pattern grep=line ( is not a regular expression")
                .doesNotContain("Exception");
    }

    @Test
    void sessionAttachReadOnly_showsTheScreen_sendsNoKey_andCtrlRightBracketDetaches() {
        long id = sdk.sessions().create(new NewSession("sh", List.of("-c", "printf 'ready$ '; read line; echo got $line;"
                + " exec sleep 600"), 80, 24, Map.of())).id();
        try (var viewer = Tmux.start(tether(), 80, 24, "session", "attach", "--read-only", Long.toString(id))) {
            viewer.awaitScreen("ready$");
            viewer.keys("typed by the viewer", "Enter");
            var controller = sdk.attach(id, 0, 0, "controller", new dev.tether.client.AttachListener() {
                @Override
                public void onOutput(java.nio.ByteBuffer output) {
                }
            });
            controller.send("by the controller\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, 18).join();

            String screen = viewer.awaitScreen("got by the controller");
            assertThat(screen).doesNotContain("typed by the viewer");
            controller.detach();
            viewer.keys("C-]");
            viewer.awaitScreen("[detached from session " + id + "]");
        }
    }

    @Test
    void theScreenOfAClosedSession_isRefusedAsGoneWithItsTerminal() {
        long id = sdk.sessions().create(NewSession.of("true")).id();
        await().atMost(Duration.ofSeconds(10)).until(() -> sdk.sessions().get(id).state() == dev.tether.api.SessionState.CLOSED);

        var result = tether().run("session", "screen", Long.toString(id));

        assertThat(result.exit()).isNotZero();
        assertThat(result.err()).contains("INVALID_STATE", "session " + id + " is closed", "its screen is gone with its terminal");
    }
}
