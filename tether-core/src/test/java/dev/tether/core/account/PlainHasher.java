package dev.tether.core.account;

/** Not a real hash: enough for the rules around it; Argon2id is tested in tether-store. */
public final class PlainHasher implements PasswordHasher {
    public PlainHasher() {
    }

    @Override public String hash(char[] password) { return "plain:" + new String(password); }

    @Override public boolean verify(char[] password, String hash) { return hash.equals("plain:" + new String(password)); }
}
