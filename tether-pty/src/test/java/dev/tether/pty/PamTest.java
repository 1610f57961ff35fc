package dev.tether.pty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Pam} against the real libpam and Debian's pam_unix, with the service Tether ships
 * ({@code dist/pam/tether}, read in place through {@code pam_start_confdir}) and accounts made with
 * useradd and chpasswd (the test needs root, as CI is). Each refusal is preceded by the same account's
 * acceptance, so the refusal is the locked or expired state's alone.
 *
 * <p>Found here: Debian's {@code @include} resolves in /etc/pam.d even under {@code pam_start_confdir}, so
 * the shipped file picks up the system's common-auth and common-account. Every refusal of the stock stack
 * ends in pam_deny's {@code PAM_AUTH_ERR} (pam_unix's own code is ignored by common-auth's and
 * common-account's {@code default=ignore}): an unknown user, a wrong password, a locked account and an
 * expired one all come back as {@code PAM_AUTH_ERR}; only the call that refused and pam_unix's message tell
 * them apart, and each failure takes pam_unix's 2 s fail delay.
 */
class PamTest {
    private static final String SERVICE = "tether";
    private static final String PASSWORD = "correct horse " + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private static final String SUFFIX = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
    private static final String USER = "tt" + SUFFIX + "u";
    private static final String LOCKED = "tt" + SUFFIX + "l";
    private static final String EXPIRED = "tt" + SUFFIX + "e";
    private static final String EMPTY = "tt" + SUFFIX + "n";
    private static final List<String> made = new ArrayList<>();
    private static Path shipped;

    @BeforeAll
    static void accounts() throws Exception {
        assumeTrue(LibC.geteuid() == 0, "needs root to make accounts and read /etc/shadow (CI runs as root)");
        assumeTrue(Pam.available(), "needs libpam.so.0 (Debian's libpam0g)");
        shipped = Path.of("").toAbsolutePath().resolveSibling("dist").resolve("pam");
        assertThat(shipped.resolve(SERVICE)).as("the shipped service, seen from " + Path.of("").toAbsolutePath()).isRegularFile();
        for (String user : List.of(USER, LOCKED, EXPIRED, EMPTY)) {
            run(null, "/usr/sbin/useradd", "-m", "-s", "/bin/sh", user);
            made.add(user);
            run(user + ":" + PASSWORD + "\n", "/usr/sbin/chpasswd");
        }
    }

    @AfterAll
    static void removeAccounts() throws Exception {
        List<String> left = new ArrayList<>();
        for (String user : made) {
            Process p = new ProcessBuilder("/usr/sbin/userdel", "-r", user).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                left.add(user + " (" + out.strip() + ")");
            }
        }
        assertThat(left).as("accounts userdel -r could not remove").isEmpty();
    }

    @Test
    void theRightPassword_isAccepted() {
        Pam.Result r = authenticate(USER, PASSWORD);

        assertThat(r).isEqualTo(new Pam.Result(true, "PAM_SUCCESS", "pam_acct_mgmt", "Success"));
    }

    @Test
    void aWrongPassword_isRefusedByAuthenticationWithPamAuthErr_andPamsSentence() {
        Pam.Result r = authenticate(USER, PASSWORD + "x");

        assertThat(r).isEqualTo(new Pam.Result(false, "PAM_AUTH_ERR", "pam_authenticate", "Authentication failure"));
    }

    @Test
    void aLockedAccount_isRefused_evenWithTheRightPassword() throws Exception {
        assertThat(authenticate(LOCKED, PASSWORD).ok()).isTrue();
        run(null, "/usr/sbin/usermod", "-L", LOCKED);

        Pam.Result r = authenticate(LOCKED, PASSWORD);

        assertThat(r).isEqualTo(new Pam.Result(false, "PAM_AUTH_ERR", "pam_authenticate", "Authentication failure"));
    }

    @Test
    void anExpiredAccount_isRefusedByAccountManagement_withTheReasonPamGives() throws Exception {
        assertThat(authenticate(EXPIRED, PASSWORD).ok()).isTrue();
        run(null, "/usr/bin/chage", "-E", "0", EXPIRED);

        Pam.Result r = authenticate(EXPIRED, PASSWORD);

        assertThat(r).isEqualTo(new Pam.Result(false, "PAM_AUTH_ERR", "pam_acct_mgmt",
                "Authentication failure (Your account has expired; please contact your system administrator.)"));
    }

    @Test
    void anUnknownUser_isRefusedWithPamAuthErr_notPamUserUnknown() {
        Pam.Result r = authenticate("tt" + SUFFIX + "nobody", PASSWORD);

        assertThat(r).isEqualTo(new Pam.Result(false, "PAM_AUTH_ERR", "pam_authenticate", "Authentication failure"));
    }

    /** common-auth's pam_unix has {@code nullok}; Tether's {@code PAM_DISALLOW_NULL_AUTHTOK} overrides it. */
    @Test
    void anAccountWithoutAPassword_isRefusedWithTheEmptyPassword() throws Exception {
        run(null, "/usr/bin/passwd", "-d", EMPTY);

        Pam.Result r = authenticate(EMPTY, "");

        assertThat(r).isEqualTo(new Pam.Result(false, "PAM_AUTH_ERR", "pam_authenticate", "Authentication failure"));
    }

    @Test
    void callsOnManyThreadsAtOnce_eachGetTheirOwnAnswer() throws Exception {
        try (var pool = Executors.newFixedThreadPool(6)) {
            List<Future<Pam.Result>> right = new ArrayList<>();
            List<Future<Pam.Result>> wrong = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                right.add(pool.submit(() -> authenticate(USER, PASSWORD)));
                wrong.add(pool.submit(() -> authenticate(USER, "not " + PASSWORD)));
            }
            for (var f : right) {
                assertThat(f.get(30, TimeUnit.SECONDS).code()).isEqualTo("PAM_SUCCESS");
            }
            for (var f : wrong) {
                assertThat(f.get(30, TimeUnit.SECONDS).code()).isEqualTo("PAM_AUTH_ERR");
            }
        }
    }

    @Test
    void aPasswordTheCallerHandsIn_isLeftForTheCallerToWipe_andTheCallMayBeRepeated() {
        char[] password = PASSWORD.toCharArray();

        assertThat(Pam.authenticate(SERVICE, shipped, USER, password, "203.0.113.7").ok()).isTrue();
        assertThat(password).isEqualTo(PASSWORD.toCharArray());
        assertThat(Pam.authenticate(SERVICE, shipped, USER, password, null).ok()).isTrue();
    }

    @Test
    void badNames_areRefusedBeforePamIsAsked() {
        assertThatThrownBy(() -> Pam.authenticate(SERVICE, shipped, "", PASSWORD.toCharArray(), null))
                .isInstanceOf(TetherException.class).hasMessage("the user name \"\" is not one PAM can look up");
        assertThatThrownBy(() -> Pam.authenticate("../etc/passwd", shipped, USER, PASSWORD.toCharArray(), null))
                .isInstanceOf(TetherException.class)
                .hasMessage("the PAM service name \"../etc/passwd\" is not a file name in the PAM configuration folder");
    }

    private Pam.Result authenticate(String user, String password) {
        return Pam.authenticate(SERVICE, shipped, user, password.toCharArray(), "203.0.113.7");
    }

    private static void run(String input, String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (input != null) {
            p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
    }
}
