package dev.tether.store;

import static dev.tether.store.Fixtures.T0;
import static dev.tether.store.Fixtures.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.RequestRecord;
import dev.tether.api.RequestStatus;
import dev.tether.api.ResultCode;
import dev.tether.api.TargetResult;
import dev.tether.api.TargetStatus;
import dev.tether.api.TetherException;
import dev.tether.api.UserRecord;
import dev.tether.core.store.TokenRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Requests, users and tokens come back exactly as they were written. */
class RecordsTest {
    @TempDir
    Path dir;
    SqliteStore store;

    @BeforeEach
    void open() {
        store = SqliteStore.open(dir.resolve("tether.db"));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aRunningRequestWithPendingTargetsRoundTripsWithANullResult() {
        RequestRecord running = new RequestRecord(0, "disconnect", "alice", false, RequestStatus.RUNNING, null,
                List.of(TargetResult.pending(4, "session 4 (alice, bash)"), TargetResult.pending(5, "session 5 (bob, vim)")),
                T0, null);

        RequestRecord inserted = await(store.write(tx -> tx.insertRequest(running)));
        Optional<RequestRecord> read = await(store.read(tx -> tx.request(inserted.id())));

        assertThat(inserted.id()).isEqualTo(1);
        assertThat(read).contains(running.withId(1));
        assertThat(read.orElseThrow().result()).isNull();
    }

    /** What the start reads to complete what a crashed run left unfinished (issue 8 §2). */
    @Test
    void requestsByStatusListsOnlyThatStatusInIdOrder() {
        var targets = List.of(TargetResult.pending(4, "session 4"));
        List<Long> running = await(store.write(tx -> {
            long first = tx.insertRequest(new RequestRecord(0, "close", "alice", false, RequestStatus.RUNNING, null, targets, T0, null)).id();
            RequestRecord done = tx.insertRequest(new RequestRecord(0, "close", "alice", false, RequestStatus.RUNNING, null, targets, T0, null));
            tx.updateRequest(new RequestRecord(done.id(), "close", "alice", false, RequestStatus.COMPLETED, ResultCode.OK,
                    List.of(targets.getFirst().finish(TargetStatus.DONE, ResultCode.OK, "session 4 logged off")), T0, T0));
            long third = tx.insertRequest(new RequestRecord(0, "lock", "bob", false, RequestStatus.RUNNING, null, targets, T0, null)).id();
            return List.of(first, third);
        }));

        List<RequestRecord> listed = await(store.read(tx -> tx.requests(RequestStatus.RUNNING)));
        List<RequestRecord> completed = await(store.read(tx -> tx.requests(RequestStatus.COMPLETED)));

        assertThat(listed.stream().map(RequestRecord::id).toList()).isEqualTo(running);
        assertThat(completed).hasSize(1);
    }

    @Test
    void aCompletedRequestKeepsEachTargetsStatusResultAndMessage() {
        RequestRecord running = await(store.write(tx -> tx.insertRequest(new RequestRecord(0, "close", "alice", true,
                RequestStatus.RUNNING, null, List.of(TargetResult.pending(4, "session 4"), TargetResult.pending(9, "session 9")),
                T0, null))));
        RequestRecord completed = new RequestRecord(running.id(), "close", "alice", true, RequestStatus.COMPLETED,
                ResultCode.NOT_FOUND,
                List.of(running.targets().get(0).finish(TargetStatus.DONE, ResultCode.OK, "session 4 would be closed"),
                        running.targets().get(1).finish(TargetStatus.FAILED, ResultCode.NOT_FOUND, "session 9 does not exist")),
                T0, T0.plusMillis(1500));

        await(store.write(tx -> {
            tx.updateRequest(completed);
            return null;
        }));
        Optional<RequestRecord> read = await(store.read(tx -> tx.request(running.id())));
        Optional<RequestRecord> unknown = await(store.read(tx -> tx.request(42)));

        assertThat(read).contains(completed);
        assertThat(unknown).isEmpty();
    }

    @Test
    void usersRoundTripByNameAndByIdInIdOrder() {
        UserRecord alice = await(store.write(tx -> tx.insertUser(new UserRecord(0, "alice", true, T0))));
        UserRecord bob = await(store.write(tx -> tx.insertUser(new UserRecord(0, "bob", false, T0.plusSeconds(1)))));

        Optional<UserRecord> byName = await(store.read(tx -> tx.user("bob")));
        Optional<UserRecord> byId = await(store.read(tx -> tx.user(alice.id())));
        List<UserRecord> all = await(store.read(tx -> tx.users()));
        Optional<UserRecord> nobody = await(store.read(tx -> tx.user("nobody")));

        assertThat(byName).contains(bob);
        assertThat(byId).contains(new UserRecord(1, "alice", true, T0));
        assertThat(all).containsExactly(alice, bob);
        assertThat(nobody).isEmpty();
    }

    @Test
    void aSecondUserWithTheSameNameIsAConflict() {
        await(store.write(tx -> tx.insertUser(new UserRecord(0, "alice", false, T0))));
        CompletableFuture<UserRecord> again = store.write(tx -> tx.insertUser(new UserRecord(0, "alice", true, T0)));

        assertThat(again.handle((ok, e) -> e).join()).isInstanceOfSatisfying(TetherException.class, e -> {
            assertThat(e.code()).isEqualTo(ResultCode.CONFLICT);
            assertThat(e.getMessage()).isEqualTo("cannot insert user alice: it already exists");
        });
    }

    @Test
    void tokensRoundTripByHashWithAndWithoutAnApplication() {
        UserRecord alice = await(store.write(tx -> tx.insertUser(new UserRecord(0, "alice", false, T0))));
        TokenRecord user = await(store.write(tx -> tx.insertToken(new TokenRecord(0, alice.id(), "aa11", null, T0))));
        TokenRecord app = await(store.write(tx -> tx.insertToken(new TokenRecord(0, alice.id(), "bb22", "backup-tool", T0))));

        Optional<TokenRecord> byUserHash = await(store.read(tx -> tx.tokenByHash("aa11")));
        Optional<TokenRecord> byAppHash = await(store.read(tx -> tx.tokenByHash("bb22")));
        Optional<TokenRecord> unknown = await(store.read(tx -> tx.tokenByHash("cc33")));

        assertThat(byUserHash).contains(user);
        assertThat(byUserHash.orElseThrow().application()).isNull();
        assertThat(byAppHash).contains(app);
        assertThat(app.id()).isEqualTo(2);
        assertThat(unknown).isEmpty();
    }

    @Test
    void aTokenHashIsUniqueAndATokenNeedsAnExistingUser() {
        UserRecord alice = await(store.write(tx -> tx.insertUser(new UserRecord(0, "alice", false, T0))));
        await(store.write(tx -> tx.insertToken(new TokenRecord(0, alice.id(), "aa11", null, T0))));

        CompletableFuture<TokenRecord> sameHash = store.write(tx -> tx.insertToken(new TokenRecord(0, alice.id(), "aa11", "x", T0)));
        CompletableFuture<TokenRecord> noUser = store.write(tx -> tx.insertToken(new TokenRecord(0, 99, "dd44", null, T0)));

        assertThat(sameHash.handle((ok, e) -> e).join()).isInstanceOfSatisfying(TetherException.class, e -> {
            assertThat(e.code()).isEqualTo(ResultCode.CONFLICT);
            assertThat(e.getMessage()).doesNotContain("aa11"); // a hash is a secret's fingerprint
        });
        assertThat(noUser.handle((ok, e) -> e).join()).isInstanceOfSatisfying(TetherException.class, e -> {
            assertThat(e.code()).isEqualTo(ResultCode.NOT_FOUND);
            assertThat(e.getMessage()).isEqualTo("cannot add a token for user 99: no such user");
        });
    }

    @Test
    void aWorkspaceTokenRoundTripsWithItsWorkspaceAndRevocation() {
        UserRecord alice = await(store.write(tx -> tx.insertUser(new UserRecord(0, "alice", false, T0))));
        TokenRecord workspace = new TokenRecord(0, alice.id(), "ee55", null, "work-7", T0, null);
        TokenRecord revoked = new TokenRecord(0, alice.id(), "ff66", "backup-tool", "work-8", T0, T0.plusSeconds(9));

        TokenRecord insertedWorkspace = await(store.write(tx -> tx.insertToken(workspace)));
        TokenRecord insertedRevoked = await(store.write(tx -> tx.insertToken(revoked)));

        assertThat(token("ee55")).contains(workspace.withId(insertedWorkspace.id()));
        assertThat(token("ff66")).contains(revoked.withId(insertedRevoked.id()));
    }

    @Test
    void revokingWorkspaceTokensRevokesOnlyThatUsersTokensForThatWorkspaceAndKeepsEarlierRevocations() {
        UserRecord alice = await(store.write(tx -> tx.insertUser(new UserRecord(0, "alice", false, T0))));
        UserRecord bob = await(store.write(tx -> tx.insertUser(new UserRecord(0, "bob", false, T0))));
        await(store.write(tx -> List.of(
                tx.insertToken(new TokenRecord(0, alice.id(), "a-w1", null, "w1", T0, null)),
                tx.insertToken(new TokenRecord(0, alice.id(), "a-w1-old", null, "w1", T0, T0.plusSeconds(1))),
                tx.insertToken(new TokenRecord(0, alice.id(), "a-w2", null, "w2", T0, null)),
                tx.insertToken(new TokenRecord(0, alice.id(), "a-user", null, T0)),
                tx.insertToken(new TokenRecord(0, bob.id(), "b-w1", null, "w1", T0, null)))));
        Instant at = T0.plusSeconds(60);

        await(store.write(tx -> {
            tx.revokeWorkspaceTokens(alice.id(), "w1", at);
            return null;
        }));

        assertThat(revokedAt("a-w1")).isEqualTo(at);
        assertThat(revokedAt("a-w1-old")).isEqualTo(T0.plusSeconds(1));
        assertThat(revokedAt("a-w2")).isNull();
        assertThat(revokedAt("a-user")).isNull();
        assertThat(revokedAt("b-w1")).isNull();
    }

    @Test
    void aPasswordHashIsSetReadAndEmptyForAUserWithoutOneOrAnUnknownUser() {
        UserRecord alice = await(store.write(tx -> tx.insertUser(new UserRecord(0, "alice", false, T0))));
        await(store.write(tx -> tx.insertUser(new UserRecord(0, "bob", false, T0))));
        String hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g";

        await(store.write(tx -> {
            tx.setPasswordHash(alice.id(), hash);
            return null;
        }));
        CompletableFuture<Void> unknown = store.write(tx -> {
            tx.setPasswordHash(99, hash);
            return null;
        });

        assertThat(passwordHash("alice")).contains(hash);
        assertThat(passwordHash("bob")).isEmpty();
        assertThat(passwordHash("nobody")).isEmpty();
        Optional<UserRecord> stillAlice = await(store.read(tx -> tx.user("alice")));
        assertThat(stillAlice).contains(alice);
        assertThat(unknown.handle((ok, e) -> e).join()).isInstanceOfSatisfying(TetherException.class, e -> {
            assertThat(e.code()).isEqualTo(ResultCode.NOT_FOUND);
            assertThat(e.getMessage()).isEqualTo("cannot set the password of user 99: no such user").doesNotContain(hash);
        });
    }

    private Instant revokedAt(String hash) {
        return token(hash).orElseThrow().revokedAt();
    }

    private Optional<TokenRecord> token(String hash) {
        return await(store.read(tx -> tx.tokenByHash(hash)));
    }

    private Optional<String> passwordHash(String user) {
        return await(store.read(tx -> tx.passwordHash(user)));
    }
}
