package dev.tether.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.ConnectionQuery;
import dev.tether.api.ConnectionState;
import dev.tether.api.Event;
import dev.tether.api.EventRecord;
import dev.tether.api.RequestRecord;
import dev.tether.api.RequestStatus;
import dev.tether.api.ResultCode;
import dev.tether.api.SessionState;
import dev.tether.api.TargetResult;
import dev.tether.api.TargetStatus;
import dev.tether.core.request.CrashRecovery;
import dev.tether.core.store.ConnectionRecord;
import dev.tether.core.store.SessionRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What each kind of request a crashed run left RUNNING is completed with, read from the store.
 * The server-level test ({@code tether-server}'s CrashRecoveryTest) kills a real server; these
 * cover the operations it does not.
 */
class CrashRecoveryTest {
    static final Instant T0 = Instant.parse("2026-11-21T09:00:00Z");
    final MemoryStore store = new MemoryStore();

    @Test
    void aLockIsDoneWhereTheSessionIsLockedAndFailedWhereItIsNot() {
        long locked = session(true);
        long unlocked = session(false);
        RequestRecord done = recover("lock", List.of(target(locked), target(unlocked)));
        assertThat(done.targets().get(0).status()).isEqualTo(TargetStatus.DONE);
        assertThat(done.targets().get(0).message()).isEqualTo("target " + locked + " locked before the server crashed");
        assertThat(done.targets().get(1).status()).isEqualTo(TargetStatus.FAILED);
        assertThat(done.targets().get(1).result()).isEqualTo(ResultCode.CANCELLED);
        assertThat(done.result()).isEqualTo(ResultCode.CANCELLED);
    }

    @Test
    void aConnectionDisconnectIsDoneWhereTheConnectionWasLetGoBeforeTheCrash() {
        long s = session(false);
        long letGo = connection(s, T0.minusSeconds(5), true);
        long stillAttached = connection(s, T0.minusSeconds(5), false);
        RequestRecord done = recover("disconnect-workspace", List.of(target(letGo), target(stillAttached)));
        assertThat(done.targets().stream().map(TargetResult::status)).containsExactly(TargetStatus.DONE, TargetStatus.FAILED);
        assertThat(done.targets().get(0).message()).isEqualTo("target " + letGo + " disconnected (disconnected by alice)");
        assertThat(done.targets().get(1).message()).isEqualTo("target " + stillAttached + ": server crashed before it finished");
    }

    @Test
    void aSessionDisconnectIsNotFailedByAClientThatAttachedAfterItWasAccepted() {
        long s = session(false);
        connection(s, T0.minusSeconds(5), true);
        connection(s, T0.plusSeconds(1), false); // attached after the request: not one it had to let go
        assertThat(recover("disconnect", List.of(target(s))).targets().getFirst().status()).isEqualTo(TargetStatus.DONE);
    }

    @Test
    void targetsThatFinishedBeforeTheCrashKeepTheirOutcomeAndTheEventSaysWhat() {
        long s = session(false);
        var skipped = new TargetResult(99, "session 99", TargetStatus.SKIPPED, ResultCode.OWN_SESSION, "your own session: skipped");
        RequestRecord done = recover("connect", List.of(skipped, target(s)));
        assertThat(done.status()).isEqualTo(RequestStatus.COMPLETED);
        assertThat(done.completedAt()).isEqualTo(T0.plus(Duration.ofMinutes(1)));
        assertThat(done.targets().getFirst()).isEqualTo(skipped);
        assertThat(done.targets().get(1).status()).isEqualTo(TargetStatus.FAILED);
        EventRecord event = store.events(0, 10).getLast();
        assertThat(event.type()).isEqualTo("RequestCompleted");
        assertThat(event.data()).isEqualTo(new Event.RequestCompleted(done.id(), done.operation(), ResultCode.CANCELLED, 0, 1, 1));
    }

    private RequestRecord recover(String operation, List<TargetResult> targets) {
        long id = store.write(tx -> tx.insertRequest(new RequestRecord(0, operation, "alice", false, RequestStatus.RUNNING,
                null, targets, T0, null))).join().id();
        int completed = store.write(tx -> new CrashRecovery(tx, T0.plus(Duration.ofMinutes(1)),
                tx.connections(ConnectionQuery.ALL)).completeRunning()).join();
        assertThat(completed).isEqualTo(1);
        return store.request(id).orElseThrow();
    }

    private long session(boolean locked) {
        return store.write(tx -> tx.insertSession(new SessionRecord(0, "box", "alice", List.of("/bin/sh"), 80, 24,
                SessionState.ACTIVE, locked, 42, T0.minusSeconds(60), null, null, null))).join().id();
    }

    private long connection(long session, Instant at, boolean letGo) {
        var c = new ConnectionRecord(0, session, "alice", null, null, "test", "127.0.0.1", ConnectionState.ACTIVATED,
                at, null, null, 0, 0);
        return store.write(tx -> tx.insertConnection(letGo ? c.deactivated(T0, "disconnected by alice", 0, 0) : c)).join().id();
    }

    private static TargetResult target(long id) {
        return TargetResult.pending(id, "target " + id);
    }
}
