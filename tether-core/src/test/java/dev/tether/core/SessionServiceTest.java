package dev.tether.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tether.api.Event;
import dev.tether.api.EventRecord;
import dev.tether.api.NewSession;
import dev.tether.api.RequestRecord;
import dev.tether.api.RequestStatus;
import dev.tether.api.ResultCode;
import dev.tether.api.Selection;
import dev.tether.api.SessionInfo;
import dev.tether.api.SessionState;
import dev.tether.api.TargetResult;
import dev.tether.api.TargetStatus;
import dev.tether.api.TetherException;
import dev.tether.core.account.Caller;
import dev.tether.core.request.RequestBook;
import dev.tether.core.store.SessionRecord;
import dev.tether.core.time.ManualScheduler;
import dev.tether.core.time.Scheduler;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The session state machine and request bookkeeping, with an injected clock. */
class SessionServiceTest {
    static final Instant T0 = Instant.parse("2026-11-21T09:00:00Z");
    static final Duration HANGUP_GRACE = Duration.ofSeconds(2);
    static final Duration TERM_GRACE = Duration.ofSeconds(5);
    final ManualScheduler time = new ManualScheduler(T0);
    final MemoryStore store = new MemoryStore();
    final ScriptedPty pty = new ScriptedPty();
    final Caller alice = new Caller("alice", false, 0);
    final Caller admin = new Caller("root", true, 0);
    Kernel kernel;

    @BeforeEach
    void start() {
        kernel = new Kernel(store, pty, time,
                new SessionService.Settings("box", 4096, HANGUP_GRACE, TERM_GRACE, /* sharedAccountSessions= */ true),
                Map.of("PATH", "/usr/bin:/bin", "HOME", "/tmp", "USER", "tester", "SHELL", "/bin/sh"));
        kernel.start("http://127.0.0.1:1").join();
    }

    @AfterEach
    void stop() {
        kernel.close();
    }

    static final class TestClock implements InstantSource {
        volatile Instant now;

        TestClock(Instant now) {
            this.now = now;
        }

        @Override public Instant instant() { return now; }

        void advance(Duration d) { now = now.plus(d); }
    }

    static class TestClient implements ClientTransport {
        final List<EndNotice> ends = new CopyOnWriteArrayList<>();
        final List<String> told = new CopyOnWriteArrayList<>();

        @Override public void connecting(long connectionId, long requestId) { told.add("connecting " + connectionId + " " + requestId); }

        @Override public void activated(long connectionId, long requestId, int cols, int rows, long offset) {
            told.add("activated " + connectionId);
            this.offset = offset;
        }

        /** The output offset the last activation said output starts at. */
        volatile long offset = -1;

        @Override public void locked(String message) { told.add("locked " + message); }

        @Override public void unlocked() { told.add("unlocked"); }

        @Override public void message(long messageId, String title, String text, int timeoutSeconds) { told.add("message " + messageId + " " + title); }

        @Override public boolean send(ByteBuffer output) { return true; }

        @Override public void onWritable(Runnable callback) { }

        @Override public void pauseInput() { }

        @Override public void resumeInput() { }

        @Override public void tooSlow() { }

        @Override public void lost(long bytes) { told.add("lost " + bytes); }

        @Override public void resized(int cols, int rows) { }

        @Override
        public CompletionStage<Void> end(EndNotice notice) {
            ends.add(notice);
            return CompletableFuture.completedFuture(null);
        }
    }

    SessionInfo newSession(Caller caller) {
        return kernel.sessions().create(caller, NewSession.of("/bin/sh")).join();
    }

