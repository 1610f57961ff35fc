package dev.tether.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.Configuration;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.AesGcmKey;
import com.google.crypto.tink.aead.AesGcmParameters;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import com.google.crypto.tink.subtle.AesGcmJce;
import com.google.crypto.tink.util.SecretBytes;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.store.CredentialVault;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link CredentialVault} of a data directory: Google Tink AEAD, AES256-GCM.
 *
 * <p>Keys. The secrets are sealed with a Tink keyset that is generated at first use and kept in
 * {@code <dataDir>/credentials.keyset} (JSON, mode 0600), itself encrypted (AES256-GCM) with the
 * <em>master key</em>: the base64 of 32 bytes taken from {@code TETHER_MASTER_KEY} when that is
 * set, else from {@code <dataDir>/master.key}, which is generated (mode 0600) at first start. With
 * the variable set no {@code master.key} is read or written, so the key need not touch the disk.
 * Neither file is ever replaced; losing the master key loses every stored credential, and a
 * different one refuses to open the keyset. No key material, plaintext or ciphertext is logged or
 * put into a message.
 */
public final class TinkVault implements CredentialVault {
    /** The environment variable a master key may come from instead of {@code master.key}. */
    public static final String MASTER_KEY_ENV = "TETHER_MASTER_KEY";
    static final String MASTER_KEY_FILE = "master.key";
    static final String KEYSET_FILE = "credentials.keyset";
    static final int MASTER_KEY_BYTES = 32;
    /** Binds the encrypted keyset to its purpose: the master key's ciphertext of anything else will not do. */
    private static final byte[] KEYSET_ASSOCIATED_DATA = "tether credentials.keyset".getBytes(UTF_8);
    private static final Logger log = LoggerFactory.getLogger(TinkVault.class);

