package dev.tether.pty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.terminal.Terminal;
import dev.tether.core.terminal.TerminalSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A log-on's PAM session belongs to the log-on: tether-logon ({@link LogOnLeader}) opens it in a process
 * of that session alone, before the program starts, and closes it when the program ends, so the session
 * modules that act on their caller (pam_limits, pam_env, pam_exec here) act on the user's session and
 * leave the process that spawns it (here this JVM, as the keeper in production) alone. Needs root (CI
 * runs as root) and the tether-logon this build compiles (CI installs gcc).
 *
 * <p>Each test writes its own PAM service, {@code /etc/pam.d/tether-test-…}, removed afterwards.
 */
class LogOnSessionLeaderTest {
    static final String SUFFIX = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    static final String USER = "ttlead" + SUFFIX;
    static final String SERVICE = "tether-test-" + SUFFIX;
    static final Path SERVICE_FILE = Path.of("/etc/pam.d", SERVICE);
    static NativePtyHost host;
    Path dir;

    @BeforeAll
    static void makeTheAccount() throws Exception {
        assumeTrue(LibC.geteuid() == 0, "needs root to start programs as another account (CI runs as root)");
        assertThat(LogOnLeader.path()).as("tether-logon in this build (compiled where there is a cc; CI installs gcc)").isPresent();
        LogOnTest.run("useradd", "-m", "-s", "/bin/sh", USER);
        host = NativePtyHost.start(false, SERVICE);
    }

    @AfterAll
    static void removeIt() throws Exception {
        if (host != null) {
            host.close();
            LogOnTest.run("userdel", "-r", USER);
        }
    }

