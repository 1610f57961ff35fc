package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every state change is a durable event with an increasing id, streamed live over SSE and resumable. */
class EventsTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();

    @Test
    void everyChangeOfASessionIsAnEventWithAnIncreasingId() {
        long since = server.lastEventId();
        long id = server.shell("exec sleep 60");
        TestTerminal t = server.attach(id);
        t.control("attached");
        server.post("/sessions/" + id + "/close?wait=true", null);
        await().atMost(Duration.ofSeconds(5)).until(() -> ServerFixture.types(server.events(since)).contains("RequestCompleted"));
        List<JsonNode> events = server.events(since);
        assertThat(ServerFixture.types(events)).containsSubsequence("SessionCreated", "SessionStateChanged", "ClientAttached",
                "SessionClosed", "RequestCompleted");
        long previous = since;
        for (JsonNode e : events) {
            assertThat(e.get("id").asLong()).isGreaterThan(previous);
            previous = e.get("id").asLong();
        }
        JsonNode closed = events.stream().filter(e -> e.get("type").asText().equals("SessionClosed")).findFirst().orElseThrow();
        assertThat(closed.get("sessionId").asLong()).isEqualTo(id);
        assertThat(closed.get("data").get("reason").asText()).isEqualTo("logoff by admin");
        JsonNode started = events.stream().filter(e -> e.get("type").asText().equals("SessionStateChanged")).findFirst().orElseThrow();
        assertThat(started.get("data").get("from").asText()).isEqualTo("INIT");
        assertThat(started.get("data").get("to").asText()).isEqualTo("DISCONNECTED");
    }

    @Test
    void theStreamResumesAfterLastEventIdWithNothingLostAndNothingTwice() throws Exception {
        long since = server.lastEventId();
        var received = new CopyOnWriteArrayList<JsonNode>();
        Thread reader = Thread.ofVirtual().start(() -> follow(since, received, 3));
        for (int i = 0; i < 3; i++) {
            server.shell("exit 0");
        }
        reader.join(Duration.ofSeconds(10));
        assertThat(ServerFixture.types(received).stream().filter("SessionCreated"::equals)).hasSize(3);
        long resumeFrom = received.getLast().get("id").asLong(); // the stream dropped here
        for (int i = 0; i < 2; i++) {
            server.shell("exit 0");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> ServerFixture.types(server.events(since)).stream()
                .filter("SessionClosed"::equals).count() == 5);
        List<Long> stitched = new ArrayList<>();
        received.forEach(e -> stitched.add(e.get("id").asLong()));
        server.events(resumeFrom).forEach(e -> stitched.add(e.get("id").asLong()));
        assertThat(stitched).doesNotHaveDuplicates().isSorted();
        assertThat(stitched).isEqualTo(server.events(since).stream().map(e -> e.get("id").asLong()).toList());
    }

    @Test
    void aUserSeesOnlyTheEventsOfItsOwnSessions() {
        String bob = server.addUser("eve", false);
        long adminSession = server.shell("exec sleep 60");
        var bobSession = server.call("POST", "/sessions", "{\"command\":\"/bin/sleep\",\"args\":[\"60\"]}", bob, null);
        long bobId = bobSession.body().get("id").asLong();
        List<JsonNode> seen = server.eventsAs(bob, 0);
        assertThat(seen).isNotEmpty();
        assertThat(seen).allSatisfy(e -> assertThat(e.get("user").asText()).isEqualTo("eve"));
        assertThat(seen.stream().map(e -> e.path("sessionId").asLong()).toList()).contains(bobId).doesNotContain(adminSession);
    }

    /** Reads the live stream until {@code count} SessionCreated events have arrived, keeping every event. */
    private static void follow(long since, List<JsonNode> into, int count) {
        var request = HttpRequest.newBuilder(server.url().resolve("/api/v1/events?since=" + since))
                .header("Authorization", "Bearer " + server.token).build();
        try {
            HttpResponse<java.io.InputStream> r = server.http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (var in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line;
                int created = 0;
                while (created < count && (line = in.readLine()) != null) {
                    if (line.startsWith("data: ")) {
                        JsonNode e = Json.MAPPER.readTree(line.substring(6));
                        into.add(e);
                        if (e.get("type").asText().equals("SessionCreated")) {
                            created++;
                        }
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }




    /**
     * The default an EventSource wants. Reproduction: {@code GET /events} with neither {@code since}
     * nor Last-Event-ID replayed the whole history from event 1, and the stream sent no
     * {@code retry:}. Now it starts at the current last event (only new events follow) and tells the
     * client to reconnect after 2 s; history is asked for with {@code since=0}.
     */
    @Test
    void aStreamWithNeitherSinceNorLastEventIdSendsOnlyNewEvents_andARetryInterval() throws Exception {
        server.shell("exit 0"); // some history that must not be replayed
        long last = server.lastEventId();
        var request = HttpRequest.newBuilder(server.url().resolve("/api/v1/events"))
                .header("Authorization", "Bearer " + server.token).build();
        HttpResponse<java.util.stream.Stream<String>> response = server.http.send(request, HttpResponse.BodyHandlers.ofLines());
        try (var lines = response.body()) {
            var it = lines.iterator();
            var head = new ArrayList<String>();
            java.util.concurrent.CompletableFuture.runAsync(() -> {
                while (it.hasNext() && !head.contains("retry: 2000")) {
                    head.add(it.next());
                }
            }).get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(head).as("the stream's first lines").contains("retry: 2000");

            long created = server.shell("exit 0");
            String data = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                for (String line; it.hasNext(); ) {
                    if ((line = it.next()).startsWith("data: ")) {
                        return line;
                    }
                }
                return "the stream ended";
            }).get(10, java.util.concurrent.TimeUnit.SECONDS);
            JsonNode first = Json.MAPPER.readTree(data.substring("data: ".length()));
            assertThat(first.get("id").asLong()).as("the first event sent").isGreaterThan(last);
            assertThat(first.get("type").asText()).isEqualTo("SessionCreated");
            assertThat(first.get("sessionId").asLong()).isEqualTo(created);
        }
        assertThat(server.events(0)).as("since=0 still gives the whole history").hasSizeGreaterThan(1);
    }
}