    @Test
    void aNewSessionGoesFromInitToDisconnectedAndBothChangesCarryTheClocksTime() {
        SessionInfo s = newSession(alice);
        assertThat(s.id()).isEqualTo(1);
        assertThat(s.state()).isEqualTo(SessionState.DISCONNECTED);
        assertThat(s.stateCode()).isEqualTo(4);
        assertThat(s.createdAt()).isEqualTo(T0);
        assertThat(store.eventTypes()).containsSubsequence("SessionCreated", "SessionStateChanged");
        EventRecord changed = store.events.stream().filter(e -> e.type().equals("SessionStateChanged")).findFirst().orElseThrow();
        assertThat(changed.data()).isEqualTo(new Event.SessionStateChanged(SessionState.INIT, SessionState.DISCONNECTED, 9, 4,
                "started", "system"));
        assertThat(changed.at()).isEqualTo(T0);
        assertThat(pty.last().spec.environment()).containsEntry("TETHER_SESSION_ID", "1")
                .containsEntry("TETHER_SERVER", "http://127.0.0.1:1").containsEntry("TERM", "xterm-256color");
    }

    @Test
    void sessionIdsIncreaseAndAreNeverReused() {
        long a = newSession(alice).id();
        pty.last().exit(0);
        long b = newSession(alice).id();
        assertThat(b).isGreaterThan(a);
    }

    @Test
    void attachingMakesASessionActiveAndTheLastClientLeavingMakesItDisconnected() {
        SessionInfo s = newSession(alice);
        ClientHandle one = kernel.connections().attach(alice, s.id(), new TestClient(), null, null, "pc1", "::1").join();
        ClientHandle two = kernel.connections().attach(alice, s.id(), new TestClient(), 100, 30, "pc2", "::1").join();
        SessionInfo active = kernel.registry().get(alice, s.id()).join();
        assertThat(active.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(active.connections()).isEqualTo(2);
        assertThat(active.cols()).isEqualTo(100);
        one.gone("closed");
        assertThat(kernel.registry().get(alice, s.id()).join().state()).isEqualTo(SessionState.ACTIVE);
        two.gone("closed");
        assertThat(kernel.registry().get(alice, s.id()).join().state()).isEqualTo(SessionState.DISCONNECTED);
    }

    @Test
    void anAttachWithoutAnOffsetIsShownTheScreen_oneWithAnOffsetResumesThere_andARawOneStartsAtTheRingsTail() {
        SessionInfo s = newSession(alice);
        ScriptedPty.Program program = pty.last();
        program.outputBytes = 5000;
        program.outputTail = 1000;
        var first = new TestClient();
        kernel.connections().attach(alice, s.id(), first, null, null, "a", "x").join();
        var resumed = new TestClient();
        kernel.connections().attach(alice, s.id(), resumed, null, null, "b", "x", 4200L).join();
        var raw = new TestClient();
        kernel.connections().attach(alice, s.id(), raw, null, null, "c", "x", Connections.Replay.RAW).join();
        var tooOld = new TestClient();
        kernel.connections().attach(alice, s.id(), tooOld, null, null, "d", "x", 400L).join();

        assertThat(program.attachedFrom).as("-1: with the screen").containsExactly(-1L, 4200L, 1000L, -1L);
        assertThat(first.offset).isEqualTo(5000);
        assertThat(resumed.offset).isEqualTo(4200);
        assertThat(raw.offset).isEqualTo(1000);
        assertThat(tooOld.offset).as("a resume the ring no longer holds is shown the screen").isEqualTo(5000);
    }

    @Test
    void anOffsetBeyondTheOutputOrNegative_isInvalidParameter_andNothingIsRecorded() {
        SessionInfo s = newSession(alice);
        pty.last().outputBytes = 5000;
        int events = store.events.size();
        for (long bad : new long[] {5001, -1}) {
            assertThatThrownBy(() -> kernel.connections().attach(alice, s.id(), new TestClient(), null, null, "a", "x", bad).join())
                    .cause().isInstanceOfSatisfying(TetherException.class, e -> {
                        assertThat(e.code()).isEqualTo(ResultCode.INVALID_PARAMETER);
                        assertThat(e.getMessage()).contains("session " + s.id()).contains("offset " + bad);
                    });
        }
        assertThat(pty.last().attachedFrom).isEmpty();
        assertThat(store.events).hasSize(events);
        assertThat(kernel.registry().get(alice, s.id()).join().connections()).isZero();
    }

    @Test
    void disconnectLetsEveryClientGoWithWhoDidItAndTheProgramKeepsRunning() {
        SessionInfo s = newSession(alice);
        var c1 = new TestClient();
        var c2 = new TestClient();
        kernel.connections().attach(alice, s.id(), c1, null, null, "a", "x").join();
        kernel.connections().attach(alice, s.id(), c2, null, null, "b", "x").join();
        RequestRecord done = kernel.sessions().disconnect(admin, Selection.of(s.id()), true).join().completion().join();
        assertThat(done.result()).isEqualTo(ResultCode.OK);
        assertThat(c1.ends).containsExactly(EndNotice.disconnected("disconnected by root"));
        assertThat(c2.ends).containsExactly(EndNotice.disconnected("disconnected by root"));
        assertThat(pty.last().alive()).isTrue();
        assertThat(pty.last().signals).isEmpty();
        assertThat(kernel.registry().get(alice, s.id()).join().state()).isEqualTo(SessionState.DISCONNECTED);
    }

    /**
     * Reproduction (CI, 50 concurrent {@code POST /sessions/ID/close}): one answer was neither the
     * 202 nor a 409. A close planned with the session in the live map, and the session then closed
     * and left the map before the plan looked again, so it was in neither the map nor the store's
     * answer and the close said NOT_FOUND for a session that exists. Here the store's read is held
     * while another close logs the session off; the held close must say "closed already".
     */
    @Test
    void aSessionThatClosesWhileACloseIsPlannedIsClosedAlreadyNotMissing() {
        long gone = newSession(alice).id();
        pty.last().exit(0); // closed: only the store knows it, so planning a close of it reads the store
        await().atMost(Duration.ofSeconds(5)).until(() -> kernel.registry().get(alice, gone).join().state() == SessionState.CLOSED);
        long closing = newSession(alice).id();

        store.holdReads();
        var held = kernel.sessions().close(admin, Selection.of(gone, closing), false);
        kernel.sessions().close(admin, Selection.of(closing), true).join().completion().join();
        store.releaseReads();

        RequestRecord done = held.join().completion().join();
        assertThat(done.targets()).extracting(TargetResult::id, TargetResult::result)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(gone, ResultCode.INVALID_STATE),
                        org.assertj.core.groups.Tuple.tuple(closing, ResultCode.INVALID_STATE));
        assertThat(done.targets().get(1).message()).isEqualTo("session " + closing + " (alice, sh) is closed already (logoff by root)");
    }

