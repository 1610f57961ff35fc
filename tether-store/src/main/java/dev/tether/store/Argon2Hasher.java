package dev.tether.store;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.SecureString;
import com.password4j.types.Argon2;
import dev.tether.core.account.PasswordHasher;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.util.Objects;

/**
 * Argon2id password hashes (Password4j), in the PHC string format
 * {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>}: OWASP's minimum parameters (19 MiB of
 * memory, 2 iterations, 1 lane), a random 16-byte salt per hash and a 32-byte hash, set here in
 * code and not read from a properties file. A hash is verified with the parameters it carries, so
 * raising them later keeps old hashes valid; the comparison is constant-time (Password4j's
 * {@code slowEquals}).
 *
 * <p>Passwords. The {@code char[]} passed in belongs to the caller, who should clear it when done;
 * this class neither keeps nor clears it, and clears the one copy it makes. Hashing is slow by
 * design (tens of milliseconds and 19 MiB each): never call it on an event loop.
 */
public final class Argon2Hasher implements PasswordHasher {
    static final int MEMORY_KIB = 19 * 1024;
    static final int ITERATIONS = 2;
    static final int PARALLELISM = 1;
    static final int HASH_BYTES = 32;
    static final int SALT_BYTES = 16;

    private static final Argon2Function ARGON2ID = Argon2Function.getInstance(
            MEMORY_KIB, ITERATIONS, PARALLELISM, HASH_BYTES, Argon2.ID, Argon2Function.ARGON2_VERSION_13);

    @Override
    public String hash(char[] password) {
        SecureString copy = new SecureString(Objects.requireNonNull(password, "password"));
        try {
            return Password.hash(copy).addRandomSalt(SALT_BYTES).with(ARGON2ID).getResult();
        } finally {
            copy.clear();
        }
    }

    /** @throws TetherException INTERNAL when {@code hash} is not an Argon2 hash (the stored value is damaged) */
    @Override
    public boolean verify(char[] password, String hash) {
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(hash, "hash");
        Argon2Function function;
        try {
            function = Argon2Function.getInstanceFromHash(hash);
        } catch (RuntimeException e) {
            // Never echo the value: it is a secret's fingerprint.
            throw new TetherException(ResultCode.INTERNAL,
                    "the stored password hash is not an Argon2 hash: set the password again with `tether user passwd`");
        }
        SecureString copy = new SecureString(password);
        try {
            return function.check(copy, hash);
        } finally {
            copy.clear();
        }
    }
}
