package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tether serve}, run as an administrator would. */
class ServeCommandTest {

    @Test
    void serve_withIoThreadsOutsideOneTo256_isRefusedWithExit2_andCreatesNothing(@TempDir Path dir) {
        Path data = dir.resolve("data");
        var result = Cli.tether().run("serve", "--io-threads", "0", "--data-dir", data.toString(), "--listen", "127.0.0.1:0");
        assertThat(result.exit()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).contains("INVALID_PARAMETER: the number of I/O threads 0 is outside 1..256");
        assertThat(data).doesNotExist();
    }

    @Test
    void serve_withSeveralIoThreads_answersEveryConnection_andStopsCleanlyOnTerm(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        Process serve = Cli.tether().processBuilder("serve", "--io-threads", "3", "--data-dir", data.toString(),
                "--listen", "127.0.0.1:0").redirectErrorStream(true).start();
        try {
            var out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
            Pattern listening = Pattern.compile("listening on (http://\\S+) as ");
            URI url = null;
            for (String line; url == null && (line = out.readLine()) != null; ) {
                Matcher m = listening.matcher(line);
                if (m.find()) {
                    url = URI.create(m.group(1));
                }
            }
            assertThat(url).as("the server says where it listens").isNotNull();
            String token = Files.readString(data.resolve("admin.token")).strip();
            var request = HttpRequest.newBuilder(url.resolve("/api/v1/server")).header("Authorization", "Bearer " + token).build();
            for (int i = 0; i < 9; i++) { // a fresh connection each: handed round robin to the three servers
                try (var client = HttpClient.newHttpClient()) {
                    assertThat(client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
                }
            }
            serve.toHandle().destroy(); // SIGTERM
            assertThat(serve.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(serve.exitValue()).isZero();
        } finally {
            serve.destroyForcibly();
            Cli.stopKeeper(data);
        }
    }

    /**
     * No lock on the data directory. Reproduction: {@code tether serve --data-dir D} while another
     * {@code serve} ran on D; the second one started (exit 0 later) and marked the first one's live
     * sessions CLOSED "server crashed". Now it exits 1 with a sentence naming the first server.
     */
    @Test
    void aSecondServeOnTheSameDataDirectory_exitsNonZeroNamingTheFirst_andTheFirstsSessionsAreUntouched(@TempDir Path dir)
            throws Exception {
        Path data = dir.resolve("data");
        Process serve = Cli.tether().processBuilder("serve", "--data-dir", data.toString(), "--listen", "127.0.0.1:0")
                .redirectErrorStream(true).start();
        try {
            URI url = listeningUrl(serve);
            String token = Files.readString(data.resolve("admin.token")).strip();
            var created = Cli.tether().server(url.toString()).token(token).run("session", "new", "--", "sleep", "60");
            assertThat(created.exit()).as(created.toString()).isZero();
            String id = created.out().strip();

            var second = Cli.tether().run("serve", "--data-dir", data.toString(), "--listen", "127.0.0.1:0");

            assertThat(second.exit()).as(second.toString()).isEqualTo(1);
            assertThat(second.errLines()).containsExactly("CONFLICT: the data directory " + data + " is in use by another Tether server (pid "
                    + serve.pid() + ", " + url + "); stop it first, or give this one another --data-dir");
            var session = Cli.tether().server(url.toString()).token(token).run("session", "get", id);
            assertThat(session.out()).as(session.toString()).contains("DISCONNECTED").doesNotContain("crashed");
        } finally {
            serve.destroyForcibly();
            Cli.stopKeeper(data);
            serve.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * A failed start creates nothing. Reproduction: {@code tether serve --listen 127.0.0.1:PORT} with
     * PORT taken exited with CONFLICT but left tether.db, master.key and credentials.keyset in the
     * data directory. Now only the lock's anchor is left, empty.
     */
    @Test
    void serveOnAPortInUse_exitsNonZero_andLeavesNothingButAnEmptyLockFile(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        try (var taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            var result = Cli.tether().run("serve", "--data-dir", data.toString(), "--listen", "127.0.0.1:" + taken.getLocalPort());

            assertThat(result.exit()).as(result.toString()).isEqualTo(1);
            assertThat(result.errLines()).singleElement().asString().startsWith("CONFLICT: cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
        try (var files = Files.list(data)) {
            assertThat(files.map(f -> f.getFileName().toString()).toList()).containsExactly("serve.lock");
        }
        assertThat(Files.size(data.resolve("serve.lock"))).isZero();
    }

    private static URI listeningUrl(Process serve) throws java.io.IOException {
        var out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
        Pattern listening = Pattern.compile("listening on (http://\\S+) as ");
        for (String line; (line = out.readLine()) != null; ) {
            Matcher m = listening.matcher(line);
            if (m.find()) {
                return URI.create(m.group(1));
            }
        }
        throw new AssertionError("serve never said where it listens");
    }
}