    @Test
    void closeHangsUpFirstAndTheSessionIsClosedOnlyWhenTheProgramIsGone() {
        SessionInfo s = newSession(alice);
        ScriptedPty.Program program = pty.last();
        program.diesOn = -1; // ignores SIGHUP and SIGTERM
        time.advance(Duration.ofMinutes(5));
        var submitted = kernel.sessions().close(alice, Selection.of(s.id()), true).join();
        assertThat(submitted.request().status()).isEqualTo(RequestStatus.RUNNING);
        await().until(() -> time.pending().size() == 2);
        time.advance(HANGUP_GRACE.plus(TERM_GRACE));
        assertThat(program.signals).containsExactly(1, 15, 9); // SIGHUP, SIGTERM after a grace, SIGKILL after another
        RequestRecord done = submitted.completion().join();
        assertThat(done.status()).isEqualTo(RequestStatus.COMPLETED);
        SessionInfo closed = kernel.registry().get(alice, s.id()).join();
        assertThat(closed.state()).isEqualTo(SessionState.CLOSED);
        assertThat(closed.closeReason()).isEqualTo("logoff by alice");
        assertThat(closed.exitCode()).isEqualTo(137);
        assertThat(closed.closedAt()).isEqualTo(T0.plus(Duration.ofMinutes(5)).plus(HANGUP_GRACE).plus(TERM_GRACE));
    }

