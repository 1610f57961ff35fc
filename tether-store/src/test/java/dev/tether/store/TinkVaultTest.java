package dev.tether.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** "The credential store: secrets encrypted at rest with Google Tink AEAD (AES256-GCM), the workspace id as associated data" (issue 3). */
class TinkVaultTest {
    private static final byte[] PASSWORD = "correct horse battery staple".getBytes(UTF_8);

    @TempDir
    Path dir;

    @Test
    void aSealedSecretOpensWithTheSameAssociatedDataAndDoesNotContainThePlaintext() {
        TinkVault vault = TinkVault.open(dir, null);

        byte[] sealed = vault.seal(PASSWORD, "alice/work-7");

        assertThat(vault.open(sealed, "alice/work-7")).isEqualTo(PASSWORD);
        assertThat(new String(sealed, UTF_8)).doesNotContain("horse");
        assertThat(vault.seal(PASSWORD, "alice/work-7")).as("a fresh nonce each time").isNotEqualTo(sealed);
    }

    @Test
    void aSecretSealedForOneRecordCannotBeOpenedForAnother() {
        TinkVault vault = TinkVault.open(dir, null);
        byte[] sealed = vault.seal(PASSWORD, "alice/work-7");

        assertThatThrownBy(() -> vault.open(sealed, "bob/work-7"))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.ACCESS_DENIED))
                .hasMessageStartingWith("the stored credentials for bob/work-7 cannot be decrypted");
    }

    @Test
    void corruptedSealedBytesAreRefused() {
        TinkVault vault = TinkVault.open(dir, null);
        byte[] sealed = vault.seal(PASSWORD, "alice/work-7");
        sealed[sealed.length / 2] ^= 1;

        assertThatThrownBy(() -> vault.open(sealed, "alice/work-7"))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.ACCESS_DENIED))
                .hasMessageStartingWith("the stored credentials for alice/work-7 cannot be decrypted");
        assertThatThrownBy(() -> vault.open(new byte[3], "alice/work-7"))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.ACCESS_DENIED));
    }

    @Test
    void theFirstStartCreatesTheMasterKeyAndTheKeysetOwnerOnlyAndLaterStartsReuseThem() throws Exception {
        Path data = dir.resolve("data");
        byte[] sealed = TinkVault.open(data, null).seal(PASSWORD, "alice/work-7");
        Path masterKey = data.resolve("master.key");
        Path keyset = data.resolve("credentials.keyset");
        String masterKeyText = Files.readString(masterKey);
        String keysetText = Files.readString(keyset);

        TinkVault reopened = TinkVault.open(data, null);

        assertThat(reopened.open(sealed, "alice/work-7")).isEqualTo(PASSWORD);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(masterKey))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyset))).isEqualTo("rw-------");
        assertThat(Base64.getDecoder().decode(masterKeyText)).hasSize(32);
        assertThat(Files.readString(masterKey)).isEqualTo(masterKeyText);
        assertThat(Files.readString(keyset)).isEqualTo(keysetText);
        assertThat(keysetText).contains("encryptedKeyset");
        try (var files = Files.list(data)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("master.key", "credentials.keyset");
        }
    }

    @Test
    void aMasterKeyFromTheEnvironmentIsUsedAndNoMasterKeyFileIsWritten() {
        String key = randomKey();
        byte[] sealed = TinkVault.open(dir, key).seal(PASSWORD, "alice/work-7");

        assertThat(dir.resolve("master.key")).doesNotExist();
        assertThat(dir.resolve("credentials.keyset")).exists();
        assertThat(TinkVault.open(dir, key).open(sealed, "alice/work-7")).isEqualTo(PASSWORD);
        // The keyset is encrypted with the environment's key: a master.key made now does not open it.
        assertThatThrownBy(() -> TinkVault.open(dir, null))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.ACCESS_DENIED));
    }

    @Test
    void aWrongMasterKeyDoesNotOpenTheKeysetAndSaysWhichKeyAndFile() {
        TinkVault.open(dir, randomKey());
        String wrong = randomKey();

        assertThatThrownBy(() -> TinkVault.open(dir, wrong))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.ACCESS_DENIED))
                .hasMessageStartingWith("the master key from TETHER_MASTER_KEY does not open " + dir.resolve("credentials.keyset"))
                .hasMessageNotContaining(wrong);
    }

    @Test
    void aReplacedMasterKeyFileDoesNotOpenTheKeyset() throws Exception {
        TinkVault.open(dir, null);
        Files.writeString(dir.resolve("master.key"), randomKey());

        assertThatThrownBy(() -> TinkVault.open(dir, null))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.ACCESS_DENIED))
                .hasMessageStartingWith("the master key in " + dir.resolve("master.key") + " does not open "
                        + dir.resolve("credentials.keyset"));
    }

    @Test
    void aMasterKeyThatIsNotTheBase64Of32BytesIsRefusedWithoutEchoingIt() {
        String tooShort = Base64.getEncoder().encodeToString(new byte[16]);

        assertThatThrownBy(() -> TinkVault.open(dir, "not base64 at all!"))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.INVALID_PARAMETER))
                .hasMessageContaining("TETHER_MASTER_KEY is not base64")
                .hasMessageNotContaining("at all");
        assertThatThrownBy(() -> TinkVault.open(dir, tooShort))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.INVALID_PARAMETER))
                .hasMessageContaining("is 16 bytes long")
                .hasMessageNotContaining(tooShort);
        assertThat(dir.resolve("credentials.keyset")).doesNotExist();
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key) + "\n"; // as `head -c 32 /dev/urandom | base64` prints it
    }
}
