package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.ControlMessage;
import dev.tether.api.NewSession;
import dev.tether.api.SessionState;
import dev.tether.client.TerminalConnection;
import dev.tether.client.TetherClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code tether session lock|unlock|message} (Lock-/Unlock-WmsSession, WTSSendMessage) and what {@code session attach} shows of them. */
class LockAndMessageCommandsTest {
    static final String PROMPT = "lock-test$ ";
    static TestServer server;
    static TetherClient sdk;

    @BeforeAll
    static void start() {
        server = new TestServer("lock-cli");
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

    static long sleeper() {
        return sdk.sessions().create(NewSession.of("sleep", "600")).id();
    }

    @Test
    void sessionLock_needsAMessage_locksTheNamedSessions_andUnlockByAnAdministratorUnlocksThem() {
        long a = sleeper();
        long b = sleeper();

        var noMessage = tether().run("session", "lock", Long.toString(a));
        var locked = tether().run("session", "lock", Long.toString(a), Long.toString(b), "--message", "Back at 10:00");

        assertThat(noMessage.exit()).isEqualTo(2);
        assertThat(noMessage.err()).contains("--message");
        assertThat(locked.exit()).as(locked.toString()).isZero();
        assertThat(locked.outLines()).containsExactly("session " + a + " (admin, sleep) locked", "session " + b + " (admin, sleep) locked");
        assertThat(sdk.sessions().get(a).locked()).isTrue();
        assertThat(tether().run("session", "list").outLines())
                .anySatisfy(l -> assertThat(l).startsWith(" " + a + " ").contains("(locked)"));

        var unlocked = tether().run("session", "unlock", Long.toString(a), Long.toString(b));

        assertThat(unlocked.exit()).as(unlocked.toString()).isZero();
        assertThat(sdk.sessions().get(a).locked()).isFalse();
        assertThat(sdk.sessions().get(b).locked()).isFalse();
    }

    @Test
    void sessionLockAll_whatIf_saysWhatWouldBeLockedAndLocksNothing() {
        long a = sleeper();

        var result = tether().run("session", "lock", "--all", "--message", "m", "--what-if");

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.outLines()).contains("What if: Performing the operation \"Lock\" on target \"session " + a + " (admin, sleep)\".");
        assertThat(sdk.sessions().get(a).locked()).isFalse();
    }

    @Test
    void sessionUnlock_byTheOwner_needsTheirPasswordOnStdin() {
        String ivy = sdk.users().add("ivy", false).token();
        sdk.users().passwd("ivy", "ivy's password".toCharArray());
        try (TetherClient asIvy = server.client(ivy)) {
            long id = asIvy.sessions().create(NewSession.of("sleep", "600")).id();
            asIvy.sessions().lockAsync(id, "Away").await();

            var without = tether().token(ivy).run("session", "unlock", Long.toString(id));
            var wrong = tether().token(ivy).stdin("nope nope\n").run("session", "unlock", Long.toString(id), "--password-stdin");
            var right = tether().token(ivy).stdin("ivy's password\n").run("session", "unlock", Long.toString(id), "--password-stdin");

            assertThat(without.exit()).isEqualTo(1);
            assertThat(without.errLines()).containsExactly("ACCESS_DENIED: unlocking needs your password (or an administrator)");
            assertThat(wrong.exit()).isEqualTo(1);
            assertThat(wrong.errLines()).containsExactly("ACCESS_DENIED: the password of ivy is wrong; the sessions stay locked");
            assertThat(right.exit()).as(right.toString()).isZero();
            assertThat(asIvy.sessions().get(id).locked()).isFalse();
        }
    }

