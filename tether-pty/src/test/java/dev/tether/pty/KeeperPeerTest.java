package dev.tether.pty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keeper accepts only its own uid (issue 10 §1, §5). A peer of another uid is refused by the
 * keeper's {@code SO_PEERCRED} check, not only by the file system: for this test the runtime folder
 * is made traversable (0711) and the socket writable by all (0666), which the keeper never does,
 * so the kernel lets the other uid connect and only the keeper's check stands in its way.
 *
 * <p>The peer is a small Python program run as uid 65534 with {@code setpriv} (the test needs root,
 * as CI is), outside the JVM, whose class path that uid cannot read. The control case runs the same
 * program as the keeper's own uid and is served, so the refusal is the uid's alone.
 */
class KeeperPeerTest {
    private static final int NOBODY = 65534;
    /**
     * Prints its uid, connects to argv[1], sends argv[2] (hex, may be empty) as one framed message,
     * then prints the hex of every framed message it receives until the keeper closes the stream.
     */
    private static final String PEER = """
            import os, socket, struct, sys
            print("uid", os.getuid(), flush=True)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sys.argv[1])
            if sys.argv[2]:
                body = bytes.fromhex(sys.argv[2])
                s.sendall(struct.pack(">I", len(body)) + body)
            def exactly(n):
                b = b""
                while len(b) < n:
                    more = s.recv(n - len(b))
                    if not more:
                        return None
                    b += more
                return b
            while True:
                head = exactly(4)
                if head is None:
                    break
                print("message", exactly(struct.unpack(">I", head)[0]).hex(), flush=True)
                if sys.argv[2]:
                    break
            print("closed", flush=True)
            """;

    @TempDir
    Path tmp;
    private Path dir;
    private Keeper keeper;

    @BeforeEach
    void keeperWhoseSocketTheFileSystemDoesNotGuard() throws IOException {
        assumeTrue(LibC.geteuid() == 0, "needs root to run a peer as uid " + NOBODY + " (CI runs as root)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")) && Files.isExecutable(Path.of("/usr/bin/python3")),
                "needs /usr/bin/setpriv and /usr/bin/python3");
        dir = tmp.resolve("run");
        keeper = Keeper.start(dir);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(dir.resolve(Keeper.SOCKET), PosixFilePermissions.fromString("rw-rw-rw-"));
    }

    @AfterEach
    void stop() {
        if (keeper != null) {
            keeper.close();
        }
    }

    @Test
    void aPeerOfAnotherUid_isRefusedWithASentenceNamingBothUids_andTheKeeperGoesOnServingItsOwnUid() throws Exception {
        List<String> refused = peer(List.of("/usr/bin/setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"), "");

        assertThat(refused.getFirst()).isEqualTo("uid " + NOBODY);
        assertThat(refused).hasSize(3).last().isEqualTo("closed"); // one answer, then the keeper hung up
        var failed = (KeeperProtocol.Failed) decode(refused.get(1));
        assertThat(failed.message()).isEqualTo("the keeper accepts only uid 0, not uid " + NOBODY);

        // Control, and the keeper still serves: the same peer as uid 0 says Hello and is handed the (no) sessions.
        byte[] hello = KeeperProtocol.encode(new KeeperProtocol.Hello(KeeperProtocol.VERSION));
        List<String> served = peer(List.of(), HexFormat.of().formatHex(hello));
        assertThat(served.getFirst()).isEqualTo("uid 0");
        assertThat(decode(served.get(1))).isEqualTo(new KeeperProtocol.Kept(/* last= */ true, List.of(), false));
    }

    /**
     * The runtime folder's owner may attach as the keeper's server, nothing more. Reproduction (read
     * in review): a root keeper serves a server that dropped to its own account, which owns the
     * folder; that account could send Upgrade with any command line, and the keeper would have
     * execve'd it as root. Upgrade and Stop are now the keeper's own uid's alone.
     */
    @Test
    void theFoldersOwner_mayAttachAsTheServer_butNotUpgradeOrStopTheKeeper() throws Exception {
        Files.setAttribute(dir, "unix:uid", NOBODY); // as serve --multi-user gives it to its --run-as account
        List<String> prefix = List.of("/usr/bin/setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups");

        byte[] upgrade = KeeperProtocol.encode(new KeeperProtocol.Upgrade(List.of("/bin/sh", "-c", "id > /tmp/owned")));
        var refused = (KeeperProtocol.Failed) decode(peer(prefix, HexFormat.of().formatHex(upgrade)).get(1));
        assertThat(refused.message()).isEqualTo("only uid 0, the keeper's own, may upgrade it; uid " + NOBODY
                + " may only attach as its server");
        byte[] stop = KeeperProtocol.encode(new KeeperProtocol.Stop());
        assertThat(((KeeperProtocol.Failed) decode(peer(prefix, HexFormat.of().formatHex(stop)).get(1))).message())
                .startsWith("only uid 0, the keeper's own, may stop it");
        assertThat(Keeper.status(dir, java.time.Duration.ofSeconds(5)).pid()).as("the same keeper serves on")
                .isEqualTo(ProcessHandle.current().pid());

        byte[] hello = KeeperProtocol.encode(new KeeperProtocol.Hello(KeeperProtocol.VERSION));
        assertThat(decode(peer(prefix, HexFormat.of().formatHex(hello)).get(1))).as("attaching as the server")
                .isEqualTo(new KeeperProtocol.Kept(/* last= */ true, List.of(), false));
    }

    @Test
    void withTheModesTheKeeperGivesThem_anotherUidCannotEvenReachTheSocket() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------")); // as Keeper.start made it
        Run r = run(List.of("/usr/bin/setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"), "");
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.output()).contains("uid " + NOBODY).contains("PermissionError");
    }

    private record Run(int exitCode, String output) {}

    /** Runs the peer program after {@code prefix}; returns its lines once it exited 0. */
    private List<String> peer(List<String> prefix, String helloHex) throws Exception {
        Run r = run(prefix, helloHex);
        assertThat(r.exitCode()).as(r.output()).isZero();
        return r.output().lines().toList();
    }

    private Run run(List<String> prefix, String helloHex) throws Exception {
        var cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of("/usr/bin/python3", "-c", PEER, dir.resolve(Keeper.SOCKET).toString(), helloHex));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    private static KeeperProtocol.Message decode(String line) throws IOException {
        assertThat(line).startsWith("message ");
        return KeeperProtocol.decode(HexFormat.of().parseHex(line.substring("message ".length())));
    }
}
