package dev.tether.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import org.junit.jupiter.api.Test;

/**
 * "User passwords stored as Argon2id" (issue 3). Argon2 is slow by design (19 MiB, two passes),
 * so these tests compute only three hashes in all.
 */
class Argon2HasherTest {
    private final Argon2Hasher hasher = new Argon2Hasher();

    @Test
    void aHashIsArgon2idWithOwaspParametersVerifiesItsPasswordOnlyAndIsSaltedAnew() {
        char[] password = "correct horse battery staple".toCharArray();

        String first = hasher.hash(password);
        String second = hasher.hash(password);

        assertThat(first).startsWith("$argon2id$v=19$m=19456,t=2,p=1$").doesNotContain("horse");
        assertThat(second).as("a random salt per hash").isNotEqualTo(first);
        assertThat(hasher.verify(password, first)).isTrue();
        assertThat(new Argon2Hasher().verify("correct horse battery staple".toCharArray(), second)).isTrue();
        assertThat(hasher.verify("correct horse battery stapler".toCharArray(), first)).isFalse();
        assertThat(hasher.verify(new char[0], first)).isFalse();
        assertThat(password).as("the caller's array is the caller's to clear").containsExactly("correct horse battery staple".toCharArray());
    }

    @Test
    void aHashWithOtherParametersStillVerifiesWithTheParametersItCarries() {
        // m=8 KiB, t=1: cheap, and what a hash made before the parameters were raised would look like.
        String older = com.password4j.Password.hash("hunter2").addRandomSalt(16)
                .with(com.password4j.Argon2Function.getInstance(8, 1, 1, 32, com.password4j.types.Argon2.ID)).getResult();

        assertThat(hasher.verify("hunter2".toCharArray(), older)).isTrue();
        assertThat(hasher.verify("hunter3".toCharArray(), older)).isFalse();
    }

    @Test
    void aStoredValueThatIsNotAnArgon2HashIsAnInternalErrorThatDoesNotEchoIt() {
        assertThatThrownBy(() -> hasher.verify("x".toCharArray(), "plain-text-password"))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.INTERNAL))
                .hasMessageNotContaining("plain-text-password");
    }
}
