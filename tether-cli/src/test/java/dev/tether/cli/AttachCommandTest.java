package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.NewSession;
import dev.tether.api.SessionState;
import dev.tether.client.TetherClient;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code tether session attach} in a real terminal (tmux): raw keys, window size, and the three ways it ends. */
class AttachCommandTest {
    static TestServer server;
    static TetherClient sdk;

    @BeforeAll
    static void start() {
        server = new TestServer("attach-cli");
        sdk = server.client();
    }

    @AfterAll
    static void stop() {
        sdk.close();
        server.close();
    }

    static final String PROMPT = "tether-test$ ";

    /** A shell with a prompt the tests can wait for, as a person waits for the prompt before typing. */
    static long shell() {
        return sdk.sessions().create(new NewSession("sh", List.of(), null, null, Map.of("PS1", PROMPT))).id();
    }

    static Tmux attach(long id, int cols, int rows) {
        var terminal = Tmux.start(Cli.against(server), cols, rows, "session", "attach", Long.toString(id));
        await().until(() -> sdk.sessions().get(id).state() == SessionState.ACTIVE);
        terminal.awaitScreen(PROMPT.trim()); // the shell is reading: keys typed now are not lost to its start-up
        return terminal;
    }

    @Test
    void sessionAttach_isARawTerminal_thatSendsItsWindowSizeAndForwardsResizes() {
        long id = shell();
        try (var terminal = attach(id, 90, 25)) {
            assertThat(sdk.sessions().get(id).cols()).isEqualTo(90);
            assertThat(sdk.sessions().get(id).rows()).isEqualTo(25);
            terminal.keys("stty size", "Enter");
            terminal.awaitScreen("25 90");

            terminal.resize(120, 40);
            await().until(() -> sdk.sessions().get(id).cols() == 120 && sdk.sessions().get(id).rows() == 40);
            terminal.keys("stty size", "Enter");
            terminal.awaitScreen("40 120");

            // Ctrl-C belongs to the session's program, not to the CLI: the attachment survives it.
            terminal.keys("sleep 30", "Enter");
            terminal.keys("C-c");
            // Type once the shell has its prompt back, as a person does: keys typed while sh is still
            // reaping the interrupted sleep are read, but their output lands on the prompt's line.
            await().until(() -> terminal.screen().split(java.util.regex.Pattern.quote(PROMPT.strip()), -1).length > 4);
            terminal.keys("echo still-here", "Enter");
            terminal.awaitScreen("\nstill-here");
            assertThat(terminal.screen()).doesNotContain("EXIT=");
        }
    }

    @Test
    void sessionAttach_CtrlBracketDetaches_andTheSessionKeepsRunning() {
        long id = shell();
        try (var terminal = attach(id, 80, 24)) {
            terminal.keys("echo before-detach", "Enter");
            terminal.awaitScreen("\nbefore-detach");

            terminal.keys("C-]");

            String screen = terminal.awaitScreen("EXIT=");
            assertThat(screen).contains("[detached from session " + id + "]").contains("EXIT=0");
        }
        var session = sdk.sessions().get(id);
        assertThat(session.state()).isEqualTo(SessionState.DISCONNECTED);
        assertThat(ProcessHandle.of(session.pid()).map(ProcessHandle::isAlive)).hasValue(true);

        // Reattaching replays what the session showed before.
        try (var again = attach(id, 80, 24)) {
            again.awaitScreen("before-detach");
        }
    }

    @Test
    void sessionAttach_whenTheServerDisconnectsIt_printsTheReason_restoresTheTerminal_andExitsZero() {
        long id = shell();
        try (var terminal = attach(id, 80, 24)) {
            var result = Cli.against(server).run("session", "disconnect", Long.toString(id));
            assertThat(result.exit()).isZero();

            String screen = terminal.awaitScreen("EXIT=");
            assertThat(screen).contains("[disconnected: disconnected by admin]").contains("EXIT=0");
        }
    }

    @Test
    void sessionAttach_whenTheSessionEnds_saysItClosedAndWhy() {
        long id = shell();
        try (var terminal = attach(id, 80, 24)) {
            terminal.keys("exit 7", "Enter");

            String screen = terminal.awaitScreen("EXIT=");
            assertThat(screen).contains("[session " + id + " closed: program exited]").contains("EXIT=0");
        }
        assertThat(sdk.sessions().get(id).exitCode()).isEqualTo(7);
    }

    @Test
    void sessionAttach_toAnUnknownSession_isNotFound() {
        var result = Cli.against(server).run("session", "attach", "4000000000");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.errLines()).containsExactly("NOT_FOUND: no session 4000000000 on attach-cli");
    }
}