    @Test
    void aCloseSendsSigtermAfterTheHangupGraceAndSigkillAfterTheTermGrace() {
        SessionInfo s = newSession(alice);
        ScriptedPty.Program program = pty.last();
        program.diesOn = -1; // ignores SIGHUP and SIGTERM
        var submitted = kernel.sessions().close(alice, Selection.of(s.id()), true).join();
        await().until(() -> time.pending().size() == 2);
        assertThat(program.signals).containsExactly(1);
        time.advance(HANGUP_GRACE.minusMillis(1));
        assertThat(program.signals).containsExactly(1);
        time.advance(Duration.ofMillis(1));
        assertThat(program.signals).containsExactly(1, 15);
        time.advance(TERM_GRACE.minusMillis(1));
        assertThat(program.signals).containsExactly(1, 15);
        time.advance(Duration.ofMillis(1));
        assertThat(program.signals).containsExactly(1, 15, 9);
        assertThat(submitted.completion().join().status()).isEqualTo(RequestStatus.COMPLETED);
    }

    @Test
    void waitingForARequestAnswersItAsItStandsWhenTheWaitRunsOut() {
        SessionInfo s = newSession(alice);
        pty.last().diesOn = -1;
        var submitted = kernel.sessions().close(alice, Selection.of(s.id()), true).join();
        await().until(() -> time.pending().size() == 2); // the close's SIGTERM and SIGKILL
        var waited = kernel.requests().await(alice, submitted.request().id(), Duration.ofSeconds(1));
        await().until(() -> time.hasDeadlineIn(Duration.ofSeconds(1)));
        assertThat(waited).isNotDone();
        time.advance(Duration.ofSeconds(1));
        assertThat(waited.join().status()).isEqualTo(RequestStatus.RUNNING);
        pty.last().exit(0);
        assertThat(kernel.requests().await(alice, submitted.request().id(), Duration.ofSeconds(1)).join().status())
                .isEqualTo(RequestStatus.COMPLETED);
    }

    /**
     * Regression: the SIGTERM and SIGKILL deadlines were taken after SIGHUP was sent, so a terminal
     * that reports the exit within {@code signal()} (this scripted one does) had its escalation
     * cancelled before it existed, and two deadlines outlived the closed session. Reproduce: close a
     * session whose program goes on SIGHUP; two deadlines stayed pending.
     */
    @Test
    void aProgramThatGoesOnSighupLeavesNoEscalationBehind() {
        SessionInfo s = newSession(alice);
        kernel.sessions().close(alice, Selection.of(s.id()), true).join().completion().join();
        assertThat(pty.last().signals).containsExactly(1);
        assertThat(time.pending()).isEmpty();
        time.advance(HANGUP_GRACE.plus(TERM_GRACE));
        assertThat(pty.last().signals).containsExactly(1);
    }

    @Test
    void aProgramThatExitsOnItsOwnIsClosedWithReasonProgramExitedAndItsClientsAreTold() {
        SessionInfo s = newSession(alice);
        var client = new TestClient();
        kernel.connections().attach(alice, s.id(), client, null, null, "a", "x").join();
        pty.last().exit(3);
        SessionInfo closed = kernel.registry().get(alice, s.id()).join();
        assertThat(closed.state()).isEqualTo(SessionState.CLOSED);
        assertThat(closed.exitCode()).isEqualTo(3);
        assertThat(closed.closeReason()).isEqualTo("program exited");
        assertThat(client.ends).containsExactly(EndNotice.ended("program exited", 3));
        assertThat(kernel.registry().list(alice, false).join()).isEmpty();
        assertThat(kernel.registry().list(alice, true).join()).extracting(SessionInfo::id).containsExactly(s.id());
    }

