package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.MessageResult;
import dev.tether.api.NewSession;
import dev.tether.api.SessionState;
import dev.tether.client.TetherClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Message banners in {@code session attach}, in a real terminal (tmux): which message a key answers, and the screen around them. */
class MessageBannerTest {
    static final String PROMPT = "banner-test$ ";
    static final int COLS = 80;
    static final int ROWS = 24;
    /**
     * A full-screen program: on the alternate screen, it paints every row with cursor addressing, leaves
     * the cursor on the bottom row (as a prompt line would) and paints again on SIGWINCH.
     */
    static final String FULL_SCREEN = "draw() { set -- $(stty size); printf '\\033[H\\033[2J'; i=1; "
            + "while [ $i -le $1 ]; do printf '\\033[%d;1H\\033[1mrow\\033[0m-%02d of %d' $i $i $1; i=$((i+1)); done; "
            + "printf '\\033[%d;14H' $1; }; "
            + "printf '\\033[?1049h'; trap draw WINCH; draw; while :; do sleep 0.1; done";

    static TestServer server;
    static TetherClient sdk;

    @BeforeAll
    static void start() {
        server = new TestServer("banner-cli");
        sdk = server.client();
    }

    @AfterAll
    static void stop() {
        sdk.close();
        server.close();
    }

    static CompletableFuture<MessageResult> message(long id, String title, String text) {
        return CompletableFuture.supplyAsync(() -> sdk.sessions().message(id, title, text, 30, /* wait= */ true));
    }

    /**
     * Issue 8 §5: a key press acknowledged the oldest pending message instead of the one shown. Sent
     * "first" then "second" (both waiting): the screen showed "second" last, and the key press answered
     * OK to "first"'s sender while "second"'s kept waiting.
     */
    @Test
    void aKeyPressAcknowledgesTheMessageShown_theNewest_andThenTheOneBeforeItIsShown() {
        long id = sdk.sessions().create(new NewSession("sh", List.of(), null, null, Map.of("PS1", PROMPT))).id();
        try (var terminal = Tmux.start(Cli.against(server), COLS, ROWS, "session", "attach", Long.toString(id))) {
            await().until(() -> sdk.sessions().get(id).state() == SessionState.ACTIVE);
            terminal.awaitScreen(PROMPT.strip());
            var first = message(id, "Notice", "first");
            terminal.awaitScreen("[message] Notice: first");
            var second = message(id, "Notice", "second");
            terminal.awaitScreen("[message] Notice: second");

            terminal.keys("x");

            assertThat(second.join().responseCode()).isEqualTo(MessageResult.IDOK);
            assertThat(first).as("the older message still waits for its own key press").isNotDone();
            String screen = terminal.screen();
            assertThat(screen.lastIndexOf("[message] Notice: first")).as("shown again, now the one a key answers")
                    .isGreaterThan(screen.lastIndexOf("[message] Notice: second"));

            terminal.keys("y");

            assertThat(first.join().responseCode()).isEqualTo(MessageResult.IDOK);
            terminal.keys("echo still-attached", "Enter");
            assertThat(terminal.awaitScreen("\nstill-attached")).as("neither key was sent").doesNotContain("xecho").doesNotContain("yecho");
        }
    }

    /**
     * Issue 8 §5: the message banner pushed a full-screen program's lines down and left the screen out
     * of step after acknowledging. A program painting rows 1-24 with its cursor on the bottom row got
     * "\r\n[message] ...\r\n" written into its screen: every row moved up two lines, and after the key
     * press nothing repainted them.
     */
    @Test
    void theBannerCoversAFullScreenProgramsBottomLineWithoutMovingItsScreen_andAfterAcknowledgingTheScreenIsAsBefore() {
        long id = sdk.sessions().create(new NewSession("bash", List.of("-c", FULL_SCREEN), null, null, Map.of())).id();
        try (var terminal = Tmux.start(Cli.against(server), COLS, ROWS, "session", "attach", Long.toString(id))) {
            await().until(() -> sdk.sessions().get(id).state() == SessionState.ACTIVE);
            terminal.awaitScreen("row-24 of 24");
            await().pollDelay(Duration.ofMillis(300)).until(unchanged(terminal::screenWithAttributes)); // the replay's redraw is done
            String before = terminal.screenWithAttributes();
            String cursorBefore = terminal.cursor();

            var shown = message(id, "Notice", "Please save");
            terminal.awaitScreen("[message] Notice: Please save");

            List<String> withBanner = terminal.screen().lines().toList();
            assertThat(withBanner.subList(0, ROWS - 1)).as("rows 1-23 did not move").isEqualTo(plain(before).subList(0, ROWS - 1));
            assertThat(withBanner.get(ROWS - 1)).startsWith("[message] Notice: Please save");
            assertThat(terminal.cursor()).as("the program's cursor is where it was").isEqualTo(cursorBefore);

            terminal.keys("x");

            assertThat(shown.join().responseCode()).isEqualTo(MessageResult.IDOK);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(terminal.screenWithAttributes()).isEqualTo(before));
            assertThat(terminal.cursor()).isEqualTo(cursorBefore);
        }
    }

    /**
     * Reproduction: a full-screen program that does not paint again on SIGWINCH (this one draws once
     * and waits) kept the banner on its bottom line after the key press: the CLI asked for a redraw by
     * resizing the window, which only a program that handles SIGWINCH answers. The server now sends
     * the screen from its screen model.
     */
    @Test
    void afterAcknowledging_theScreenComesBackExactly_evenForAProgramThatDoesNotRepaintOnSigwinch() {
        String drawOnce = FULL_SCREEN.replace("trap draw WINCH; ", "");
        long id = sdk.sessions().create(new NewSession("bash", List.of("-c", drawOnce), null, null, Map.of())).id();
        try (var terminal = Tmux.start(Cli.against(server), COLS, ROWS, "session", "attach", Long.toString(id))) {
            await().until(() -> sdk.sessions().get(id).state() == SessionState.ACTIVE);
            terminal.awaitScreen("row-24 of 24");
            await().pollDelay(Duration.ofMillis(300)).until(unchanged(terminal::screenWithAttributes));
            String before = terminal.screenWithAttributes();
            String cursorBefore = terminal.cursor();

            var shown = message(id, "Notice", "Please save");
            terminal.awaitScreen("[message] Notice: Please save");
            terminal.keys("x");

            assertThat(shown.join().responseCode()).isEqualTo(MessageResult.IDOK);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(terminal.screenWithAttributes()).isEqualTo(before));
            assertThat(terminal.cursor()).isEqualTo(cursorBefore);
        }
    }

    private static List<String> plain(String screenWithAttributes) {
        return screenWithAttributes.replaceAll("\u001b\\[[0-9;]*m", "").lines().toList();
    }

    /** A condition that holds when {@code value} reads the same as at the previous poll. */
    static Callable<Boolean> unchanged(Supplier<?> value) {
        var last = new AtomicReference<Object>(new Object());
        return () -> {
            Object now = value.get();
            return now.equals(last.getAndSet(now));
        };
    }
}
