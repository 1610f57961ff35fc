package dev.tether.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.lang.management.ManagementFactory;
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

    @Test
    void aStoredHashAskingForMoreMemoryOrPassesThanTheServerWouldEverUseIsAnInternalErrorNotAnAllocation() {
        String salt = "c2FsdHNhbHRzYWx0c2FsdA";
        String tag = "$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        for (String damaged : new String[] {
                "$argon2id$v=19$m=4194304,t=2,p=1$" + salt + tag,
                "$argon2id$v=19$m=19456,t=100000,p=1$" + salt + tag,
                "$argon2id$v=19$m=19456,t=2,p=0$" + salt + tag,
                "$argon2id$v=16$m=19456,t=2,p=1$" + salt + tag,
                "$argon2i$v=19$m=19456,t=2,p=1$" + salt + tag}) {
            assertThatThrownBy(() -> hasher.verify("x".toCharArray(), damaged)).as(damaged)
                    .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.INTERNAL));
        }
    }

    /**
     * Regression, issue 8 §4 "keep memory flat under a log-on flood": with Password4j 1.8.4 each
     * 19 MiB hash allocated about 100 MB (a copy of its block memory, two 1 KiB arrays per block and
     * pass), so under {@code java probes/LoginFlood.java} G1 grew the server from 250 MB to 0.6-1.3 GB.
     * Now a thread allocates its block memory once: its second hash allocates almost nothing.
     */
    @Test
    void aHashingThreadsSecondHashAllocatesNotAgainItsNineteenMebibytesOfBlockMemory() throws InterruptedException {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] allocated = new long[2];
        // A new thread, so its first hash is its first (the block memory is one per thread).
        Thread.ofPlatform().start(() -> {
            long before = threads.getCurrentThreadAllocatedBytes();
            String first = hasher.hash("first".toCharArray());
            long afterFirst = threads.getCurrentThreadAllocatedBytes();
            hasher.verify("second".toCharArray(), first);
            allocated[0] = afterFirst - before;
            allocated[1] = threads.getCurrentThreadAllocatedBytes() - afterFirst;
        }).join();

        assertThat(allocated[0]).as("the first hash allocates the block memory").isGreaterThan(19L << 20);
        assertThat(allocated[1]).as("bytes the second hash allocated").isLessThan(256L << 10);
    }
}