    @BeforeEach
    void aFolderEveryoneMayRead() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "tether-leader", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
    }

    @AfterEach
    void removeTheServiceAndTheFolder() throws Exception {
        Files.deleteIfExists(SERVICE_FILE);
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    /** Installs the test's PAM service: every line given, after an auth that permits. */
    void service(String... sessionLines) throws Exception {
        Files.writeString(SERVICE_FILE, "auth required pam_permit.so\naccount required pam_permit.so\n"
                + String.join("\n", sessionLines) + "\n");
    }

    /** A pam_exec hook that appends "TYPE USER TTY RHOST UID" to {@code log} (world-readable) each time PAM runs it. */
    String hook(Path log) throws Exception {
        Path script = dir.resolve("hook.sh");
        Files.writeString(script, "#!/bin/sh\necho \"$PAM_TYPE $PAM_USER $PAM_TTY $PAM_RHOST $(id -u)\" >> " + log
                + "\nchmod 644 " + log + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return "session required pam_exec.so " + script;
    }

    record Ran(String output, int exitCode) {
    }

    static Ran run(String script) throws Exception {
        var spec = new TerminalSpec(0, List.of("sh", "-c", script), Map.of("TERM", "dumb"), Path.of("/tmp"), 200, 24, 64 * 1024,
                new TerminalSpec.LogOn(USER, "laptop"));
        Exits exits = new Exits();
        Terminal terminal = host.spawn(spec, exits);
        RecordingViewer viewer = new RecordingViewer();
        terminal.attach(viewer);
        int code = exits.await();
        await().atMost(Exits.TIMEOUT).until(() -> viewer.text().contains("END"));
        return new Ran(viewer.text().replace("\r\n", "\n"), code);
    }

    @Test
    void thePamSessionIsOpenedAsRootBeforeTheProgramStarts_withTtyAndHost_andClosedAfterItEnds() throws Exception {
        Path log = dir.resolve("pam.log");
        service(hook(log));

        Ran ran = run("echo TTY=$(tty); echo LOG; cat " + log + "; echo END");

        String tty = ran.output().lines().filter(l -> l.startsWith("TTY=/dev/")).findFirst().orElseThrow().substring("TTY=/dev/".length());
        assertThat(ran.output()).as("the log as the program saw it").contains("LOG\nopen_session " + USER + " " + tty + " laptop 0\nEND");
        await().atMost(Exits.TIMEOUT).untilAsserted(() -> assertThat(Files.readString(log))
                .isEqualTo("open_session " + USER + " " + tty + " laptop 0\nclose_session " + USER + " " + tty + " laptop 0\n"));
    }

    @Test
    void theShippedService_opensTheSession_withTheUsersLimitsFromLimitsD() throws Exception {
        Files.copy(Path.of("").toAbsolutePath().resolveSibling("dist").resolve("pam").resolve("tether"), SERVICE_FILE);
        Path limits = Path.of("/etc/security/limits.d", SERVICE + ".conf");
        Files.writeString(limits, USER + " hard nofile 777\n");
        try {
            Ran ran = run("echo HARD=$(ulimit -Hn) USER=$USER; echo END");

            assertThat(ran.output()).contains("HARD=777 USER=" + USER + "\n");
            assertThat(ran.exitCode()).isZero();
        } finally {
            Files.delete(limits);
        }
    }

    @Test
    void theUsersLimitsConf_appliesToTheSession_andNotToTheProcessThatStartedIt() throws Exception {
        Path limits = dir.resolve("limits.conf");
        Files.writeString(limits, USER + " hard nofile 777\n" + USER + " soft nofile 555\n" + USER + " - nice 7\n");
        service("session required pam_limits.so conf=" + limits);
        String before = Files.readString(Path.of("/proc/self/limits"));

        Ran ran = run("echo HARD=$(ulimit -Hn) SOFT=$(ulimit -Sn); echo END");

        assertThat(ran.output()).contains("HARD=777 SOFT=555\n");
        assertThat(Files.readString(Path.of("/proc/self/limits"))).as("this JVM's limits").isEqualTo(before);
    }

    @Test
    void theSessionsEnvironment_isPamEnvsVariables_underTheLogins() throws Exception {
        Path conf = dir.resolve("pam_env.conf");
        Files.writeString(conf, "TT_GREETING DEFAULT=hello\nTT_WHO DEFAULT=@{PAM_USER}\nHOME DEFAULT=/nowhere\n");
        service("session required pam_env.so readenv=0 conffile=" + conf);

        Ran ran = run("echo GREETING=$TT_GREETING WHO=$TT_WHO HOME=$HOME; echo END");

        assertThat(ran.output()).contains("GREETING=hello WHO=" + USER + " HOME=/home/" + USER + "\n");
    }

    @Test
    void aSessionPamRefuses_isRefusedWithPamsReason_andTheProgramNeverRuns() throws Exception {
        service("session requisite pam_deny.so");
        Path marker = dir.resolve("ran");

        assertThatThrownBy(() -> run("touch " + marker + "; echo END"))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.ACCESS_DENIED))
                .hasMessage("PAM refused the session of " + USER + ": pam_open_session: Cannot make/remove an entry for the specified session");
        assertThat(marker).doesNotExist();
    }

    @Test
    void withoutTheServiceInstalled_theLogOnHasNoPamSession_andStillRunsAsItsAccount() throws Exception {
        Ran ran = run("id -un; echo END");

        assertThat(ran.output()).contains(USER + "\nEND");
    }

    @Test
    void theSessionEndsAsItsProgramEnded_withItsExitCodeOrItsSignal() throws Exception {
        service(hook(dir.resolve("pam.log")));

        assertThat(run("echo END; exit 7").exitCode()).isEqualTo(7);
        assertThat(run("echo END; kill -TERM $$").exitCode()).as("killed by SIGTERM").isEqualTo(128 + 15);
    }

    /**
     * Reproduction: {@code ps} (any user's) showed the whole environment of a log-on, for as long as it
     * lasted, in tether-logon's command line: its arguments carry the environment, and
     * /proc/PID/cmdline is readable by everybody. The leader now wipes them once copied.
     */
    @Test
    void theLeadersCommandLine_showsNoneOfTheSessionsEnvironmentOrArguments() throws Exception {
        var spec = new TerminalSpec(0, List.of("sh", "-c", "echo READY; exec sleep 600"), Map.of("TERM", "dumb", "TT_SECRET", "hunter2"),
                Path.of("/tmp"), 80, 24, 64 * 1024, new TerminalSpec.LogOn(USER, "laptop"));
        Terminal terminal = host.spawn(spec, new Exits());
        try {
            RecordingViewer viewer = new RecordingViewer();
            terminal.attach(viewer);
            await().atMost(Exits.TIMEOUT).until(() -> viewer.text().contains("READY"));
            String cmdline = Files.readString(Path.of("/proc", Long.toString(terminal.pid()), "cmdline"));

            assertThat(cmdline).startsWith("tether-logon\0").doesNotContain("hunter2", "TT_SECRET", "sleep 600");
        } finally {
            terminal.signal(9);
        }
    }

    @Test
    void theProgramLeadsTheTerminalsForegroundGroup_soAShellHasJobControl() throws Exception {
        Ran ran = run("ps -o pid=,pgid=,tpgid= -p $$; echo END");

        String[] ids = ran.output().lines().filter(l -> l.matches("\\s*\\d+\\s+\\d+\\s+\\d+\\s*")).findFirst().orElseThrow().trim()
                .split("\\s+");
        assertThat(ids[1]).as("its process group").isEqualTo(ids[0]);
        assertThat(ids[2]).as("the terminal's foreground group").isEqualTo(ids[0]);
    }
}
