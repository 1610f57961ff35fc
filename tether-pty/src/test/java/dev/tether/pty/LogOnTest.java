package dev.tether.pty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.terminal.Terminal;
import dev.tether.core.terminal.TerminalSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A session that is a log-on runs as its Linux account and nothing more: its uid, gid and groups,
 * its login environment, its home, a terminal it owns. Needs root (CI runs as root): the accounts
 * are real, made with useradd.
 */
class LogOnTest {
    static final String USER = "ttlog" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    static final String GROUP = USER + "g";
    static NativePtyHost host;
    static NativePtyHost allowingRoot;

    @BeforeAll
    static void makeTheAccount() throws Exception {
        assumeTrue(LibC.geteuid() == 0, "needs root to start programs as another account (CI runs as root)");
        run("groupadd", GROUP);
        run("useradd", "-m", "-s", "/bin/bash", "-G", GROUP, USER);
        host = NativePtyHost.start(false);
        allowingRoot = NativePtyHost.start(true);
    }

    @AfterAll
    static void removeIt() throws Exception {
        if (host != null) {
            host.close();
            allowingRoot.close();
            run("userdel", "-r", USER);
            run("groupdel", GROUP);
        }
    }

    static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", command), out).isZero();
    }

    static String output(NativePtyHost on, String account, String script) throws Exception {
        var spec = new TerminalSpec(0, List.of("sh", "-c", script), Map.of("TERM", "dumb", "HOME", "/root", "PATH", "/nowhere"),
                Path.of("/tmp"), 200, 24, 64 * 1024, new TerminalSpec.LogOn(account, "laptop"));
        Exits exits = new Exits();
        Terminal terminal = on.spawn(spec, exits);
        RecordingViewer viewer = new RecordingViewer();
        terminal.attach(viewer);
        exits.await();
        await().atMost(Exits.TIMEOUT).until(() -> viewer.text().contains("END"));
        return viewer.text().replace("\r\n", "\n");
    }

    @Test
    void aLogOnRunsAsItsAccount_withItsGroups_loginEnvironment_andHome() throws Exception {
        String out = output(host, USER, "id -un; id -gn; id -Gn; echo HOME=$HOME USER=$USER LOGNAME=$LOGNAME SHELL=$SHELL;"
                + " echo PATH=$PATH; pwd; echo END");
        assertThat(out).contains(USER + "\n" + USER + "\n");
        assertThat(out).containsPattern("(?m)^" + USER + " .*\\b" + GROUP + "\\b");
        assertThat(out).contains("HOME=/home/" + USER + " USER=" + USER + " LOGNAME=" + USER + " SHELL=/bin/bash\n");
        assertThat(out).contains("PATH=" + LinuxAccounts.loginPath(1000) + "\n").doesNotContain("/nowhere");
        assertThat(out).contains("\n/home/" + USER + "\n");
    }

    @Test
    void aLogOnCannotReadAFileOnlyRootCanRead_andHasNoCapabilities() throws Exception {
        String out = output(host, USER, "cat /etc/shadow >/dev/null 2>&1 && echo READ || echo REFUSED;"
                + " grep -E '^(Uid|CapEff|CapPrm):' /proc/self/status; echo END");
        assertThat(out).contains("REFUSED").doesNotContain("READ\n");
        assertThat(out).containsPattern("CapEff:\\s+0{16}").containsPattern("CapPrm:\\s+0{16}");
    }

    @Test
    void aLogOnsTerminalBelongsToItsAccount_groupTty_mode0620_asLoginLeavesIt() throws Exception {
        String out = output(host, USER, "stat -c '%U:%G:%a' $(tty); echo END");
        assertThat(out).contains(USER + ":tty:620\n");
    }

    @Test
    void anAccountThatDoesNotExist_isRefusedWithNotFound_namingIt() throws Exception {
        assertThatThrownBy(() -> output(host, "ttnosuchuser", "echo END"))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.NOT_FOUND))
                .hasMessage("cannot start a session as the Linux account ttnosuchuser: there is no such account on this host");
    }

    @Test
    void rootAndSystemAccounts_areRefusedWithAccessDenied_namingTheSetting_unlessAllowed() throws Exception {
        assertThatThrownBy(() -> output(host, "root", "echo END"))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.ACCESS_DENIED))
                .hasMessage("cannot start a session as the Linux account root (uid 0): root may not log on unless the server"
                        + " runs with --allow-root-sessions");
        assertThatThrownBy(() -> output(host, "daemon", "echo END"))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.ACCESS_DENIED))
                .hasMessageContaining("the Linux account daemon (uid 1): system accounts (uid below UID_MIN " + LinuxAccounts.uidMin()
                        + " of /etc/login.defs) may not log on unless the server runs with --allow-root-sessions");

        assertThat(output(allowingRoot, "root", "id -un; echo END")).contains("root\n");
    }

    /**
     * Reproduction: {@code sudo tether serve --multi-user --allow-root-sessions}, stopped, then
     * {@code sudo tether serve --multi-user} (without the flag) on the same data directory: the
     * keeper of the first run, which keeps running, still started root sessions, and serve said at
     * start that root was refused. A root log-on now needs the flag of the keeper and of the server
     * that asks (each Spawn says the server's); the refusal says which one is missing.
     */
    @Test
    void aRootLogOn_needsAllowRootSessions_ofTheKeeperAndOfTheServerThatAsks() {
        var spec = new TerminalSpec(0, List.of("id", "-un"), Map.of("TERM", "dumb"), Path.of("/tmp"), 80, 24, 64 * 1024,
                new TerminalSpec.LogOn("root", "laptop"));
        var keeperWithTheFlag = new PtySpawner(java.lang.foreign.Arena.ofAuto(), true);
        var keeperWithout = new PtySpawner(java.lang.foreign.Arena.ofAuto(), false);

        assertThatThrownBy(() -> keeperWithTheFlag.spawn(spec, false))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.ACCESS_DENIED))
                .hasMessageEndingWith("root may not log on unless the server runs with --allow-root-sessions");
        assertThatThrownBy(() -> keeperWithout.spawn(spec, true))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.ACCESS_DENIED))
                .hasMessageContaining("root may not log on because the session keeper was started without --allow-root-sessions");
        PtySpawner.Spawned both = keeperWithTheFlag.spawn(spec, true);
        LibC.close(both.masterFd());
        LibC.close(both.pidFd());
    }

    @Test
    void anAccountNameUseraddWouldRefuse_isRefusedBeforeAnyLookup() throws Exception {
        assertThatThrownBy(() -> output(host, "../etc", "echo END"))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.INVALID_PARAMETER))
                .hasMessage("'../etc' is not a valid Linux account name");
    }
}
