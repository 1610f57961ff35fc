package dev.tether.core.account;

import java.util.concurrent.CompletableFuture;

/**
 * Checks Linux passwords: PAM's authentication and account management under the {@code tether}
 * service, in the process that may read /etc/shadow (the keeper, as root). {@link Accounts#login}
 * asks it for users whose log-on is a Linux one ({@link AuthMode}).
 */
public interface LinuxPasswords {

    /** PAM's answer: {@code code} the name of its return code, {@code message} its sentence (with any module's text). */
    record Verdict(boolean ok, String code, String message) {
    }

    /**
     * Whether {@code password} is the Linux password of {@code account} and the account may log on
     * now (not locked, not expired). The caller wipes {@code password} once this completes.
     */
    CompletableFuture<Verdict> check(String account, char[] password, String remoteHost);
}