    @Test
    void aRequestCompletesOnlyWhenItsLastTargetIsDone() {
        SessionInfo a = newSession(alice);
        ScriptedPty.Program pa = pty.last();
        SessionInfo b = newSession(alice);
        ScriptedPty.Program pb = pty.last();
        pa.diesOn = -1;
        pb.diesOn = -1;
        var submitted = kernel.sessions().close(admin, new Selection(List.of(a.id(), b.id()), false, false), false).join();
        await() // both hung up (the targets have started); no SIGKILL comes, time stands still
                .until(() -> pa.signals.contains(1) && pb.signals.contains(1));
        pa.exit(0);
        RequestRecord half = kernel.requests().get(admin, submitted.request().id()).join();
        assertThat(half.status()).isEqualTo(RequestStatus.RUNNING);
        assertThat(half.targets()).extracting(TargetResult::status).containsExactly(TargetStatus.DONE, TargetStatus.PENDING);
        pb.exit(0);
        RequestRecord done = submitted.completion().join();
        assertThat(done.status()).isEqualTo(RequestStatus.COMPLETED);
        assertThat(done.result()).isEqualTo(ResultCode.OK);
        assertThat(store.request(done.id()).orElseThrow().status()).isEqualTo(RequestStatus.COMPLETED);
        assertThat(store.eventTypes()).contains("RequestCompleted");
    }

    @Test
    void aRequestsResultIsOkWhenTargetsSucceedOrAreSkippedElseTheFirstFailure() {
        var ok = TargetResult.pending(1, "s1").finish(TargetStatus.DONE, ResultCode.OK, "done");
        var skipped = TargetResult.pending(2, "s2").finish(TargetStatus.SKIPPED, ResultCode.OWN_SESSION, "own");
        var missing = TargetResult.pending(3, "s3").finish(TargetStatus.FAILED, ResultCode.NOT_FOUND, "none");
        var closed = TargetResult.pending(4, "s4").finish(TargetStatus.FAILED, ResultCode.INVALID_STATE, "closed");
        assertThat(RequestBook.overall(List.of(ok, skipped))).isEqualTo(ResultCode.OK);
        assertThat(RequestBook.overall(List.of(ok, missing, closed))).isEqualTo(ResultCode.NOT_FOUND);
    }

    @Test
    void aUserDoesNotSeeAnotherUsersSessionAndItsIdDoesNotLeak() {
        SessionInfo s = newSession(admin);
        assertThatThrownBy(() -> kernel.registry().get(alice, s.id()).join())
                .hasCauseInstanceOf(TetherException.class).hasMessageContaining("no session " + s.id() + " on box");
        assertThat(kernel.registry().list(alice, true).join()).isEmpty();
        var plan = kernel.sessions().disconnect(alice, Selection.everything(), false).join().completion().join();
        assertThat(plan.targets()).isEmpty();
    }

    @Test
    void whatIfReportsTheTargetsAndChangesNothing() {
        SessionInfo s = newSession(alice);
        int events = store.events.size();
        var answer = kernel.sessions().close(alice, Selection.of(s.id()).asWhatIf(), true).join().request();
        assertThat(answer.whatIf()).isTrue();
        assertThat(answer.id()).isZero();
        assertThat(answer.targets().getFirst().message())
                .isEqualTo("What if: Performing the operation \"Close\" on target \"session 1 (alice, sh)\".");
        assertThat(pty.last().signals).isEmpty();
        assertThat(store.events).hasSize(events);
        assertThat(store.requests).isEmpty();
    }

    @Test
    void allSkipsTheCallersOwnSessionAndNamingItIsRefused() {
        SessionInfo own = newSession(alice);
        SessionInfo other = newSession(alice);
        Caller inside = alice.withOwnSession(own.id());
        RequestRecord done = kernel.sessions().close(inside, Selection.everything(), false).join().completion().join();
        assertThat(done.result()).isEqualTo(ResultCode.OK);
        assertThat(done.targets()).extracting(TargetResult::id, TargetResult::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(own.id(), TargetStatus.SKIPPED),
                        org.assertj.core.groups.Tuple.tuple(other.id(), TargetStatus.DONE));
        assertThatThrownBy(() -> kernel.sessions().disconnect(inside, Selection.of(own.id()), true).join())
                .hasCauseInstanceOf(TetherException.class).hasMessageContaining("your own session");
    }

