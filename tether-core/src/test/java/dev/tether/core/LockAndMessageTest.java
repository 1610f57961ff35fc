package dev.tether.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.api.MessageResult;
import dev.tether.api.NewSession;
import dev.tether.api.ResultCode;
import dev.tether.api.Selection;
import dev.tether.api.TetherException;
import dev.tether.api.UserRecord;
import dev.tether.core.account.Accounts;
import dev.tether.core.account.Caller;
import dev.tether.core.account.PlainHasher;
import dev.tether.core.time.ManualScheduler;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Lock-WmsSession, Unlock-WmsSession and WTSSendMessage against the session service. */
class LockAndMessageTest {
    final MemoryStore store = new MemoryStore();
    final ScriptedPty pty = new ScriptedPty();
    final Caller admin = new Caller("root", true, 0);
    final Caller alice = new Caller("alice", false, 0);
    final ManualScheduler time = new ManualScheduler();
    final Accounts accounts = new Accounts(store, time.clock(), new PlainHasher(), Runnable::run);
    Kernel kernel;
    long session;
    ClientHandle handle;
    SessionServiceTest.TestClient client = new SessionServiceTest.TestClient();

    @BeforeEach
    void start() {
        kernel = new Kernel(store, pty, time,
                new SessionService.Settings("box", 4096, Duration.ofMillis(50), Duration.ofMillis(50), /* sharedAccountSessions= */ true),
                Map.of("PATH", "/usr/bin:/bin", "HOME", "/tmp", "USER", "tester", "SHELL", "/bin/sh"));
        kernel.start("http://127.0.0.1:1").join();
        store.write(tx -> tx.insertUser(new UserRecord(0, "alice", false, java.time.Instant.now())));
        accounts.setPassword(admin, "alice", "correct horse".toCharArray()).join();
        session = kernel.sessions().create(alice, NewSession.of("/bin/sh")).join().id();
        handle = kernel.connections().attach(alice, session, client, null, null, "pc", "::1").join();
    }

    @AfterEach
    void stop() {
        kernel.close();
    }

    @Test
    void lockWmsSession_needsAMessage_andShowsItWhileOutputIsHeldAndInputIgnored() {
        assertThatThrownBy(() -> kernel.sessions().lock(alice, Selection.of(session), " ", true).join()).hasMessageContaining("needs a message");
        kernel.sessions().lock(alice, Selection.of(session), "back at 3", true).join().completion().join();
        assertThat(client.told).contains("locked back at 3");
        assertThat(pty.last().held).isTrue();
        assertThat(kernel.registry().get(alice, session).join().locked()).isTrue();
        assertThat(store.eventTypes()).contains("SessionLocked");
        var late = new SessionServiceTest.TestClient();
        kernel.connections().attach(alice, session, late, null, null, "pc2", "::1").join();
        assertThat(late.told).contains("locked back at 3");
    }

    @Test
    void unlockWmsSession_byTheOwnerNeedsTheirPassword_orAnAdministrator() {
        kernel.sessions().lock(alice, Selection.of(session), "away", true).join().completion().join();
        assertThatThrownBy(() -> kernel.sessions().unlock(alice, Selection.of(session), true, accounts, "wrong".toCharArray()).join())
                .hasMessageContaining("password of alice is wrong");
        assertThat(pty.last().held).isTrue();
        kernel.sessions().unlock(alice, Selection.of(session), true, accounts, "correct horse".toCharArray()).join().completion().join();
        assertThat(pty.last().held).isFalse();
        assertThat(client.told).contains("unlocked");
        kernel.sessions().lock(alice, Selection.of(session), "away", true).join().completion().join();
        kernel.sessions().unlock(admin, Selection.of(session), true, accounts, null).join().completion().join();
        assertThat(kernel.registry().get(alice, session).join().locked()).isFalse();
        assertThat(store.eventTypes()).contains("SessionUnlocked");
    }

    @Test
    void sendMessage_withWait_isOkWhenAClientAcknowledges() {
        var answer = kernel.messages().message(alice, session, "Maintenance", "Rebooting at 5", 10, true);
        long messageId = Long.parseLong(client.told.stream().filter(t -> t.startsWith("message ")).findFirst().orElseThrow().split(" ")[1]);
        handle.acknowledge(messageId);
        MessageResult r = answer.join();
        assertThat(r.response()).isEqualTo("OK");
        assertThat(r.responseCode()).isEqualTo(MessageResult.IDOK);
    }

    @Test
    void sendMessage_withWait_isTimeout32000WhenNoClientAcknowledgesInTime() {
        var answer = kernel.messages().message(alice, session, "Hello", "anyone?", 30, true);
        org.awaitility.Awaitility.await().until(() -> time.hasDeadlineIn(Duration.ofSeconds(30)));
        time.advance(Duration.ofSeconds(29));
        assertThat(answer).isNotDone();
        time.advance(Duration.ofSeconds(1));
        MessageResult r = answer.join();
        assertThat(r.response()).isEqualTo("TIMEOUT");
        assertThat(r.responseCode()).isEqualTo(32000);
    }

    @Test
    void sendMessage_withWaitAndNoTimeout_waitsAnHourAtMost() {
        var answer = kernel.messages().message(alice, session, "Hello", "anyone?", 0, true);
        org.awaitility.Awaitility.await().until(() -> time.hasDeadlineIn(Duration.ofHours(1)));
        time.advance(Duration.ofMinutes(59));
        assertThat(answer).isNotDone();
        time.advance(Duration.ofMinutes(1));
        assertThat(answer.join().response()).isEqualTo("TIMEOUT");
    }

    @Test
    void anAcknowledgedMessageLeavesNoTimeoutBehind() {
        var answer = kernel.messages().message(alice, session, "Maintenance", "Rebooting at 5", 10, true);
        long messageId = Long.parseLong(client.told.stream().filter(t -> t.startsWith("message ")).findFirst().orElseThrow().split(" ")[1]);
        handle.acknowledge(messageId);
        assertThat(answer.join().response()).isEqualTo("OK");
        assertThat(time.pending()).isEmpty();
    }

    @Test
    void sendMessage_withoutWait_isAsync32001AtOnce() {
        MessageResult r = kernel.messages().message(alice, session, "Hello", "fyi", 0, false).join();
        assertThat(r.response()).isEqualTo("ASYNC");
        assertThat(r.responseCode()).isEqualTo(32001);
        assertThat(r.clients()).isEqualTo(1);
    }

    @Test
    void sendMessage_toASessionWithNoClient_isAClearError() {
        long lonely = kernel.sessions().create(alice, NewSession.of("/bin/sh")).join().id();
        assertThatThrownBy(() -> kernel.messages().message(alice, lonely, "Hello", "anyone?", 1, true).join())
                .cause().isInstanceOfSatisfying(TetherException.class, e -> {
                    assertThat(e.code()).isEqualTo(ResultCode.INVALID_STATE);
                    assertThat(e.getMessage()).isEqualTo("session " + lonely + " has no client attached to show the message to");
                });
    }
}
