package dev.tether.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tether.api.ControlMessage;
import dev.tether.api.MessageResult;
import dev.tether.api.NewSession;
import dev.tether.api.ResultCode;
import dev.tether.api.Selection;
import dev.tether.api.TetherException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Lock-WmsSession, Unlock-WmsSession and WTSSendMessage through the SDK, as an attached client sees them. */
class LockAndMessageTest {
    static TestServer server;
    static TetherClient tether;

    @BeforeAll
    static void start() {
        server = new TestServer("lock-test");
        tether = server.admin();
    }

    @AfterAll
    static void stop() {
        tether.close();
        server.close();
    }

    @Test
    void aLockedSessionShowsTheLockScreenHoldsOutputBackAndIgnoresInputUntilUnlocked() {
        long id = tether.sessions().create(NewSession.of("cat")).id();
        var recorder = new Recorder();
        TerminalConnection terminal = tether.attach(id, 80, 24, "lock-test", recorder);
        terminal.activated().join();

        tether.sessions().lockAsync(id, "Maintenance until 10:00").await();

        await().until(terminal::isLocked);
        assertThat(recorder.control(ControlMessage.Lock.class)).containsExactly(new ControlMessage.Lock("Maintenance until 10:00"));
        assertThat(tether.sessions().get(id).locked()).isTrue();
        terminal.send("typed-while-locked\n".getBytes(StandardCharsets.UTF_8)).join();

        tether.sessions().unlockAsync(Selection.of(id), null).await();

        await().until(() -> !terminal.isLocked());
        terminal.send("typed-after\n".getBytes(StandardCharsets.UTF_8)).join();
        await().until(() -> recorder.text().contains("typed-after"));
        assertThat(recorder.text()).doesNotContain("typed-while-locked");
        terminal.detach();
    }

    @Test
    void theOwnerUnlocksWithTheirPassword_andAWrongOrMissingPasswordIsAccessDenied() {
        try (TetherClient fay = server.client(server.user("fay", "fay password 1"))) {
            long id = fay.sessions().create(NewSession.of("sleep", "600")).id();
            fay.sessions().lockAsync(id, "Away").await();

            assertThatThrownBy(() -> fay.sessions().unlock(id, null))
                    .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.ACCESS_DENIED));
            assertThatThrownBy(() -> fay.sessions().unlock(id, "wrong password".toCharArray()))
                    .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.ACCESS_DENIED));
            assertThat(fay.sessions().get(id).locked()).isTrue();

            fay.sessions().unlockAsync(id, "fay password 1".toCharArray()).await();

            assertThat(fay.sessions().get(id).locked()).isFalse();
        }
    }

    @Test
    void aMessageWaitedForIsOkWhenAClientAcknowledgesIt() {
        long id = tether.sessions().create(NewSession.of("sleep", "600")).id();
        var recorder = new Recorder();
        TerminalConnection terminal = tether.attach(id, 80, 24, "lock-test", recorder);
        terminal.activated().join();

        CompletableFuture<MessageResult> answer = CompletableFuture.supplyAsync(
                () -> tether.sessions().message(id, "Reboot", "Save your work", 30, true));
        await().until(() -> !recorder.control(ControlMessage.Message.class).isEmpty());
        ControlMessage.Message shown = recorder.control(ControlMessage.Message.class).getFirst();
        assertThat(shown.title()).isEqualTo("Reboot");
        assertThat(shown.timeoutSeconds()).isEqualTo(30);
        terminal.acknowledge(shown.messageId()).join();

        MessageResult result = answer.join();
        assertThat(result.response()).isEqualTo("OK");
        assertThat(result.responseCode()).isEqualTo(MessageResult.IDOK);
        assertThat(result.messageId()).isEqualTo(shown.messageId());
        terminal.detach();
    }

    @Test
    void aMessageNobodyAcknowledgesIsTimeout32000_andOneNotWaitedForIsAsync32001() {
        long id = tether.sessions().create(NewSession.of("sleep", "600")).id();
        TerminalConnection terminal = tether.attach(id, 80, 24, "lock-test", new Recorder());
        terminal.activated().join();

        MessageResult timedOut = tether.sessions().message(id, "Reboot", "Save your work", 1, true);
        MessageResult async = tether.sessions().message(id, "Reboot", "Save your work", 1, false);

        assertThat(timedOut.responseCode()).isEqualTo(MessageResult.IDTIMEOUT);
        assertThat(timedOut.response()).isEqualTo("TIMEOUT");
        assertThat(async.responseCode()).isEqualTo(MessageResult.IDASYNC);
        assertThat(async.clients()).isEqualTo(1);
        terminal.detach();
    }

    @Test
    void aMessageToASessionWithNoClientIsInvalidState() {
        long id = tether.sessions().create(NewSession.of("sleep", "600")).id();

        assertThatThrownBy(() -> tether.sessions().message(id, "Hello", "anyone?", 5, false))
                .isInstanceOfSatisfying(TetherException.class, e -> {
                    assertThat(e.code()).isEqualTo(ResultCode.INVALID_STATE);
                    assertThat(e.getMessage()).contains("session " + id);
                });
    }
}
