package dev.tether.store;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.account.PasswordBytes;
import dev.tether.core.account.PasswordHasher;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Argon2id password hashes ({@link Argon2id}, RFC 9106 version 0x13), in the PHC string format
 * {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>} (salt and hash in standard Base64 without
 * padding): OWASP's minimum parameters (19 MiB of memory, 2 iterations, 1 lane), a random 16-byte
 * salt per hash and a 32-byte hash, set here in code and not read from a properties file. A hash is
 * verified with the parameters it carries, so raising them later keeps old hashes valid; the
 * comparison is constant-time ({@link MessageDigest#isEqual}).
 *
 * <p>The strings are exactly the ones Password4j 1.8.4 made and checked before (the password as
 * UTF-8, an unpaired surrogate replaced by {@code ?}; no secret, no associated data), so hashes
 * stored then stay valid; {@code Argon2HasherTest} compares the two on random passwords.
 *
 * <p>A stored value this class cannot read, or whose parameters lie beyond what it would ever have
 * made (more than {@value #MAX_MEMORY_KIB} KiB, {@value #MAX_ITERATIONS} passes or
 * {@value #MAX_LANES} lanes, another variant or version), is damaged: verifying it is an INTERNAL
 * error, so a corrupted row cannot make the server allocate gigabytes.
 *
 * <p>Passwords. The {@code char[]} passed in belongs to the caller, who should clear it when done;
 * this class neither keeps nor clears it, and clears the bytes it encodes it to. Hashing is slow by
 * design (tens of milliseconds and 19 MiB each, the 19 MiB allocated once per hashing thread):
 * never call it on an event loop.
 */
public final class Argon2Hasher implements PasswordHasher {
    static final int MEMORY_KIB = 19 * 1024;
    static final int ITERATIONS = 2;
    static final int PARALLELISM = 1;
    static final int HASH_BYTES = 32;
    static final int SALT_BYTES = 16;

    static final int MAX_MEMORY_KIB = 256 * 1024;
    static final int MAX_ITERATIONS = 64;
    static final int MAX_LANES = 16;

    private static final String PREFIX = "$argon2id$v=19$";
    private static final Pattern PHC = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=(\\d{1,9}),t=(\\d{1,9}),p=(\\d{1,9})\\$([A-Za-z0-9+/]{11,88})\\$([A-Za-z0-9+/]{6,88})");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A hasher with the fixed parameters above; it keeps no state of its own. */
    public Argon2Hasher() {
    }

    @Override
    public String hash(char[] password) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return hash(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM, HASH_BYTES);
    }

    /** The PHC string of {@code password} with the given salt and parameters (tests compare it with Password4j's). */
    static String hash(char[] password, byte[] salt, int memoryKiB, int iterations, int lanes, int hashBytes) {
        byte[] tag = tag(Objects.requireNonNull(password, "password"), salt, memoryKiB, iterations, lanes, hashBytes);
        Base64.Encoder base64 = Base64.getEncoder().withoutPadding();
        return PREFIX + "m=" + memoryKiB + ",t=" + iterations + ",p=" + lanes + "$"
                + base64.encodeToString(salt) + "$" + base64.encodeToString(tag);
    }

    /** @throws TetherException INTERNAL when {@code hash} is not an Argon2id hash this class would make (the stored value is damaged) */
    @Override
    public boolean verify(char[] password, String hash) {
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(hash, "hash");
        Matcher phc = PHC.matcher(hash);
        if (!phc.matches()) {
            throw damaged();
        }
        int memoryKiB = Integer.parseInt(phc.group(1));
        int iterations = Integer.parseInt(phc.group(2));
        int lanes = Integer.parseInt(phc.group(3));
        byte[] salt;
        byte[] expected;
        try {
            salt = Base64.getDecoder().decode(phc.group(4));
            expected = Base64.getDecoder().decode(phc.group(5));
        } catch (IllegalArgumentException e) {
            throw damaged();
        }
        if (lanes < 1 || lanes > MAX_LANES || iterations < 1 || iterations > MAX_ITERATIONS
                || memoryKiB < 8 * lanes || memoryKiB > MAX_MEMORY_KIB
                || salt.length < 8 || expected.length < 4 || expected.length > 64) {
            throw damaged();
        }
        byte[] actual = tag(password, salt, memoryKiB, iterations, lanes, expected.length);
        return MessageDigest.isEqual(actual, expected);
    }

    private static byte[] tag(char[] password, byte[] salt, int memoryKiB, int iterations, int lanes, int hashBytes) {
        byte[] bytes = PasswordBytes.utf8(password);
        try {
            return Argon2id.hash(bytes, salt, null, null, memoryKiB, iterations, lanes, hashBytes);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }


    private static TetherException damaged() {
        // Never echo the value: it is a secret's fingerprint.
        return new TetherException(ResultCode.INTERNAL,
                "the stored password hash is not an Argon2 hash: set the password again with `tether user passwd`");
    }
}
