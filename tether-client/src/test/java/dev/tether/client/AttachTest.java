package dev.tether.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tether.api.ControlMessage;
import dev.tether.api.NewSession;
import dev.tether.api.ResultCode;
import dev.tether.api.SessionInfo;
import dev.tether.api.SessionState;
import dev.tether.api.TetherException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The terminal stream over WebSocket: bytes both ways, control messages, replay and endings. */
class AttachTest {
    static TestServer server;
    static TetherClient tether;

    @BeforeAll
    static void start() {
        server = new TestServer("attach-test");
        tether = server.admin();
    }

    @AfterAll
    static void stop() {
        tether.close();
        server.close();
    }

    @Test
    void attachSendsKeystrokesAndReceivesOutputAfterConnectingAndAttachedMessages() {
        SessionInfo s = tether.sessions().create(NewSession.of("cat"));
        var recorder = new Recorder();

        var terminal = tether.attach(s.id(), 90, 20, "sdk-test", recorder);
        terminal.send("hello tether\n".getBytes(StandardCharsets.UTF_8)).join();

        await().until(() -> recorder.text().contains("hello tether"));
        assertThat(recorder.control.get(0)).isEqualTo(new ControlMessage.Connecting(terminal.connectionId(), terminal.requestId()));
        assertThat(recorder.control.get(1)).isInstanceOfSatisfying(ControlMessage.Attached.class, a -> {
            assertThat(a.sessionId()).isEqualTo(s.id());
            assertThat(a.connectionId()).isEqualTo(terminal.connectionId());
            assertThat(a.requestId()).isEqualTo(terminal.requestId());
            assertThat(a.cols()).isEqualTo(90);
            assertThat(a.rows()).isEqualTo(20);
        });
        assertThat(terminal.activated()).isCompleted();
        assertThat(tether.sessions().get(s.id()).connections()).isEqualTo(1);
        terminal.detach();
        assertThat(recorder.closed.join().kind()).isEqualTo(ControlMessage.Closed.DETACHED);
        await().until(() -> tether.sessions().get(s.id()).state() == SessionState.DISCONNECTED);
    }

    @Test
    void aLaterClientGetsTheReplayThenLiveOutput() {
        SessionInfo s = tether.sessions().create(NewSession.of("sh", "-c", "echo first-line; read x; echo second-$x; sleep 60"));
        var first = new Recorder();
        var a = tether.attach(s.id(), 80, 24, "a", first);
        await().until(() -> first.text().contains("first-line"));
        a.detach();

        var second = new Recorder();
        var b = tether.attach(s.id(), 80, 24, "b", second);
        await().until(() -> second.text().contains("first-line"));
        b.send("x\n".getBytes(StandardCharsets.UTF_8)).join();

        await().until(() -> second.text().contains("second-x"));
        b.detach();
    }

    @Test
    void resizeSetsTheSessionsSize() {
        SessionInfo s = tether.sessions().create(NewSession.of("sleep", "60"));
        var terminal = tether.attach(s.id(), 80, 24, "sdk-test", new Recorder());

        terminal.resize(120, 40).join();

        await().until(() -> tether.sessions().get(s.id()).cols() == 120);
        assertThat(tether.sessions().get(s.id()).rows()).isEqualTo(40);
        terminal.detach();
    }

    @Test
    void aProgramThatExitsEndsTheAttachmentWithItsExitCode() throws Exception {
        SessionInfo s = tether.sessions().create(NewSession.of("sh", "-c", "read x; exit 3"));
        var recorder = new Recorder();
        var terminal = tether.attach(s.id(), 80, 24, "sdk-test", recorder);

        terminal.send("\n".getBytes(StandardCharsets.UTF_8));

        ControlMessage.Closed why = recorder.closed.get(10, TimeUnit.SECONDS);
        assertThat(why.kind()).isEqualTo(ControlMessage.Closed.ENDED);
        assertThat(why.exitCode()).isEqualTo(3);
        assertThat(why.reason()).isEqualTo("program exited");
        assertThat(terminal.closed()).isCompletedWithValue(why);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            SessionInfo after = tether.sessions().get(s.id());
            assertThat(after.state()).isEqualTo(SessionState.CLOSED);
            assertThat(after.exitCode()).isEqualTo(3);
        });
    }

    @Test
    void attachingToAnUnknownSessionIsNotFound() {
        assertThatThrownBy(() -> tether.attach(4_000_000_000L, 80, 24, "sdk-test", new Recorder()))
                .isInstanceOfSatisfying(TetherException.class, e -> {
                    assertThat(e.code()).isEqualTo(ResultCode.NOT_FOUND);
                    assertThat(e.getMessage()).isEqualTo("no session 4000000000 on attach-test");
                });
    }

    @Test
    void attachingToAClosedSessionIsInvalidState() {
        SessionInfo s = tether.sessions().create(NewSession.of("sleep", "60"));
        tether.sessions().closeAsync(s.id()).await();

        assertThatThrownBy(() -> tether.attach(s.id(), 80, 24, "sdk-test", new Recorder()))
                .isInstanceOfSatisfying(TetherException.class, e -> {
                    assertThat(e.code()).isEqualTo(ResultCode.INVALID_STATE);
                    assertThat(e.getMessage()).contains("session " + s.id()).contains("logoff by admin");
                });
    }
}
