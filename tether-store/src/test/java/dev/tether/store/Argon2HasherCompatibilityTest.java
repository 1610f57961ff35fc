package dev.tether.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.SecureString;
import com.password4j.types.Argon2;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hashes stored by Password4j 1.8.4 (which made every hash before our own Argon2id) must stay valid:
 * for the same password, salt and parameters both make the same PHC string, and each verifies the
 * other's. 200 random cases at small parameters (from 8 KiB, several address blocks per segment
 * from 1 MiB, one or two lanes, one to three passes) and 10 at the server's own (19 MiB, t=2, p=1),
 * with passwords of any Unicode, unpaired surrogates included.
 */
class Argon2HasherCompatibilityTest {
    private final Argon2Hasher hasher = new Argon2Hasher();
    private final Random random = new Random(20261203L);

    @Test
    void twoHundredRandomPasswordsHashToPassword4jsStringAndEachVerifiesTheOthers() {
        for (int i = 0; i < 200; i++) {
            int lanes = 1 + random.nextInt(2);
            int memoryKiB = 8 * lanes + random.nextInt(i % 20 == 0 ? 2048 : 256);
            int iterations = 1 + random.nextInt(3);
            int hashBytes = i % 10 == 0 ? 4 + random.nextInt(120) : 32;
            assertSameAsPassword4j(memoryKiB, iterations, lanes, hashBytes);
        }
    }

    @Test
    void atTheServersParametersOurHashIsPassword4jsAndEachVerifiesTheOthers() {
        for (int i = 0; i < 10; i++) {
            assertSameAsPassword4j(Argon2Hasher.MEMORY_KIB, Argon2Hasher.ITERATIONS, Argon2Hasher.PARALLELISM,
                    Argon2Hasher.HASH_BYTES);
        }
    }

    private void assertSameAsPassword4j(int memoryKiB, int iterations, int lanes, int hashBytes) {
        char[] password = randomPassword();
        byte[] salt = new byte[8 + random.nextInt(25)];
        random.nextBytes(salt);
        Argon2Function function = Argon2Function.getInstance(memoryKiB, iterations, lanes, hashBytes, Argon2.ID,
                Argon2Function.ARGON2_VERSION_13);
        String description = "m=" + memoryKiB + ",t=" + iterations + ",p=" + lanes + ",T=" + hashBytes
                + " password " + new String(password).codePoints().mapToObj(Integer::toHexString).toList();

        String ours = Argon2Hasher.hash(password, salt, memoryKiB, iterations, lanes, hashBytes);
        String theirs = Password.hash(new SecureString(password.clone())).addSalt(salt).with(function).getResult();

        assertThat(ours).as(description).isEqualTo(theirs);
        if (hashBytes <= 64) { // verify reads hashes of at most 64 bytes, all the server ever made
            assertThat(hasher.verify(password, theirs)).as(description).isTrue();
        }
        assertThat(Argon2Function.getInstanceFromHash(ours).check(new SecureString(password.clone()), ours))
                .as(description).isTrue();
    }

    private char[] randomPassword() {
        char[] password = new char[random.nextInt(40)];
        for (int i = 0; i < password.length; i++) {
            password[i] = switch (random.nextInt(4)) {
                case 0 -> (char) (0x20 + random.nextInt(0x5f)); // ASCII
                case 1 -> (char) random.nextInt(0x800);         // one and two UTF-8 bytes, controls included
                case 2 -> (char) random.nextInt(0x10000);       // anything, an unpaired surrogate included
                default -> "é€😀".charAt(random.nextInt(4));   // half a pair on its own, often
            };
        }
        return password;
    }
}
