package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Nothing a crashed run accepted stays unfinished: the next start completes it with the truth. */
class CrashRecoveryTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private String url;
    private String token;

    /**
     * Reproduction: a disconnect-all over 300 attached sessions, the server killed with
     * {@code kill -9} 20–100 ms after the 202, then started again on the same data directory:
     * {@code GET /requests/ID} answered RUNNING forever (3 of 3 runs), and {@code ?wait=true}
     * answered RUNNING at once. Here a close and a disconnect each have one target that finished
     * before the kill (a program that dies on SIGHUP; a client that answers the close frame) and one
     * that cannot finish in time (a program that ignores SIGHUP and SIGTERM; a client that stopped
     * reading). After the restart both requests are COMPLETED with each target's true outcome, and
     * a RequestCompleted event says so.
     */
    @Test
    void aRequestACrashedRunLeftRunningIsCompletedAtTheNextStartWithEachTargetsTrueOutcome() throws Exception {
        Path dir = ServerFixture.newDataDir();
        Process crashed = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                RestartTest.ServerMain.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        var stubborn = new ArrayList<Long>();
        try (var out = new BufferedReader(new InputStreamReader(crashed.getInputStream(), StandardCharsets.UTF_8))) {
            url = out.readLine();
            assertThat(url).startsWith("http://");
            token = Files.readString(dir.resolve("admin.token")).trim();
            long quits = shell("exec sleep 600");
            long stays = shell("trap '' HUP TERM; while :; do sleep 1; done");
            stubborn.add(call("GET", "/sessions/" + stays, null).get("pid").asLong());
            long answers = shell("exec sleep 600");
            long deaf = shell("exec sleep 600");
            TestTerminal listening = TestTerminal.open(URI.create(url), token, answers, null);
            long listeningConnection = listening.control("connecting").get("connectionId").asLong();
            listening.control("attached");
            TestTerminal notReading = TestTerminal.open(URI.create(url), token, deaf, null, false);
            long deafConnection = notReading.control("connecting").get("connectionId").asLong();
            await().atMost(Duration.ofSeconds(10)).until(() -> call("GET", "/connections/" + deafConnection, null)
                    .get("state").asText().equals("ACTIVATED"));

            long close = call("POST", "/sessions/close", "{\"ids\":[" + quits + "," + stays + "]}").get("id").asLong();
            long disconnect = call("POST", "/sessions/disconnect", "{\"ids\":[" + answers + "," + deaf + "]}").get("id").asLong();
            await().atMost(Duration.ofSeconds(5)).until(() -> call("GET", "/sessions/" + quits, null).get("state").asText().equals("CLOSED")
                    && call("GET", "/connections/" + listeningConnection, null).get("state").asText().equals("DEACTIVATED"));
            assertThat(call("GET", "/requests/" + close, null).get("status").asText()).isEqualTo("RUNNING");
            assertThat(call("GET", "/requests/" + disconnect, null).get("status").asText()).isEqualTo("RUNNING");
            crashed.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // kill -9 while both are under way

            try (var next = new ServerFixture(dir)) {
                long asked = System.nanoTime();
                JsonNode closed = next.get("/requests/" + close + "?wait=true&timeout=30").body();
                assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(5));
                assertThat(closed.get("status").asText()).isEqualTo("COMPLETED");
                assertThat(closed.get("result").asText()).isEqualTo("CANCELLED");
                assertThat(closed.get("targets").get(0).get("status").asText()).isEqualTo("DONE");
                assertThat(closed.get("targets").get(0).get("message").asText())
                        .startsWith("session " + quits + " (admin, sh) logged off (logoff by admin, exit code ");
                assertThat(closed.get("targets").get(1).get("status").asText()).isEqualTo("FAILED");
                assertThat(closed.get("targets").get(1).get("result").asText()).isEqualTo("CANCELLED");
                assertThat(closed.get("targets").get(1).get("message").asText())
                        .isEqualTo("session " + stays + " (admin, sh): server crashed before it finished");

                JsonNode disconnected = next.get("/requests/" + disconnect + "?wait=true").body();
                assertThat(disconnected.get("status").asText()).isEqualTo("COMPLETED");
                assertThat(disconnected.get("targets").findValuesAsText("status")).containsExactly("DONE", "FAILED");
                assertThat(disconnected.get("targets").get(1).get("message").asText())
                        .isEqualTo("session " + deaf + " (admin, sh): server crashed before it finished");

                List<JsonNode> completions = next.events(0).stream()
                        .filter(e -> e.get("type").asText().equals("RequestCompleted")
                                && List.of(close, disconnect).contains(e.get("data").get("requestId").asLong()))
                        .toList();
                assertThat(completions).hasSize(2).allSatisfy(e -> {
                    assertThat(e.get("data").get("result").asText()).isEqualTo("CANCELLED");
                    assertThat(e.get("data").get("done").asLong()).isEqualTo(1);
                    assertThat(e.get("data").get("failed").asLong()).isEqualTo(1);
                });
                JsonNode started = next.events(0).stream().filter(e -> e.get("type").asText().equals("ServerStarted"))
                        .reduce((first, second) -> second).orElseThrow();
                assertThat(started.get("data").get("recoveredRequests").asInt()).isEqualTo(2);
            }
        } finally {
            crashed.destroyForcibly();
            for (long pid : stubborn) { // it ignores the hang-up the crash gave it
                ProcessHandle.of(pid).ifPresent(p -> {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                });
            }
        }
    }

    private long shell(String script) throws IOException, InterruptedException {
        return call("POST", "/sessions", "{\"command\":\"/bin/sh\",\"args\":[\"-c\"," + Json.write(script) + "]}").get("id").asLong();
    }

    private JsonNode call(String method, String path, String json) throws IOException, InterruptedException {
        var r = http.send(HttpRequest.newBuilder(URI.create(url + "/api/v1" + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
                .build(), HttpResponse.BodyHandlers.ofString());
        return Json.MAPPER.readTree(r.body());
    }
}
