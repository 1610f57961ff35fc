package dev.tether.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.api.UserRecord;
import dev.tether.core.account.Accounts;
import dev.tether.core.account.Caller;
import dev.tether.core.account.PasswordChecks;
import dev.tether.core.account.PasswordHasher;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 §1, "Log-on reveals user names by timing": a failed log-on must cost the same whether
 * or not the user exists. Timing is too noisy to assert, so this checks the cause structurally:
 * the real Argon2id hasher, counted, runs exactly once per failed log-on, with the same parameters,
 * for an existing user, an unknown one and one without a password.
 */
class LogOnCostTest {
    private static final String PARAMETERS = "$argon2id$v=19$m=19456,t=2,p=1$";

    @TempDir
    Path dir;
    SqliteStore store;
    ExecutorService threads = Executors.newFixedThreadPool(2);
    final CountingHasher hasher = new CountingHasher(new Argon2Hasher());
    Accounts accounts;

    /** The real hasher, with a record of every hash it was asked to verify against. */
    static final class CountingHasher implements PasswordHasher {
        private final PasswordHasher real;
        final List<String> verifiedAgainst = new CopyOnWriteArrayList<>();

        CountingHasher(PasswordHasher real) {
            this.real = real;
        }

        @Override
        public String hash(char[] password) {
            return real.hash(password);
        }

        @Override
        public boolean verify(char[] password, String hash) {
            verifiedAgainst.add(hash);
            return real.verify(password, hash);
        }
    }

    @BeforeEach
    void open() {
        store = SqliteStore.open(dir.resolve("tether.db"));
        accounts = new Accounts(store, InstantSource.system(), new PasswordChecks(hasher, threads, InstantSource.system(),
                PasswordChecks.Limits.DEFAULTS));
        store.write(tx -> {
            tx.insertUser(new UserRecord(0, "alice", false, java.time.Instant.now()));
            tx.insertUser(new UserRecord(0, "nopass", false, java.time.Instant.now()));
            return null;
        }).join();
        accounts.setPassword(Caller.SYSTEM, "alice", "correct horse".toCharArray()).join();
    }

    @AfterEach
    void close() {
        threads.shutdownNow();
        store.close();
    }

    /**
     * Reproduction: {@code POST /login} with a wrong password took 88 ms for an existing user and
     * 1.4 ms for an unknown one, because only an existing user's hash was checked (no Argon2 at all
     * otherwise). Now each failed log-on verifies exactly one Argon2id hash with the stored
     * parameters: the user's, or a dummy one.
     */
    @Test
    void aFailedLogOnCostsOneArgon2idCheckWhetherOrNotTheUserExists() {
        for (String user : List.of("alice", "nobody", "nopass")) {
            hasher.verifiedAgainst.clear();
            assertThatThrownBy(() -> accounts.login(user, "wrong password".toCharArray(), "192.0.2.1").join())
                    .hasCauseInstanceOf(TetherException.class)
                    .cause().hasMessage("the user name or password is wrong")
                    .extracting(e -> ((TetherException) e).code()).isEqualTo(ResultCode.UNAUTHENTICATED);
            assertThat(hasher.verifiedAgainst).as("hashes checked for " + user).hasSize(1);
            assertThat(hasher.verifiedAgainst.getFirst()).as("the parameters of the hash checked for " + user).startsWith(PARAMETERS);
        }
    }

    /** The control case: the right password still logs on, with one check, so the count above is of real checks. */
    @Test
    void theRightPasswordLogsOnWithOneCheck() {
        hasher.verifiedAgainst.clear();
        assertThat(accounts.login("alice", "correct horse".toCharArray(), "192.0.2.1").join().user().name()).isEqualTo("alice");
        assertThat(hasher.verifiedAgainst).hasSize(1);
    }
}
