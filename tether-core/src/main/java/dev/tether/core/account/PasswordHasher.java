package dev.tether.core.account;

/** Slow, salted password hashes (Argon2id). The hash string carries its own parameters and salt. */
public interface PasswordHasher {

    String hash(char[] password);

    boolean verify(char[] password, String hash);
}