    @Test
    void sessionMessage_waitIsTimeout32000AndExits1WhenNobodyAcknowledges_okWhenAClientDoes_andAsync32001WithoutWait() {
        long id = sleeper();
        var listener = new Listener();
        TerminalConnection client = sdk.attach(id, 80, 24, "msg-test", listener);
        client.activated().join();

        var timedOut = tether().run("session", "message", Long.toString(id), "--title", "Reboot", "--timeout", "1", "--wait", "Save", "your", "work");
        var async = tether().run("session", "message", Long.toString(id), "--title", "Reboot", "Save your work");
        CompletableFuture<Cli.Result> acknowledged = CompletableFuture.supplyAsync(() -> tether()
                .run("session", "message", Long.toString(id), "--title", "Reboot", "--timeout", "30", "--wait", "Now"));
        await().until(() -> listener.control(ControlMessage.Message.class).stream().anyMatch(m -> m.text().equals("Now")));
        client.acknowledge(listener.control(ControlMessage.Message.class).getLast().messageId());
        var ok = acknowledged.join();

        assertThat(timedOut.exit()).isEqualTo(1);
        assertThat(timedOut.out().strip()).isEqualTo("TIMEOUT (32000)");
        assertThat(async.exit()).isZero();
        assertThat(async.out().strip()).isEqualTo("ASYNC (32001)");
        assertThat(ok.exit()).as(ok.toString()).isZero();
        assertThat(ok.out().strip()).isEqualTo("OK");
        assertThat(listener.control(ControlMessage.Message.class).getFirst().text()).isEqualTo("Save your work");
        client.detach();
    }

    @Test
    void sessionMessage_toASessionWithNoClientIsInvalidState() {
        long id = sleeper();

        var result = tether().run("session", "message", Long.toString(id), "--title", "Hi", "anyone?");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.errLines()).containsExactly("INVALID_STATE: session " + id + " has no client attached to show the message to");
    }

    @Test
    void sessionAttach_showsTheLockScreenWhileLocked_sendsNoKeys_andRestoresTheScreenOnUnlock_andAKeyAcknowledgesAMessage() {
        long id = sdk.sessions().create(new NewSession("sh", List.of(), null, null, Map.of("PS1", PROMPT))).id();
        try (var terminal = Tmux.start(Cli.against(server), 100, 30, "session", "attach", Long.toString(id))) {
            await().until(() -> sdk.sessions().get(id).state() == SessionState.ACTIVE);
            terminal.awaitScreen(PROMPT.strip());
            terminal.keys("echo before-lock", "Enter");
            terminal.awaitScreen("\nbefore-lock");

            sdk.sessions().lockAsync(id, "Maintenance: back at 10:00").await();

            String lockScreen = terminal.awaitScreen("Maintenance: back at 10:00");
            assertThat(lockScreen).contains("Session " + id + " is locked.").doesNotContain("before-lock");
            terminal.keys("echo typed-while-locked", "Enter");
            terminal.awaitScreen("Input ignored while locked"); // read by the CLI while locked (tmux types asynchronously)

            sdk.sessions().unlockAsync(id, null).await();

            String restored = terminal.awaitScreen("before-lock");
            assertThat(restored).doesNotContain("is locked").doesNotContain("typed-while-locked");
            terminal.keys("echo after-unlock", "Enter");
            terminal.awaitScreen("\nafter-unlock");

            CompletableFuture<Cli.Result> message = CompletableFuture.supplyAsync(() -> tether()
                    .run("session", "message", Long.toString(id), "--title", "Notice", "--timeout", "30", "--wait", "Please save"));
            terminal.awaitScreen("[message] Notice: Please save (any key acknowledges)");
            terminal.keys("x");
            var acknowledged = message.join();

            assertThat(acknowledged.out().strip()).as(acknowledged.toString()).isEqualTo("OK");
            terminal.keys("echo still-attached", "Enter");
            String after = terminal.awaitScreen("\nstill-attached");
            assertThat(after).as("the acknowledging key was not sent").doesNotContain("xecho");
        }
        assertThat(sdk.sessions().get(id).state()).isNotEqualTo(SessionState.CLOSED);
    }
}
