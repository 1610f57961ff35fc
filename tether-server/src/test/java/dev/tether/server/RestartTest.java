package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The record never claims a session is alive when it is not, and ids are never reused, across restarts too. */
class RestartTest {

    @Test
    void aCleanStopClosesEverySessionWithReasonServerStoppedAndIdsKeepIncreasing() {
        Path dir = ServerFixture.newDataDir();
        long first;
        long pid;
        try (var server = new ServerFixture(dir)) {
            first = server.shell("exec sleep 600");
            server.shell("exec sleep 600");
            pid = server.get("/sessions/" + first).body().get("pid").asLong();
            server.server.close();
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            try (var again = new ServerFixture(dir)) {
                JsonNode old = again.get("/sessions/" + first).body();
                assertThat(old.get("state").asText()).isEqualTo("CLOSED");
                assertThat(old.get("closeReason").asText()).isEqualTo("server stopped");
                long next = again.shell("exit 0");
                assertThat(next).isGreaterThan(first + 1);
                assertThat(ServerFixture.types(again.events(0))).contains("ServerStopped", "ServerStarted");
            }
        }
    }

    @Test
    void afterACrashTheNextStartMarksTheSessionsItLeftBehindClosedWithReasonServerCrashed() throws Exception {
        Path dir = ServerFixture.newDataDir();
        Process crashed = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                RestartTest.ServerMain.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String url;
        try (var out = new BufferedReader(new InputStreamReader(crashed.getInputStream(), StandardCharsets.UTF_8))) {
            url = out.readLine();
            assertThat(url).startsWith("http://");
            String token = java.nio.file.Files.readString(dir.resolve("admin.token")).trim();
            var client = java.net.http.HttpClient.newHttpClient();
            long last = 0;
            for (int i = 0; i < 2; i++) {
                var r = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/api/v1/sessions"))
                        .header("Authorization", "Bearer " + token)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"command\":\"/bin/sleep\",\"args\":[\"600\"]}")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                last = Json.MAPPER.readTree(r.body()).get("id").asLong();
            }
            crashed.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // kill -9: no chance to record anything

            try (var next = new ServerFixture(dir)) {
                List<JsonNode> sessions = List.copyOf(iterable(next.get("/sessions?allStates=true").body()));
                assertThat(sessions).hasSize(2);
                assertThat(sessions).allSatisfy(s -> {
                    assertThat(s.get("state").asText()).isEqualTo("CLOSED");
                    assertThat(s.get("closeReason").asText()).isEqualTo("server crashed");
                });
                assertThat(next.get("/sessions").body()).isEmpty();
                assertThat(next.shell("exit 0")).isGreaterThan(last);
            }
        } finally {
            crashed.destroyForcibly();
        }
    }

    private static List<JsonNode> iterable(JsonNode array) {
        var list = new java.util.ArrayList<JsonNode>();
        array.forEach(list::add);
        return list;
    }

    /** A server in its own JVM, so the test can kill it without warning. Prints its URL. */
    public static final class ServerMain {
        public static void main(String[] args) throws Exception {
            var server = TetherServer.start(ServerConfig.defaults(Path.of(args[0])).withListen("127.0.0.1", 0).withName("crashy"));
            System.out.println(server.url());
            System.out.flush();
            new java.util.concurrent.CountDownLatch(1).await(); // serves until the test kills this JVM
        }
    }
}
