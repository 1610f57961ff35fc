package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code tether serve --multi-user} as root: each Tether user's session is a log-on of the Linux
 * account it maps to, with that account's uid, groups, home and shell and nothing more; a user
 * without an account, and a mapping to root, are refused with a sentence. Real accounts (useradd),
 * a real server and keeper, the real CLI. Needs root (CI runs as root).
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class MultiUserSessionsTest {
    static final String SUFFIX = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    static final String LINUX = "ttmu" + SUFFIX;
    static final String ALICE = "alice" + SUFFIX;
    /** The account the server drops to: its own, so a machine's tether account changes nothing here. */
    static final String SERVER = "ttms" + SUFFIX;
    static Path lib;
    static Path data;
    static Process serve;
    static URI url;
    static String adminToken;
    static final List<String> serveOut = new ArrayList<>();
    static final Path PAM_SERVICE = Path.of("/etc/pam.d/tether");
    static final Path ETC_ENVIRONMENT = Path.of("/etc/environment");
    static final String PAM_VARIABLE = "TT_PAM_" + SUFFIX.toUpperCase(java.util.Locale.ROOT);
    static boolean installedPamService;
    static String environmentBefore;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to start sessions as other accounts (CI runs as root)");
        run("useradd", "-m", "-s", "/bin/bash", LINUX);
        run("useradd", "--system", "--no-create-home", SERVER);
        lib = Files.createTempDirectory("tether-multi-user-lib");
        Files.setPosixFilePermissions(lib, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        // As an administrator installs it (docs/security.md), before the keeper starts: it reads it once.
        if (!Files.exists(PAM_SERVICE)) {
            Files.copy(Path.of("..", "dist", "pam", "tether"), PAM_SERVICE);
            installedPamService = true;
        }
        environmentBefore = Files.exists(ETC_ENVIRONMENT) ? Files.readString(ETC_ENVIRONMENT) : null;
        Files.writeString(ETC_ENVIRONMENT, (environmentBefore == null ? "" : environmentBefore) + PAM_VARIABLE + "=set-by-pam-env\n");
        data = Files.createTempDirectory("tether-multi-user");
        serve = new ProcessBuilder(Cli.javaCommand(List.of("serve", "--multi-user", "--run-as", SERVER, "--data-dir", data.toString(),
                "--listen", "127.0.0.1:0"), Cli.readableClassPath(lib))).redirectErrorStream(true).start();
        var out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
        Pattern listening = Pattern.compile("^Tether .* listening on (http://\\S+) as ");
        for (String line; url == null && (line = out.readLine()) != null; ) {
            serveOut.add(line);
            Matcher m = listening.matcher(line);
            if (m.find()) {
                url = URI.create(m.group(1));
            }
        }
        serveOut.add(out.readLine());
        Thread.ofVirtual().start(() -> out.lines().forEach(l -> { })); // keep draining
        adminToken = Files.readString(data.resolve("admin.token")).strip();
    }

    @AfterAll
    static void stop() throws Exception {
        if (serve != null) {
            serve.destroyForcibly().waitFor();
            Cli.stopKeeper(data);
            run("userdel", "-r", LINUX);
            run("userdel", SERVER);
            TestServer.deleteTree(lib);
            TestServer.deleteTree(data);
        }
        if (installedPamService) {
            Files.deleteIfExists(PAM_SERVICE);
        }
        if (environmentBefore != null) {
            Files.writeString(ETC_ENVIRONMENT, environmentBefore);
        } else {
            Files.deleteIfExists(ETC_ENVIRONMENT);
        }
    }

    static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", command), out).isZero();
    }

    static Cli as(String token) {
        return Cli.tether().server(url.toString()).env("TETHER_TOKEN", token);
    }

    static String addUser(String name, String... options) {
        var args = new ArrayList<>(List.of("user", "add", name));
        args.addAll(List.of(options));
        var added = as(adminToken).run(args.toArray(String[]::new));
        assertThat(added.exit()).as(added.toString()).isZero();
        return added.out().strip();
    }

    @Test
    void serveSaysAtStartThatItIsMultiUser() {
        assertThat(serveOut).as(String.join("\n", serveOut))
                .contains("Multi-user mode: each session is a log-on of its user's own Linux account; root and system accounts are"
                        + " refused (serve --allow-root-sessions allows them).");
    }

    @Test
    void aMappedUsersSession_runsAsItsLinuxAccount_withItsHomeAndShell_andCannotReadWhatOnlyRootCan() throws Exception {
        String token = addUser(ALICE, "--os-user", LINUX);
        Path out = Path.of("/home", LINUX, "whoami.txt");
        var created = as(token).run("session", "new", "--", "sh", "-c",
                "{ id -un; id -u; echo HOME=$HOME SHELL=$SHELL; pwd; echo PAM=$" + PAM_VARIABLE + ";"
                        + " cat /etc/shadow >/dev/null 2>&1 && echo READ || echo REFUSED; } > whoami.txt");
        assertThat(created.exit()).as(created.toString()).isZero();

        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(out) && Files.readString(out).contains("REFUSED\n")
                || Files.exists(out) && Files.readString(out).contains("READ\n"));
        String text = Files.readString(out);
        assertThat(text).startsWith(LINUX + "\n").contains("HOME=/home/" + LINUX + " SHELL=/bin/bash\n", "\n/home/" + LINUX + "\n", "REFUSED\n")
                .doesNotContain("\n0\n");
        assertThat(text).as("the PAM session's environment (pam_env, /etc/environment)").contains("PAM=set-by-pam-env\n");
        assertThat(Files.getOwner(out).getName()).isEqualTo(LINUX);

        var list = as(adminToken).run("user", "list");
        assertThat(list.out()).containsPattern(ALICE + "\\s+no\\s+" + LINUX);
    }

    @Test
    void aSessionWithoutACommand_isTheAccountsLoginShell_runningAsTheAccount() throws Exception {
        String name = "gil" + SUFFIX;
        String token = addUser(name, "--os-user", LINUX);
        var created = as(token).run("session", "new");
        assertThat(created.exit()).as(created.toString()).isZero();
        var got = as(token).run("--json", "session", "get", created.out().strip());
        var pid = java.util.regex.Pattern.compile("\"pid\"\\s*:\\s*(\\d+)").matcher(got.out());
        assertThat(pid.find()).as(got.toString()).isTrue();
        // The session's pid is its leader's, tether-logon (root, holding the PAM session); the shell is its child.
        Path leader = Path.of("/proc", pid.group(1));
        assertThat(Files.readString(leader.resolve("cmdline"))).startsWith("tether-logon\0");
        Path[] shell = new Path[1];
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            String children = Files.readString(leader.resolve("task").resolve(pid.group(1)).resolve("children")).strip();
            shell[0] = children.isEmpty() ? null : Path.of("/proc", children.split(" ")[0]);
            return shell[0] != null && Files.readString(shell[0].resolve("cmdline")).equals("/bin/bash\0-l\0");
        });
        String uid = Files.readAllLines(shell[0].resolve("status")).stream().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
        String expected = command("id", "-u", LINUX).strip();
        assertThat(uid.substring(4).strip().split("\\s+")).containsOnly(expected);
        as(token).run("session", "close", created.out().strip());
    }

    /**
     * A server that dropped root still logs its users off. Reproduction: {@code serve --multi-user}
     * as root, dropped to its {@code --run-as} account; {@code tether session close ID} of a user's
     * session failed after 60 s ("did not finish"): the server's kill(2) of another account's
     * program got EPERM, so neither SIGHUP nor SIGTERM nor SIGKILL reached it. Signals now go
     * through the keeper.
     */
    @Test
    void closingAUsersSession_throughAServerThatDroppedRoot_signalsItThroughTheKeeper_andEndsIt() throws Exception {
        String token = addUser("hal" + SUFFIX, "--os-user", LINUX);
        var created = as(token).run("session", "new", "--", "sleep", "300");
        assertThat(created.exit()).as(created.toString()).isZero();
        String id = created.out().strip();

        var closed = as(token).run("session", "close", id);

        assertThat(closed.exit()).as(closed.toString()).isZero();
        assertThat(as(token).run("--json", "session", "get", id).out()).containsPattern("\"state\"\\s*:\\s*\"CLOSED\"");
    }

    @Test
    void aUserWithoutALinuxAccount_isRefusedASession_withASentenceNamingTheAccount() {
        String token = addUser("bob" + SUFFIX);
        var refused = as(token).run("session", "new", "--", "true");
        assertThat(refused.exit()).as(refused.toString()).isNotZero();
        assertThat(refused.err()).contains("NOT_FOUND: cannot start a session as the Linux account bob" + SUFFIX
                + ": there is no such account on this host");
    }

    @Test
    void aUserMappedToRoot_isRefused_namingTheSettingThatWouldAllowIt() {
        String name = "carol" + SUFFIX;
        String token = addUser(name);
        var set = as(adminToken).run("user", "set", name, "--os-user", "root");
        assertThat(set.exit()).as(set.toString()).isZero();
        assertThat(set.out()).isEqualTo(name + "'s new sessions log on to the Linux account root.\n");

        var refused = as(token).run("session", "new", "--", "true");
        assertThat(refused.exit()).as(refused.toString()).isNotZero();
        assertThat(refused.err()).contains("ACCESS_DENIED: cannot start a session as the Linux account root (uid 0): root may not"
                + " log on unless the server runs with --allow-root-sessions");
    }

    @Test
    void whoListsTheSessionWhileItRuns_andNotAfterItEnds_andLastShowsIt() throws Exception {
        String name = "dave" + SUFFIX;
        String token = addUser(name, "--os-user", LINUX);
        var created = as(token).run("session", "new", "--", "sleep", "300");
        assertThat(created.exit()).as(created.toString()).isZero();
        String id = created.out().strip();

        await().atMost(Duration.ofSeconds(20)).until(() -> who().lines().anyMatch(l -> l.startsWith(LINUX + " ") && l.endsWith("(127.0.0.1)")));
        var closed = as(token).run("session", "close", id);
        assertThat(closed.exit()).as(closed.toString()).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> !who().contains(LINUX + " "));
        assertThat(command("last", "-w", LINUX)).as("the host is the address of the client that started it").contains(LINUX).contains("127.0.0.1");
    }

    static Cli.Result login(String user, String password, Path config) {
        return Cli.tether().server(url.toString()).env("XDG_CONFIG_HOME", config.toString()).stdin(password + "\n")
                .run("login", "--user", user);
    }

    static void chpasswd(String account, String password) throws Exception {
        Process p = new ProcessBuilder("chpasswd").redirectErrorStream(true).start();
        p.getOutputStream().write((account + ":" + password + "\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertThat(p.waitFor()).isZero();
    }

    /** serve --multi-user takes Linux passwords by default (--auth both): a user without a Tether password logs on with its account's. */
    @Test
    void aMappedUser_logsOnWithTheLinuxPasswordThroughPam_aWrongOneIsRefused_andEachRefusalIsAnAuditEvent(
            @org.junit.jupiter.api.io.TempDir Path config) throws Exception {
        String name = "erin" + SUFFIX;
        addUser(name, "--os-user", LINUX);
        chpasswd(LINUX, "the Linux pass 1");

        var ok = login(name, "the Linux pass 1", config);
        assertThat(ok.exit()).as(ok.toString()).isZero();
        assertThat(ok.out()).startsWith("Logged in to " + url + " as " + name);

        var wrong = login(name, "not the Linux pass", config);
        assertThat(wrong.exit()).as(wrong.toString()).isEqualTo(1);
        assertThat(wrong.errLines()).containsExactly("UNAUTHENTICATED: the user name or password is wrong");

        var events = as(adminToken).run("events", "--json");
        assertThat(events.out()).contains("\"type\":\"UserLogOnFailed\"").contains("\"name\":\"" + name + "\"")
                .contains("PAM: Authentication failure");
    }

    @Test
    void aLockedAccount_andAnExpiredOne_areRefused_theExpiredOneWithTheReasonPamGives(@org.junit.jupiter.api.io.TempDir Path config)
            throws Exception {
        String locked = "ttlk" + SUFFIX;
        String expired = "ttex" + SUFFIX;
        run("useradd", "-m", locked);
        run("useradd", "-m", expired);
        try {
            chpasswd(locked, "locked's pass 1");
            chpasswd(expired, "expired's pass 1");
            addUser("lk" + SUFFIX, "--os-user", locked);
            addUser("ex" + SUFFIX, "--os-user", expired);
            assertThat(login("lk" + SUFFIX, "locked's pass 1", config).exit()).as("before the lock").isZero();
            run("usermod", "-L", locked);
            run("chage", "-E", "0", expired);

            var refusedLocked = login("lk" + SUFFIX, "locked's pass 1", config);
            assertThat(refusedLocked.exit()).as(refusedLocked.toString()).isEqualTo(1);
            assertThat(refusedLocked.err()).startsWith("UNAUTHENTICATED: the user name or password is wrong");

            var refusedExpired = login("ex" + SUFFIX, "expired's pass 1", config);
            assertThat(refusedExpired.exit()).as(refusedExpired.toString()).isEqualTo(1);
            assertThat(refusedExpired.err()).contains("UNAUTHENTICATED: the user name or password is wrong (Your account has expired;");
        } finally {
            run("userdel", "-r", locked);
            run("userdel", "-r", expired);
        }
    }

    /** Last: the failures block the client's address (127.0.0.1 for every test here) too. */
    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE)
    void repeatedFailures_areThrottled_forTheNameEvenWithTheRightPassword(@org.junit.jupiter.api.io.TempDir Path config) throws Exception {
        String name = "fay" + SUFFIX;
        addUser(name, "--os-user", LINUX);
        chpasswd(LINUX, "the Linux pass 1");
        for (int i = 0; i < 6; i++) {
            var wrong = login(name, "guess " + i, config);
            assertThat(wrong.exit()).as(wrong.toString()).isEqualTo(1);
        }
        var right = login(name, "the Linux pass 1", config);
        assertThat(right.exit()).as(right.toString()).isEqualTo(1);
        assertThat(right.err()).startsWith("RATE_LIMITED: too many failed password checks for " + name);
    }

    static String who() throws Exception {
        return command("who");
    }

    static String command(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }
}