    @Test
    void theServerStoppingClosesEveryLiveSessionWithReasonServerStopped() {
        SessionInfo s = newSession(alice);
        kernel.close();
        SessionRecord r = store.session(s.id()).orElseThrow();
        assertThat(r.state()).isEqualTo(SessionState.CLOSED);
        assertThat(r.closeReason()).isEqualTo("server stopped");
        assertThat(store.eventTypes().getLast()).isEqualTo("ServerStopped");
        assertThatThrownBy(() -> kernel.sessions().create(alice, NewSession.shell()).join()).hasMessageContaining("stopping");
    }

    @Test
    void startingAfterACrashRecordsTheSessionsLeftOpenAsClosedWithReasonServerCrashed() {
        SessionInfo s = newSession(alice);
        time.advance(Duration.ofHours(1));
        var next = new Kernel(store, new ScriptedPty(), Scheduler.system(time.clock()),
                new SessionService.Settings("box", 4096, Duration.ofMillis(50), Duration.ofMillis(50), /* sharedAccountSessions= */ true));
        assertThat(next.start("http://127.0.0.1:2").join()).isEqualTo(1);
        SessionRecord r = store.session(s.id()).orElseThrow();
        assertThat(r.state()).isEqualTo(SessionState.CLOSED);
        assertThat(r.closeReason()).isEqualTo("server crashed");
        assertThat(r.closedAt()).isEqualTo(T0.plus(Duration.ofHours(1)));
        next.close();
    }

    @Test
    void aProgramThatCannotBeFoundIsRefusedBeforeAnythingIsRecorded() {
        int events = store.events.size();
        assertThatThrownBy(() -> kernel.sessions().create(alice, NewSession.of("no-such-program-here")).join())
                .hasCauseInstanceOf(TetherException.class)
                .hasMessageContaining("cannot start no-such-program-here: no such program in PATH");
        assertThat(store.events).hasSize(events);
        assertThat(store.sessions).isEmpty();
    }

    /**
     * Issue 8 §2: a program the kernel would not run passed the checks, failed in spawn, and left a
     * CLOSED session with a SessionCreated and a SessionClosed event. Now it leaves nothing.
     */
    @Test
    void aProgramThatFailsToSpawnLeavesNoSessionAndNoEvent() {
        int events = store.events.size();
        pty.failNextSpawn = new TetherException(ResultCode.INVALID_PARAMETER, "cannot start /bin/sh: Exec format error");
        assertThatThrownBy(() -> newSession(alice))
                .hasCauseInstanceOf(TetherException.class)
                .hasMessageContaining("cannot start /bin/sh: Exec format error");
        assertThat(store.events).hasSize(events);
        assertThat(store.sessions).isEmpty();
        assertThat(kernel.registry().list(admin, true).join()).isEmpty();
        assertThat(newSession(alice).id()).as("the id the failed start reserved is skipped").isEqualTo(2);
    }

    @Test
    void aProgramThatExitsBeforeItsStartIsRecordedIsClosedAfterItsStart() {
        pty.exitAtOnce = 7;
        long id = newSession(alice).id();
        await().atMost(Duration.ofSeconds(5)).until(() -> store.sessions.get(id).state() == SessionState.CLOSED);
        assertThat(store.eventTypes()).containsSubsequence("SessionCreated", "SessionStateChanged", "SessionClosed");
        assertThat(store.sessions.get(id).exitCode()).isEqualTo(7);
        assertThat(kernel.registry().list(admin, false).join()).isEmpty();
    }
}
