package dev.tether.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Our Argon2id against the specification's own answer. */
class Argon2idTest {

    /**
     * RFC 9106 §5.3: Argon2id, version 0x13, 32 KiB, 3 passes, 4 lanes, a 32-byte tag, with a secret
     * and associated data. Four lanes and both extra inputs are more than the server uses, so the
     * vector checks lanes, the secret and the associated data as well as the path the server takes.
     */
    @Test
    void theRfc9106Argon2idTestVectorGivesTheTagTheRfcPrints() {
        byte[] password = filled(32, 0x01);
        byte[] salt = filled(16, 0x02);
        byte[] secret = filled(8, 0x03);
        byte[] ad = filled(12, 0x04);

        byte[] tag = Argon2id.hash(password, salt, secret, ad, 32, 3, 4, 32);

        assertThat(HexFormat.of().formatHex(tag))
                .isEqualTo("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
    }

    @Test
    void aSecondHashOnTheSameThreadReusesItsMemoryAndGivesTheSameTag() {
        byte[] first = Argon2id.hash(filled(8, 7), filled(16, 9), null, null, 1024, 2, 1, 32);
        Argon2id.hash(filled(8, 1), filled(16, 2), null, null, 2048, 1, 2, 64); // other parameters in between
        byte[] again = Argon2id.hash(filled(8, 7), filled(16, 9), null, null, 1024, 2, 1, 32);

        assertThat(again).isEqualTo(first);
    }

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }
}
