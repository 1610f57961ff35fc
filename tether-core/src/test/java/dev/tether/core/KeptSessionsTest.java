package dev.tether.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.Event;
import dev.tether.api.EventRecord;
import dev.tether.api.NewSession;
import dev.tether.api.SessionInfo;
import dev.tether.api.SessionState;
import dev.tether.core.account.Caller;
import dev.tether.core.request.CrashRecovery;
import dev.tether.core.terminal.Survivor;
import dev.tether.core.time.ManualScheduler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Sessions that outlive the server: what a server starting after another adopts, records and
 * releases of what the keeper kept, and what a stopping server leaves behind. One store serves
 * both runs, as the database does; the keeper is scripted here (tether-server's keeper tests run
 * the real one).
 */
class KeptSessionsTest {
    final MemoryStore store = new MemoryStore();
    final Caller alice = new Caller("alice", true, 0);
    final ManualScheduler time = new ManualScheduler();
    final ScriptedPty firstPty = new ScriptedPty();
    final ScriptedPty nextPty = new ScriptedPty();
    Kernel first;
    Kernel next;

    Kernel kernel(ScriptedPty pty) {
        Kernel k = new Kernel(store, pty, time,
                new SessionService.Settings("box", 4096, Duration.ofMillis(50), Duration.ofMillis(50), true),
                Map.of("PATH", "/usr/bin:/bin", "HOME", "/tmp", "USER", "tester", "SHELL", "/bin/sh"));
        k.start("http://127.0.0.1:1").join();
        return k;
    }

    @AfterEach
    void stop() {
        if (next != null) {
            next.close();
        }
    }

    /** The first run: {@code n} sessions, then it dies without stopping (nothing recorded at its end). */
    List<Long> firstRunCrashesWith(int n) {
        firstPty.keeps = true;
        first = kernel(firstPty);
        List<Long> ids = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(first.sessions().create(alice, NewSession.of("/bin/sh")).join().id());
        }
        return ids;
    }

    SessionInfo session(long id) {
        return next.registry().get(alice, id).join();
    }

    List<EventRecord> events(String type) {
        return store.events.stream().filter(e -> e.type().equals(type)).toList();
    }

    @Test
    void aSessionTheKeeperStillRuns_isAdoptedDisconnected_withItsIdOwnerAndPid_andSessionRecovered() {
        long id = firstRunCrashesWith(1).getFirst();
        first.connections().attach(alice, id, new SessionServiceTest.TestClient(), null, null, "pc", "::1").join();
        nextPty.keeps = true;
        nextPty.survivors.add(new Survivor(id, 4242, null));

        next = kernel(nextPty);

        SessionInfo s = session(id);
        assertThat(s.state()).isEqualTo(SessionState.DISCONNECTED);
        assertThat(s.user()).isEqualTo("alice");
        assertThat(s.pid()).isEqualTo(4242);
        assertThat(events("SessionRecovered")).singleElement().satisfies(e -> {
            assertThat(e.sessionId()).isEqualTo(id);
            assertThat(e.data()).isEqualTo(new Event.SessionRecovered(SessionState.ACTIVE, SessionState.DISCONNECTED, 4242, "system"));
        });
        assertThat(events("ServerStarted").getLast().data()).isEqualTo(new Event.ServerStarted("box", "http://127.0.0.1:1", 0, 0, 1));
        assertThat(nextPty.adopted).containsKey(id);
        assertThat(nextPty.released).isEmpty();
    }

    @Test
    void anAdoptedSession_closesWhenItsProgramExits_asAnyOther() {
        long id = firstRunCrashesWith(1).getFirst();
        nextPty.survivors.add(new Survivor(id, 4242, null));
        next = kernel(nextPty);

        nextPty.adopted.get(id).exit(3);

        assertThat(next.registry().get(alice, id).join().exitCode()).isEqualTo(3);
        assertThat(store.sessions.get(id).state()).isEqualTo(SessionState.CLOSED);
        assertThat(store.sessions.get(id).closeReason()).isEqualTo("program exited");
        assertThat(nextPty.released).containsExactly(id); // recorded: the keeper may forget it
    }

    @Test
    void aSessionWhoseProgramExitedWhileNoServerRan_isClosedWithItsRealExitCode_thenReleased() {
        long id = firstRunCrashesWith(1).getFirst();
        nextPty.survivors.add(new Survivor(id, 4242, 7));

        next = kernel(nextPty);

        SessionInfo s = session(id);
        assertThat(s.state()).isEqualTo(SessionState.CLOSED);
        assertThat(s.exitCode()).isEqualTo(7);
        assertThat(s.closeReason()).isEqualTo("program exited while the server was down");
        assertThat(events("SessionClosed").getLast().data())
                .isEqualTo(new Event.SessionClosed(SessionState.DISCONNECTED, SessionState.CLOSED, 7, SessionService.EXITED_WHILE_DOWN, "system"));
        assertThat(nextPty.released).containsExactly(id);
        assertThat(nextPty.adopted).isEmpty();
    }

    @Test
    void aSessionNoKeeperKnows_isClosedAsServerCrashed() {
        long id = firstRunCrashesWith(1).getFirst();

        next = kernel(nextPty);

        assertThat(session(id).state()).isEqualTo(SessionState.CLOSED);
        assertThat(session(id).closeReason()).isEqualTo(CrashRecovery.REASON);
        assertThat(events("ServerStarted").getLast().data()).isEqualTo(new Event.ServerStarted("box", "http://127.0.0.1:1", 1, 0, 0));
    }

    @Test
    void aKeptSessionTheStoreDoesNotKnow_isReleased_notAdopted() {
        firstRunCrashesWith(1);
        nextPty.survivors.add(new Survivor(999, 5000, null));

        next = kernel(nextPty);

        assertThat(nextPty.released).containsExactly(999L);
        assertThat(nextPty.adopted).isEmpty();
    }

    @Test
    void aStoppingServerWhoseHostKeepsSessions_leavesThemRunning_tellsItsClientsItRestarts_andRecordsThemDisconnected() {
        long id = firstRunCrashesWith(1).getFirst();
        var client = new SessionServiceTest.TestClient();
        first.connections().attach(alice, id, client, null, null, "pc", "::1").join();

        first.close();

        assertThat(firstPty.last().signals).isEmpty();
        assertThat(firstPty.last().alive).isTrue();
        assertThat(client.ends).containsExactly(EndNotice.restarting(SessionService.RESTARTING));
        assertThat(store.sessions.get(id).state()).isEqualTo(SessionState.DISCONNECTED);
        assertThat(store.connections.values()).allSatisfy(c -> assertThat(c.disconnectReason()).isEqualTo("server restarting"));
        assertThat(events("ServerStopped").getLast().data()).isEqualTo(new Event.ServerStopped("box", 0, 1));
    }

    @Test
    void aStoppingServerWhoseHostDoesNotKeepSessions_closesThem_asBefore() {
        first = kernel(firstPty);
        long id = first.sessions().create(alice, NewSession.of("/bin/sh")).join().id();

        first.close();

        assertThat(store.sessions.get(id).state()).isEqualTo(SessionState.CLOSED);
        assertThat(events("ServerStopped").getLast().data()).isEqualTo(new Event.ServerStopped("box", 1, 0));
    }
}
