package dev.tether.store;

import static dev.tether.store.Fixtures.T0;
import static dev.tether.store.Fixtures.await;
import static dev.tether.store.Fixtures.credential;
import static dev.tether.store.Fixtures.workspace;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.CredentialState;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.store.CredentialRecord;
import dev.tether.core.store.WorkspaceRecord;
import dev.tether.core.store.WriteTx;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Workspaces and their credentials (IWorkspaceScriptable), as the store keeps them. */
class WorkspacesTest {
    private static final byte[] SEALED = {1, 2, 3, 4, 5, 6, 7, 8, (byte) 0xFF, 0};

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
    void workspacesRoundTripAndAreListedByUserThenIdForOneUserOrAll() {
        WorkspaceRecord bobB = workspace("bob", "b", "Bob's");
        WorkspaceRecord aliceZ = new WorkspaceRecord("alice", "z", "Finance", true, T0.plusSeconds(5));
        WorkspaceRecord aliceA = workspace("alice", "a", "Finance");
        write(tx -> {
            tx.insertWorkspace(bobB);
            tx.insertWorkspace(aliceZ);
            tx.insertWorkspace(aliceA);
        });

        assertThat(workspaceOf("alice", "z")).contains(aliceZ);
        assertThat(workspaceOf("bob", "z")).isEmpty();
        assertThat(workspacesOf("alice")).containsExactly(aliceA, aliceZ);
        assertThat(workspacesOf(null)).containsExactly(aliceA, aliceZ, bobB);
        assertThat(workspacesOf("carol")).isEmpty();
    }

    @Test
    void aSecondWorkspaceWithTheSameIdForTheSameUserIsAConflictButAnotherUserMayUseTheId() {
        write(tx -> tx.insertWorkspace(workspace("alice", "work-7", "Finance")));

        CompletableFuture<Void> again = attempt(tx -> tx.insertWorkspace(workspace("alice", "work-7", "Other")));
        write(tx -> tx.insertWorkspace(workspace("bob", "work-7", "Finance")));

        assertThat(again.handle((ok, e) -> e).join()).isInstanceOfSatisfying(TetherException.class, e -> {
            assertThat(e.code()).isEqualTo(ResultCode.CONFLICT);
            assertThat(e.getMessage()).isEqualTo("the workspace ID work-7 already exists for alice");
        });
        assertThat(workspaceOf("alice", "work-7").orElseThrow().friendlyName()).isEqualTo("Finance");
        assertThat(workspacesOf(null)).hasSize(2);
    }

    @Test
    void credentialsRoundTripWithTheirSealedBytesAndAreReplacedByAPut() {
        write(tx -> tx.insertWorkspace(workspace("alice", "w", "Finance")));
        CredentialRecord stored = new CredentialRecord("alice", "w", "alice@corp", SEALED, CredentialState.UNAUTHENTICATED,
                30, T0.plusSeconds(1800));
        write(tx -> tx.putCredential(stored));
        CredentialRecord first = credentialOf("alice", "w").orElseThrow();

        CredentialRecord authenticated = stored.withState(CredentialState.AUTHENTICATED, T0.plusSeconds(3600));
        write(tx -> tx.putCredential(authenticated));
        CredentialRecord second = credentialOf("alice", "w").orElseThrow();

        // Records compare arrays by reference, hence the field-by-field comparison.
        assertThat(first).usingRecursiveComparison().isEqualTo(stored);
        assertThat(second).usingRecursiveComparison().isEqualTo(authenticated);
        assertThat(credentialOf("alice", "other")).isEmpty();
    }

    @Test
    void credentialsNeedAnExistingWorkspace() {
        CompletableFuture<Void> orphan = attempt(tx -> tx.putCredential(credential("alice", "nowhere", SEALED, null)));

        assertThat(orphan.handle((ok, e) -> e).join()).isInstanceOfSatisfying(TetherException.class, e -> {
            assertThat(e.code()).isEqualTo(ResultCode.NOT_FOUND);
            assertThat(e.getMessage()).isEqualTo("cannot store the credentials of workspace nowhere of alice: no such workspace");
        });
    }

    @Test
    void expiredCredentialsAreThoseExpiringAtOrBeforeTheInstantAndNeverThoseWithoutATimeout() {
        Instant at = T0.plusSeconds(600);
        write(tx -> {
            for (String id : List.of("before", "exactly", "after", "never")) {
                tx.insertWorkspace(workspace("alice", id, id));
            }
            tx.insertWorkspace(workspace("bob", "before", "before"));
            tx.putCredential(credential("alice", "before", SEALED, at.minusNanos(1)));
            tx.putCredential(credential("alice", "exactly", SEALED, at));
            tx.putCredential(credential("alice", "after", SEALED, at.plusNanos(1)));
            tx.putCredential(credential("alice", "never", SEALED, null));
            tx.putCredential(credential("bob", "before", SEALED, T0));
        });

        List<CredentialRecord> expired = await(store.read(tx -> tx.expiredCredentials(at)));
        List<CredentialRecord> expiredAtT0 = await(store.read(tx -> tx.expiredCredentials(T0)));

        assertThat(expired).extracting(c -> c.user() + "/" + c.workspaceId())
                .containsExactly("alice/before", "alice/exactly", "bob/before");
        assertThat(expiredAtT0).extracting(c -> c.user() + "/" + c.workspaceId()).containsExactly("bob/before");
    }

    @Test
    void deletingAWorkspaceDeletesItsCredentialsAndDeletingWhatIsGoneDoesNothing() {
        write(tx -> {
            tx.insertWorkspace(workspace("alice", "w", "Finance"));
            tx.insertWorkspace(workspace("alice", "keep", "Keep"));
            tx.putCredential(credential("alice", "w", SEALED, null));
            tx.putCredential(credential("alice", "keep", SEALED, null));
        });

        write(tx -> tx.deleteWorkspace("alice", "w"));
        write(tx -> {
            tx.deleteWorkspace("alice", "w");
            tx.deleteCredential("alice", "w");
            tx.deleteCredential("nobody", "nothing");
        });

        assertThat(workspaceOf("alice", "w")).isEmpty();
        assertThat(credentialOf("alice", "w")).isEmpty();
        assertThat(credentialOf("alice", "keep")).isPresent();
    }

    @Test
    void deletingCredentialsKeepsTheWorkspace() {
        write(tx -> {
            tx.insertWorkspace(workspace("alice", "w", "Finance"));
            tx.putCredential(credential("alice", "w", SEALED, null));
        });

        write(tx -> tx.deleteCredential("alice", "w"));

        assertThat(credentialOf("alice", "w")).isEmpty();
        assertThat(workspaceOf("alice", "w")).isPresent();
    }

    private Optional<WorkspaceRecord> workspaceOf(String user, String id) {
        return await(store.read(tx -> tx.workspace(user, id)));
    }

    private List<WorkspaceRecord> workspacesOf(String user) {
        return await(store.read(tx -> tx.workspaces(user)));
    }

    private Optional<CredentialRecord> credentialOf(String user, String workspaceId) {
        return await(store.read(tx -> tx.credential(user, workspaceId)));
    }

    private void write(Consumer<WriteTx> work) {
        await(attempt(work));
    }

    private CompletableFuture<Void> attempt(Consumer<WriteTx> work) {
        return store.write(tx -> {
            work.accept(tx);
            return null;
        });
    }
}