    static {
        try {
            AeadConfig.register();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Aead aead;

    private TinkVault(Aead aead) {
        this.aead = aead;
    }

    /**
     * Opens the vault of {@code dataDir}, creating the directory, the master key file (unless
     * {@code masterKeyFromEnv} is given) and the keyset when missing.
     *
     * @param masterKeyFromEnv the value of {@code TETHER_MASTER_KEY}, or null when it is not set
     * @throws TetherException INVALID_PARAMETER when the master key is not the base64 of 32 bytes;
     *     ACCESS_DENIED when the master key does not open an existing keyset
     */
    public static TinkVault open(Path dataDir, String masterKeyFromEnv) {
        Objects.requireNonNull(dataDir, "dataDir");
        Path dir = dataDir.toAbsolutePath();
        try {
            Files.createDirectories(dir);
            MasterKey master = masterKeyFromEnv != null ? MasterKey.fromEnv(masterKeyFromEnv) : MasterKey.fromFile(dir);
            KeysetHandle keyset = keyset(dir, master);
            return new TinkVault(keyset.getPrimitive(config(), Aead.class));
        } catch (IOException e) {
            throw new TetherException(ResultCode.INTERNAL,
                    "cannot open the credential vault in " + dir + ": " + e.getClass().getSimpleName() + " " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new TetherException(ResultCode.INTERNAL, "cannot set up the credential vault in " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] seal(byte[] plaintext, String associatedData) {
        Objects.requireNonNull(plaintext, "plaintext");
        try {
            return aead.encrypt(plaintext, associatedData(associatedData));
        } catch (GeneralSecurityException e) {
            throw new TetherException(ResultCode.INTERNAL, "cannot seal the credentials for " + associatedData, e);
        }
    }

    @Override
    public byte[] open(byte[] sealed, String associatedData) {
        Objects.requireNonNull(sealed, "sealed");
        try {
            return aead.decrypt(sealed, associatedData(associatedData));
        } catch (GeneralSecurityException e) {
            throw new TetherException(ResultCode.ACCESS_DENIED, "the stored credentials for " + associatedData
                    + " cannot be decrypted: they were sealed for another record or with another key, or are damaged", e);
        }
    }

    /** Tink's registry, with the AEAD key types registered once when this class loads. */
    private static Configuration config() throws GeneralSecurityException {
        return RegistryConfiguration.get();
    }

    private static byte[] associatedData(String associatedData) {
        return Objects.requireNonNull(associatedData, "associatedData").getBytes(UTF_8);
    }

    /** Reads the keyset, or generates and writes it at first use. */
    private static KeysetHandle keyset(Path dir, MasterKey master) throws IOException, GeneralSecurityException {
        Path file = dir.resolve(KEYSET_FILE);
        Aead masterAead = master.aead();
        if (!Files.exists(file)) {
            KeysetHandle generated = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM, config());
            String json = TinkJsonProtoKeysetFormat.serializeEncryptedKeyset(generated, masterAead, KEYSET_ASSOCIATED_DATA, config());
            if (OwnerOnlyFiles.createOnce(file, json.getBytes(UTF_8))) {
                log.info("created the credentials keyset {}, encrypted with the master key {}", file, master.source());
                return generated;
            }
            // Another process created it first: use theirs.
        }
        if (OwnerOnlyFiles.openToOthers(file)) {
            log.warn("{} is readable or writable by other users; it should be mode 0600", file);
        }
        String json = Files.readString(file, UTF_8);
        try {
            return TinkJsonProtoKeysetFormat.parseEncryptedKeyset(json, masterAead, KEYSET_ASSOCIATED_DATA, config());
        } catch (GeneralSecurityException | RuntimeException e) {
            String hint = master.fromEnv() && Files.exists(dir.resolve(MASTER_KEY_FILE))
                    ? " (" + MASTER_KEY_ENV + " is set, so " + dir.resolve(MASTER_KEY_FILE) + " is not used)"
                    : "";
            throw new TetherException(ResultCode.ACCESS_DENIED, "the master key " + master.source() + " does not open "
                    + file + ": the keyset was encrypted with another master key, or the file is damaged" + hint, e);
        }
    }

    /**
     * The master key's AEAD and where the key came from. Holds no key bytes: they are cleared
     * once the AEAD has its own copy.
     */
    private record MasterKey(Aead aead, String source, boolean fromEnv) {

        static MasterKey fromEnv(String base64) throws GeneralSecurityException {
            String source = "from " + MASTER_KEY_ENV;
            return new MasterKey(aeadOf(decode(base64.getBytes(UTF_8), source, ResultCode.INVALID_PARAMETER)), source, true);
        }

        /** Reads {@code master.key}, generating it at first start. */
        static MasterKey fromFile(Path dir) throws IOException, GeneralSecurityException {
            Path file = dir.resolve(MASTER_KEY_FILE);
            String source = "in " + file;
            if (!Files.exists(file)) {
                byte[] key = new byte[MASTER_KEY_BYTES];
                new SecureRandom().nextBytes(key);
                byte[] text = Base64.getEncoder().encode(key);
                try {
                    if (OwnerOnlyFiles.createOnce(file, text)) {
                        log.info("created the master key {}: keep a copy, the stored credentials cannot be decrypted without it", file);
                        return new MasterKey(aeadOf(key), source, false);
                    }
                } finally {
                    Arrays.fill(key, (byte) 0);
                    Arrays.fill(text, (byte) 0);
                }
                // Another process created it first: use theirs.
            }
            if (OwnerOnlyFiles.openToOthers(file)) {
                log.warn("{} is readable or writable by other users; it should be mode 0600", file);
            }
            byte[] text = Files.readAllBytes(file);
            try {
                return new MasterKey(aeadOf(decode(text, source, ResultCode.INVALID_STATE)), source, false);
            } finally {
                Arrays.fill(text, (byte) 0);
            }
        }

        /** Decodes base64 text (surrounding white space allowed) into exactly 32 bytes. */
        private static byte[] decode(byte[] text, String source, ResultCode code) {
            int start = 0;
            int end = text.length;
            while (start < end && Character.isWhitespace(text[start])) {
                start++;
            }
            while (end > start && Character.isWhitespace(text[end - 1])) {
                end--;
            }
            byte[] trimmed = Arrays.copyOfRange(text, start, end);
            byte[] key;
            try {
                key = Base64.getDecoder().decode(trimmed);
            } catch (IllegalArgumentException e) {
                throw new TetherException(code, "the master key " + source + " is not base64: it must be the base64 of "
                        + MASTER_KEY_BYTES + " random bytes, e.g. from `head -c 32 /dev/urandom | base64`");
            } finally {
                Arrays.fill(trimmed, (byte) 0);
            }
            if (key.length != MASTER_KEY_BYTES) {
                Arrays.fill(key, (byte) 0);
                throw new TetherException(code, "the master key " + source + " is " + key.length + " bytes long: it must be the base64 of "
                        + MASTER_KEY_BYTES + " random bytes, e.g. from `head -c 32 /dev/urandom | base64`");
            }
            return key;
        }

        /** An AES256-GCM AEAD (no output prefix) over the raw key; clears {@code key}. */
        private static Aead aeadOf(byte[] key) throws GeneralSecurityException {
            try {
                AesGcmParameters parameters = AesGcmParameters.builder()
                        .setKeySizeBytes(MASTER_KEY_BYTES)
                        .setIvSizeBytes(12)
                        .setTagSizeBytes(16)
                        .setVariant(AesGcmParameters.Variant.NO_PREFIX)
                        .build();
                return AesGcmJce.create(AesGcmKey.builder()
                        .setParameters(parameters)
                        .setKeyBytes(SecretBytes.copyFrom(key, InsecureSecretKeyAccess.get()))
                        .build());
            } finally {
                Arrays.fill(key, (byte) 0);
            }
        }
    }
}
