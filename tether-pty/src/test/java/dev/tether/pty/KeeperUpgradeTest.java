package dev.tether.pty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keeper's re-exec state, the checks before an exec, the lock, and the messages that must not change. */
class KeeperUpgradeTest {

    static final KeeperUpgrade.State STATE = new KeeperUpgrade.State(4242, "jar-123-456", 3, 4, List.of(
            new KeeperUpgrade.Session(7, 100, 5, 6, 8, null, false, "pts/3"),
            new KeeperUpgrade.Session(9, 101, -1, -1, 10, 137, false, null),
            new KeeperUpgrade.Session(11, 102, -1, 12, 13, null, true, null)));

    @Test
    void theStateRoundTrips_withRunningExitedAndReleasedSessions() throws IOException {
        assertThat(KeeperUpgrade.decode(KeeperUpgrade.encode(STATE))).isEqualTo(STATE);
    }

    /**
     * The utmp lines come after every session: an image of an older build, which stops reading before
     * them, still takes the state of a newer one (a downgrade), and the state an older build writes
     * (without them) is read with none. Reproduction of what they fix: a log-on that ended after a
     * keeper upgrade kept its USER_PROCESS record in utmp ({@code who} listed it for ever), because the
     * new image did not know its line.
     */
    @Test
    void theUtmpLinesFollowEverySession_soAStateWithoutThem_readsWithNone() throws IOException {
        byte[] whole = KeeperUpgrade.encode(STATE);
        int trailer = (2 + "pts/3".length()) + 2 + 2;
        var older = KeeperUpgrade.decode(Arrays.copyOf(whole, whole.length - trailer));

        assertThat(older.sessions()).extracting(KeeperUpgrade.Session::loggedOnLine).containsOnlyNulls();
        assertThat(older.sessions()).extracting(KeeperUpgrade.Session::id).containsExactly(7L, 9L, 11L);
    }

    @Test
    void theStateKeepsExactlyTheFdsItHolds_lockListenerAndEachSessionsOpenOnes() {
        assertThat(STATE.fds()).containsExactly(3, 4, 5, 6, 8, 10, 12, 13);
    }

    @Test
    void aStateThatEndsEarlyOrIsNotOne_isRefusedSayingWhy() {
        byte[] whole = KeeperUpgrade.encode(STATE);
        assertThatThrownBy(() -> KeeperUpgrade.decode(Arrays.copyOf(whole, whole.length - 1)))
                .isInstanceOf(IOException.class).hasMessage("the keeper's upgrade state ends early");
        byte[] other = whole.clone();
        other[0] = 'X';
        assertThatThrownBy(() -> KeeperUpgrade.decode(other))
                .isInstanceOf(IOException.class).hasMessage("the keeper's upgrade state does not begin with TETHKEEP");
    }

    @Test
    void anExecIsRefusedBeforeItIsTried_forARelativeOrMissingProgramOrAMissingClassPathEntry(@TempDir Path dir) {
        String java = ProcessHandle.current().info().command().orElseThrow();
        assertThat(KeeperUpgrade.refusal(List.of())).isEqualTo("the command line is empty");
        assertThat(KeeperUpgrade.refusal(List.of("java", "-version"))).isEqualTo("java is not an absolute path to an executable file");
        assertThat(KeeperUpgrade.refusal(List.of(dir.resolve("nothing").toString())))
                .isEqualTo(dir.resolve("nothing") + " is not an absolute path to an executable file");
        assertThat(KeeperUpgrade.refusal(List.of(java, "-cp", dir + ":" + dir.resolve("gone.jar"), "Main")))
                .isEqualTo("its class path entry " + dir.resolve("gone.jar") + " does not exist");
        assertThat(KeeperUpgrade.refusal(KeeperProcess.thisJvm().command())).isNull();
    }

    /**
     * Reproduction: {@code java -jar tether.jar serve}, run in the jar's folder, started a keeper with
     * {@code -cp tether.jar}; the keeper runs in its runtime folder, where no tether.jar is, so its JVM
     * found no main class and serve gave up after 15 s. An upgrade asked that way was refused for the
     * same reason. Every entry of the keeper's class path is absolute now.
     */
    @Test
    void theKeepersClassPathIsAbsolute_soItStartsInItsOwnFolder() {
        String cwd = Path.of("").toAbsolutePath().toString();
        assertThat(KeeperProcess.absolute("tether.jar:/opt/x/lib.jar:../y/classes:"))
                .isEqualTo(cwd + "/tether.jar:/opt/x/lib.jar:" + Path.of(cwd).getParent() + "/y/classes");
        assertThat(KeeperProcess.classPath().split(":")).allSatisfy(e -> assertThat(Path.of(e)).isAbsolute());
    }

    /** A newer CLI upgrades an older keeper and asks the new one for its Status: these bytes are frozen. */
    @Test
    void helloStatusUpgradeAndInfo_keepTheirOpcodesAndLayouts() throws IOException {
        assertThat(KeeperProtocol.encode(new KeeperProtocol.Hello(1))).containsExactly(0, 0, 0, 0, 1);
        assertThat(KeeperProtocol.encode(new KeeperProtocol.Failed(0, "x"))).containsExactly(4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 'x');
        assertThat(KeeperProtocol.encode(new KeeperProtocol.Upgrade(List.of("j")))).containsExactly(10, 0, 0, 0, 1, 0, 0, 0, 1, 'j');
        assertThat(KeeperProtocol.encode(new KeeperProtocol.Status())).containsExactly(11);
        var info = new KeeperProtocol.Info(258, "b", 3, true);
        assertThat(KeeperProtocol.encode(info)).containsExactly(12, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 1, 'b', 0, 0, 0, 3, 1);
        assertThat(KeeperProtocol.decode(KeeperProtocol.encode(info))).isEqualTo(info);
        assertThat(KeeperProtocol.decode(KeeperProtocol.encode(new KeeperProtocol.Upgrade(List.of("a", "b c")))))
                .isEqualTo(new KeeperProtocol.Upgrade(List.of("a", "b c")));
    }

    @Test
    void aSecondKeeperOnTheSameFolderIsRefusedByTheFlock_evenInTheSameProcess_andTheLockGoesWithTheFirst(@TempDir Path dir)
            throws Exception {
        Path runtime = dir.resolve("run");
        Keeper first = Keeper.start(runtime);
        try {
            assertThatThrownBy(() -> Keeper.start(runtime)).isInstanceOf(IOException.class)
                    .hasMessage("another keeper runs for " + runtime + " (pid " + ProcessHandle.current().pid()
                            + "); one keeper serves a data directory");
            assertThat(Files.readString(runtime.resolve(Keeper.LOCK)).strip()).isEqualTo(Long.toString(ProcessHandle.current().pid()));
        } finally {
            first.close();
        }
        Keeper again = Keeper.start(runtime);
        again.close();
    }
}
