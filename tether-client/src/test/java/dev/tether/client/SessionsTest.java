package dev.tether.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tether.api.Bodies;
import dev.tether.api.ControlMessage;
import dev.tether.api.NewSession;
import dev.tether.api.NewUser;
import dev.tether.api.RequestRecord;
import dev.tether.api.RequestStatus;
import dev.tether.api.ResultCode;
import dev.tether.api.Selection;
import dev.tether.api.SessionInfo;
import dev.tether.api.SessionState;
import dev.tether.api.TargetResult;
import dev.tether.api.TargetStatus;
import dev.tether.api.TetherException;
import dev.tether.api.UserRecord;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SDK's sessions, requests, users and errors against a real server. */
class SessionsTest {
    static TestServer server;
    static TetherClient tether;

    @BeforeAll
    static void start() {
        server = new TestServer("sdk-test");
        tether = server.admin();
    }

    @AfterAll
    static void stop() {
        tether.close();
        server.close();
    }

    static SessionInfo sleeper() {
        return tether.sessions().create(NewSession.of("sleep", "60"));
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void createStartsARealProgramThatRunsWithNoClientAttached() {
        SessionInfo s = tether.sessions().create(NewSession.of("sleep", "60").withSize(100, 30).withEnv("FOO", "bar"));

        assertThat(s.id()).isPositive();
        assertThat(s.state()).isEqualTo(SessionState.DISCONNECTED);
        assertThat(s.stateCode()).isEqualTo(4);
        assertThat(s.user()).isEqualTo("admin");
        assertThat(s.argv()).containsExactly("sleep", "60");
        assertThat(s.cols()).isEqualTo(100);
        assertThat(s.rows()).isEqualTo(30);
        assertThat(s.connections()).isZero();
        assertThat(alive(s.pid())).isTrue();
    }

    @Test
    void listShowsLiveSessionsAndAllStatesAddsClosedOnes() {
        SessionInfo s = sleeper();
        tether.sessions().closeAsync(s.id()).await();

        assertThat(tether.sessions().list()).extracting(SessionInfo::id).doesNotContain(s.id());
        assertThat(tether.sessions().list(true)).filteredOn(x -> x.id() == s.id())
                .singleElement().satisfies(x -> assertThat(x.state()).isEqualTo(SessionState.CLOSED));
    }

    @Test
    void getOfAnUnknownSessionIsNotFoundWithTheServersSentence() {
        assertThatThrownBy(() -> tether.sessions().get(4_000_000_000L))
                .isInstanceOfSatisfying(TetherException.class, e -> {
                    assertThat(e.code()).isEqualTo(ResultCode.NOT_FOUND);
                    assertThat(e.getMessage()).isEqualTo("no session 4000000000 on sdk-test");
                });
    }

    @Test
    void idsOutsideUint32AreRefusedBeforeAnyCall() {
        // A dead server: INVALID_PARAMETER rather than SERVER_UNREACHABLE proves no call was made.
        try (var nowhere = TetherClient.connect(URI.create("http://127.0.0.1:" + TestServer.freePort()), "t")) {
            for (long id : new long[] {0, -1, 4_294_967_296L}) {
                assertThatThrownBy(() -> nowhere.sessions().get(id))
                        .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.INVALID_PARAMETER));
            }
            assertThatThrownBy(() -> nowhere.sessions().disconnect(Selection.of(1, 4_294_967_296L)))
                    .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.INVALID_PARAMETER));
        }
    }

    /** IMbnConnection::Disconnect: a request id at once, OnDisconnectComplete (the future) later. */
    @Test
    void disconnectAsyncGivesTheRequestIdAtOnceAndCompletesWhenTheRequestDoes() throws Exception {
        SessionInfo s = tether.sessions().create(NewSession.of("cat"));
        var ended = new CompletableFuture<ControlMessage.Closed>();
        tether.attach(s.id(), 80, 24, "sdk-test", new AttachListener() {
            @Override
            public void onOutput(java.nio.ByteBuffer output) {
            }

            @Override
            public void onClosed(ControlMessage.Closed closed) {
                ended.complete(closed);
            }
        });
        await().until(() -> tether.sessions().get(s.id()).state() == SessionState.ACTIVE);

        PendingRequest pending = tether.sessions().disconnectAsync(s.id());

        assertThat(pending.id()).isPositive();
        RequestRecord done = pending.completion().get(10, TimeUnit.SECONDS);
        assertThat(done.id()).isEqualTo(pending.id());
        assertThat(done.status()).isEqualTo(RequestStatus.COMPLETED);
        assertThat(done.result()).isEqualTo(ResultCode.OK);
        assertThat(done.targets()).singleElement().extracting(TargetResult::status).isEqualTo(TargetStatus.DONE);
        ControlMessage.Closed why = ended.get(5, TimeUnit.SECONDS);
        assertThat(why.kind()).isEqualTo(ControlMessage.Closed.DISCONNECTED);
        assertThat(why.reason()).isEqualTo("disconnected by admin");
        SessionInfo after = tether.sessions().get(s.id());
        assertThat(after.state()).isEqualTo(SessionState.DISCONNECTED);
        assertThat(alive(after.pid())).as("the program keeps running").isTrue();
    }

    @Test
    void closeAsyncCompletesWhenTheProgramIsGone() {
        SessionInfo s = sleeper();

        RequestRecord done = tether.sessions().closeAsync(s.id()).await();

        assertThat(done.result()).isEqualTo(ResultCode.OK);
        SessionInfo closed = tether.sessions().get(s.id());
        assertThat(closed.state()).isEqualTo(SessionState.CLOSED);
        assertThat(closed.closeReason()).isEqualTo("logoff by admin");
        assertThat(closed.closedAt()).isNotNull();
        await().atMost(Duration.ofSeconds(5)).until(() -> !alive(s.pid()));
    }

    @Test
    void aWhatIfBatchDescribesEachTargetAndChangesNothing() {
        SessionInfo s = sleeper();

        RequestRecord answer = tether.sessions().close(Selection.of(s.id()).asWhatIf());

        assertThat(answer.id()).isZero();
        assertThat(answer.whatIf()).isTrue();
        assertThat(answer.targets()).singleElement()
                .extracting(TargetResult::description).isEqualTo("session " + s.id() + " (admin, sleep)");
        assertThat(tether.sessions().get(s.id()).state()).isEqualTo(SessionState.DISCONNECTED);
        assertThat(tether.sessions().closeAsync(Selection.of(s.id()).asWhatIf()).completion()).isCompleted();
    }

    @Test
    void allSkipsTheCallersOwnSessionAndActsOnTheOthers() {
        SessionInfo own = sleeper();
        SessionInfo other = sleeper();
        try (var inside = TetherClient.builder(server.url()).token(server.adminToken()).ownSessionId(own.id()).build()) {
            RequestRecord done = inside.sessions().disconnectAsync(Selection.everything()).await();

            assertThat(done.result()).isEqualTo(ResultCode.OK);
            assertThat(done.targets()).filteredOn(t -> t.id() == own.id()).singleElement().satisfies(t -> {
                assertThat(t.status()).isEqualTo(TargetStatus.SKIPPED);
                assertThat(t.result()).isEqualTo(ResultCode.OWN_SESSION);
            });
            assertThat(done.targets()).filteredOn(t -> t.id() == other.id()).singleElement()
                    .extracting(TargetResult::status).isEqualTo(TargetStatus.DONE);
        }
    }

    @Test
    void namingTheCallersOwnSessionIsOwnSession() {
        SessionInfo own = sleeper();
        try (var inside = TetherClient.builder(server.url()).token(server.adminToken()).ownSessionId(own.id()).build()) {
            assertThatThrownBy(() -> inside.sessions().close(own.id()))
                    .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.OWN_SESSION));
        }
        assertThat(tether.sessions().get(own.id()).state()).isEqualTo(SessionState.DISCONNECTED);
    }

    @Test
    void aRequestCanBeLookedUpAndAwaitedById() {
        SessionInfo s = sleeper();
        RequestRecord accepted = tether.sessions().close(Selection.of(s.id()));

        RequestRecord done = tether.requests().await(accepted.id(), Duration.ofSeconds(10));

        assertThat(done.status()).isEqualTo(RequestStatus.COMPLETED);
        assertThat(done.operation()).isEqualTo("close");
        assertThat(tether.requests().get(accepted.id()).status()).isEqualTo(RequestStatus.COMPLETED);
        assertThat(tether.requests().completion(accepted.id()).join().result()).isEqualTo(ResultCode.OK);
        assertThatThrownBy(() -> tether.requests().get(4_000_000_000L))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.NOT_FOUND));
    }

    @Test
    void theServerDescribesItselfAndTheCaller() {
        Bodies.ServerView info = tether.server();

        assertThat(info.name()).isEqualTo("sdk-test");
        assertThat(info.url()).isEqualTo(server.url().toString());
        assertThat(info.caller().name()).isEqualTo("admin");
        assertThat(info.caller().admin()).isTrue();
    }

    @Test
    void aNewUsersTokenWorksAndTheUserSeesOnlyTheirOwnSessions() {
        SessionInfo adminSession = sleeper();
        NewUser bob = tether.users().add("bob", false);

        assertThat(bob.token()).isNotBlank();
        assertThat(tether.users().list()).extracting(UserRecord::name).contains("admin", "bob");
        try (var asBob = TetherClient.connect(server.url(), bob.token())) {
            assertThatThrownBy(() -> asBob.sessions().get(adminSession.id()))
                    .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.NOT_FOUND));
            SessionInfo own = asBob.sessions().create(NewSession.of("sleep", "60"));
            List<SessionInfo> visible = asBob.sessions().list();
            assertThat(visible).extracting(SessionInfo::id).containsExactly(own.id());
            assertThat(own.user()).isEqualTo("bob");
            assertThatThrownBy(() -> asBob.users().list())
                    .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.ACCESS_DENIED));
        }
        assertThatThrownBy(() -> tether.users().add("bob", false))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.CONFLICT));
    }

    @Test
    void aServerThatIsDownIsUnreachableWithASentenceNamingIt() {
        int port = TestServer.freePort();
        try (var nowhere = TetherClient.connect(URI.create("http://127.0.0.1:" + port), "t")) {
            assertThatThrownBy(() -> nowhere.sessions().list())
                    .isInstanceOfSatisfying(TetherException.class, e -> {
                        assertThat(e.code()).isEqualTo(ResultCode.SERVER_UNREACHABLE);
                        assertThat(e.getMessage()).isEqualTo("cannot reach Tether at http://127.0.0.1:" + port + ": connection refused");
                    });
        }
    }

    @Test
    void aWrongTokenIsUnauthenticated() {
        try (var stranger = TetherClient.connect(server.url(), "tth_not-a-token")) {
            assertThatThrownBy(() -> stranger.sessions().list())
                    .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.UNAUTHENTICATED));
        }
    }
}
