package dev.tether.store;

import static dev.tether.store.Fixtures.await;
import static dev.tether.store.Fixtures.credential;
import static dev.tether.store.Fixtures.workspace;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.api.CredentialState;
import dev.tether.core.store.CredentialRecord;
import dev.tether.core.store.WorkspaceRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "DisconnectWorkspace deletes its entries from the credential store, and the bytes are gone from
 * the database file" (issue 3). The sealed secret is a random 64-byte pattern that cannot occur
 * by chance; the raw bytes of the database file and of its -wal and -shm files are searched for
 * it, while the store is open (after the delete's commit) and after it is closed. The controls
 * show the search finds the pattern while it is stored, so these tests can fail.
 */
class DeletedCredentialBytesTest {
    @TempDir
    Path dir;
    Path file;
    byte[] secret;

    @BeforeEach
    void setUp() {
        file = dir.resolve("tether.db");
        secret = new byte[64];
        new SecureRandom().nextBytes(secret);
    }

    @Test
    void controlTheSealedBytesAreFoundInTheDatabaseFilesWhileTheCredentialIsStored() throws IOException {
        try (SqliteStore store = SqliteStore.open(file)) {
            store(store);

            assertThat(filesHoldingTheSecret()).isNotEmpty();
        }
        assertThat(filesHoldingTheSecret()).containsExactly(file.getFileName().toString());
    }

    @Test
    void deletingACredentialLeavesNoByteOfItInTheDatabaseOrItsWriteAheadLogOnceItsWriteCompletes() throws IOException {
        try (SqliteStore store = SqliteStore.open(file)) {
            CredentialRecord stored = store(store);
            // OnAuthenticated rewrites the row: more copies of the page, in the log and then the file.
            await(store.write(tx -> {
                tx.putCredential(stored.withState(CredentialState.AUTHENTICATED, null));
                return null;
            }));
            assertThat(filesHoldingTheSecret()).as("control: the secret is stored").contains(file.getFileName().toString());

            await(store.write(tx -> {
                tx.deleteCredential("alice", "work-7");
                return null;
            }));

            assertThat(filesHoldingTheSecret()).isEmpty();
            Optional<WorkspaceRecord> workspace = await(store.read(tx -> tx.workspace("alice", "work-7")));
            assertThat(workspace).as("only the credentials are deleted").isPresent();
        }
        assertThat(filesHoldingTheSecret()).isEmpty();
    }

    @Test
    void deletingAWorkspaceLeavesNoByteOfItsCredentials() throws IOException {
        try (SqliteStore store = SqliteStore.open(file)) {
            store(store);
            assertThat(filesHoldingTheSecret()).as("control: the secret is stored").isNotEmpty();

            await(store.write(tx -> {
                tx.deleteWorkspace("alice", "work-7");
                return null;
            }));

            assertThat(filesHoldingTheSecret()).isEmpty();
        }
        assertThat(filesHoldingTheSecret()).isEmpty();
    }

    @Test
    void replacingACredentialLeavesNoByteOfTheOldSecret() throws IOException {
        try (SqliteStore store = SqliteStore.open(file)) {
            CredentialRecord stored = store(store);
            assertThat(filesHoldingTheSecret()).as("control: the secret is stored").isNotEmpty();
            byte[] other = new byte[64];
            new SecureRandom().nextBytes(other);

            await(store.write(tx -> {
                tx.putCredential(new CredentialRecord(stored.user(), stored.workspaceId(), stored.userName(), other,
                        CredentialState.UNAUTHENTICATED, 0, null));
                return null;
            }));

            assertThat(filesHoldingTheSecret()).isEmpty();
        }
    }

    private CredentialRecord store(SqliteStore store) {
        CredentialRecord record = credential("alice", "work-7", secret.clone(), null);
        await(store.write(tx -> {
            tx.insertWorkspace(workspace("alice", "work-7", "Finance"));
            tx.putCredential(record);
            return null;
        }));
        return record;
    }

    /** The names of the database files whose raw bytes contain the secret. */
    private List<String> filesHoldingTheSecret() throws IOException {
        List<String> holding = new ArrayList<>();
        for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
            Path candidate = dir.resolve(file.getFileName() + suffix);
            if (Files.exists(candidate) && contains(Files.readAllBytes(candidate), secret)) {
                holding.add(candidate.getFileName().toString());
            }
        }
        return holding;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return true;
            }
        }
        return false;
    }
}
