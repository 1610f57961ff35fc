package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tether.pty.Keeper;
import dev.tether.server.TetherServer;
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
import org.junit.jupiter.api.Test;

/**
 * {@code serve --multi-user} started as root keeps only the keeper root: the network-facing server
 * drops to its {@code --run-as} account (same pid, execve), which owns the data directory, and still
 * starts each session as its user's Linux account through the keeper. Needs root (CI runs as root).
 */
class PrivilegeSeparationTest {
    static final String SUFFIX = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);

    static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", command), out).isZero();
    }

    /** The Uid line of /proc/PID/status: real, effective, saved and filesystem uid. */
    static String uids(long pid) throws Exception {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow()
                .substring(4).strip().replaceAll("\\s+", " ");
    }

    static int uid(String account) throws Exception {
        Process p = new ProcessBuilder("id", "-u", account).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor();
        return Integer.parseInt(out);
    }

    @Test
    void asRoot_theServerDropsToItsAccount_theKeeperStaysRoot_andSessionsStillLogOnAsTheirUsers() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root (CI runs as root)");
        String server = "ttsv" + SUFFIX;
        String linux = "ttps" + SUFFIX;
        run("useradd", "--system", "--no-create-home", server);
        run("useradd", "-m", "-s", "/bin/sh", linux);
        Path data = Files.createTempDirectory("tether-privsep");
        Process serve = null;
        Path lib = null;
        try {
            // The dropped server must read its own classes, as an installed Tether's account can (/opt/tether, say):
            // Maven's repository under /root is not readable by other accounts.
            lib = Files.createTempDirectory("tether-privsep-lib");
            Files.setPosixFilePermissions(lib, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            String classPath = Cli.readableClassPath(lib);
            serve = new ProcessBuilder(Cli.javaCommand(List.of("serve", "--multi-user", "--run-as", server, "--data-dir",
                    data.toString(), "--listen", "127.0.0.1:0"), classPath)).redirectErrorStream(true).start();
            var out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            URI url = null;
            Pattern listening = Pattern.compile("^Tether .* listening on (http://\\S+) as ");
            for (String line; url == null && (line = out.readLine()) != null; ) {
                lines.add(line);
                Matcher m = listening.matcher(line);
                if (m.find()) {
                    url = URI.create(m.group(1));
                }
            }
            assertThat(url).as(String.join("\n", lines)).isNotNull();
            Thread.ofVirtual().start(() -> out.lines().forEach(l -> { }));
            assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("Started as root: the session keeper (pid ")
                    .endsWith("runs as root; this server drops to the account " + server + " (uid " + uid(server) + "), which now owns "
                            + data + "."));

            int serverUid = uid(server);
            assertThat(uids(serve.pid())).as("the server, after its execve (same pid)")
                    .isEqualTo(serverUid + " " + serverUid + " " + serverUid + " " + serverUid);
            long keeperPid = Keeper.status(data.resolve(TetherServer.RUNTIME), Duration.ofSeconds(10)).pid();
            assertThat(uids(keeperPid)).as("the keeper").isEqualTo("0 0 0 0");
            assertThat(Files.getOwner(data.resolve("tether.db")).getName()).isEqualTo(server);

            String admin = Files.readString(data.resolve("admin.token")).strip();
            var added = Cli.tether().server(url.toString()).env("TETHER_TOKEN", admin).run("user", "add", "pat" + SUFFIX, "--os-user", linux);
            assertThat(added.exit()).as(added.toString()).isZero();
            var created = Cli.tether().server(url.toString()).env("TETHER_TOKEN", added.out().strip())
                    .run("session", "new", "--", "sh", "-c", "id -un > me.txt");
            assertThat(created.exit()).as(created.toString()).isZero();
            Path me = Path.of("/home", linux, "me.txt");
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(me) && !Files.readString(me).isEmpty());
            assertThat(Files.readString(me)).isEqualTo(linux + "\n");
        } finally {
            if (serve != null) {
                serve.destroyForcibly().waitFor();
            }
            Cli.stopKeeper(data);
            run("userdel", server);
            run("userdel", "-r", linux);
            TestServer.deleteTree(data);
            if (lib != null) {
                TestServer.deleteTree(lib);
            }
        }
    }
}
