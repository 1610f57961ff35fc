package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.api.NewSession;
import dev.tether.api.SessionInfo;
import dev.tether.api.SessionState;
import dev.tether.client.TetherClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code tether session new|list|get}, {@code sessions}, {@code request}, {@code events}, {@code user}, and errors, run as a user would. */
class SessionCommandsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestServer server;
    static TetherClient sdk;

    @BeforeAll
    static void start() {
        server = new TestServer("cli-test");
        sdk = server.client();
    }

    @AfterAll
    static void stop() {
        sdk.close();
        server.close();
    }

    static Cli tether() {
        return Cli.against(server);
    }

    static long sleeper() {
        return sdk.sessions().create(NewSession.of("sleep", "60")).id();
    }

    @Test
    void sessionNew_printsTheIdOfARunningSession() {
        var result = tether().run("session", "new", "--", "sleep", "60");

        assertThat(result.exit()).as(result.toString()).isZero();
        long id = Long.parseLong(result.out().strip());
        SessionInfo s = sdk.sessions().get(id);
        assertThat(s.state()).isEqualTo(SessionState.DISCONNECTED);
        assertThat(s.argv()).containsExactly("sleep", "60");
        assertThat(result.err()).isEmpty();
    }

    @Test
    void sessionNew_takesTheWindowSizeAndExtraEnvironment() {
        var created = tether().run("session", "new", "--cols", "100", "--rows", "30", "--env", "GREETING=hi",
                "--", "sh", "-c", "echo $GREETING-there; sleep 60");
        long id = Long.parseLong(created.out().strip());

        SessionInfo s = sdk.sessions().get(id);
        assertThat(s.cols()).isEqualTo(100);
        assertThat(s.rows()).isEqualTo(30);
        // Attached from a pipe: the replay is printed, and the end of input detaches.
        await().untilAsserted(() -> assertThat(tether().run("session", "attach", Long.toString(id)).out()).contains("hi-there"));
    }

    @Test
    void sessionList_isATableLikeQwinsta_markingTheCallersOwnSession() {
        long own = sleeper();
        long other = sleeper();

        var result = tether().env("TETHER_SESSION_ID", Long.toString(own)).run("session", "list");

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.outLines().getFirst().split("\\s+")).containsSubsequence("ID", "USER", "STATE", "CLIENTS", "COMMAND", "CREATED");
        assertThat(result.outLines()).anySatisfy(line -> assertThat(line).startsWith(">" + own + " ").contains("admin", "DISCONNECTED", "sleep 60"));
        assertThat(result.outLines()).anySatisfy(line -> assertThat(line).startsWith(" " + other + " "));
    }

    @Test
    void sessions_isAnAliasOfSessionList() {
        long id = sleeper();

        var result = tether().run("sessions");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).contains(" " + id + " ");
    }

    @Test
    void sessionList_json_isAnArrayOfSessionObjects() throws Exception {
        long id = sleeper();

        var result = tether().run("session", "list", "--json");

        JsonNode array = JSON.readTree(result.out());
        assertThat(array.isArray()).isTrue();
        JsonNode mine = null;
        for (JsonNode node : array) {
            if (node.get("id").asLong() == id) {
                mine = node;
            }
        }
        assertThat(mine).isNotNull();
        assertThat(mine.get("state").asText()).isEqualTo("DISCONNECTED");
        assertThat(mine.get("stateCode").asInt()).isEqualTo(4);
        assertThat(mine.get("user").asText()).isEqualTo("admin");
        assertThat(mine.get("command").asText()).isEqualTo("sleep 60");
        assertThat(mine.get("connections").asInt()).isZero();
        assertThat(mine.get("locked").asBoolean()).isFalse();
        assertThat(mine.get("createdAt").asText()).isNotBlank();
        assertThat(mine.has("exitCode")).isTrue();
        assertThat(mine.has("closeReason")).isTrue();
    }

    @Test
    void sessionList_allStates_includesClosedSessions() {
        long id = sleeper();
        sdk.sessions().closeAsync(id).await();

        assertThat(tether().run("session", "list").out()).doesNotContain(" " + id + " ");
        assertThat(tether().run("session", "list", "--all-states").outLines())
                .anySatisfy(line -> assertThat(line).startsWith(" " + id + " ").contains("CLOSED"));
    }

    @Test
    void sessionGet_showsOneSession_andJsonShowsTheObject() throws Exception {
        long id = sleeper();

        var text = tether().run("session", "get", Long.toString(id));
        var json = tether().run("session", "get", Long.toString(id), "--json");

        assertThat(text.exit()).isZero();
        assertThat(text.out()).contains("state", "DISCONNECTED (4)", "sleep 60", "cli-test");
        assertThat(JSON.readTree(json.out()).get("id").asLong()).isEqualTo(id);
    }

    @Test
    void getWmsSession_unknownId_isNotFound_oneLineOnStderr_exitOne() {
        var result = tether().run("session", "get", "4000000000");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.errLines()).containsExactly("NOT_FOUND: no session 4000000000 on cli-test");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void badIds_areInvalidParameter_beforeAnyCall_exitTwo() {
        // Nothing listens there: INVALID_PARAMETER (not SERVER_UNREACHABLE) proves no call was made.
        var nowhere = Cli.tether().server("http://127.0.0.1:" + TestServer.freePort()).token("t");
        for (String[] args : new String[][] {{"session", "get", "abc"}, {"session", "get", "4294967296"},
            {"session", "close", "0"}, {"session", "disconnect", "1", "-5"}, {"request", "wait", "x"}}) {
            var result = nowhere.run(args);
            assertThat(result.exit()).as(result.toString()).isEqualTo(2);
            assertThat(result.errLines()).as(result.toString()).singleElement().asString().startsWith("INVALID_PARAMETER: ");
        }
        assertThat(nowhere.run("session", "get", "4294967296").err())
                .isEqualTo("INVALID_PARAMETER: 4294967296 is not a session id: ids are whole numbers from 1 to 4294967295\n");
    }

    @Test
    void aServerThatIsDown_isServerUnreachable_exitThree() {
        int port = TestServer.freePort();

        var result = Cli.tether().server("http://127.0.0.1:" + port).token("t").run("sessions");

        assertThat(result.exit()).isEqualTo(3);
        assertThat(result.errLines()).containsExactly(
                "SERVER_UNREACHABLE: cannot reach Tether at http://127.0.0.1:" + port + ": connection refused");
    }

    @Test
    void usageErrors_areOneLine_exitTwo() {
        var result = tether().run("session", "frobnicate");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.errLines()).singleElement().asString().startsWith("INVALID_PARAMETER: ").contains("frobnicate");
    }

    @Test
    void theTokenComesFromTheOptionTheEnvironmentOrTheDefaultDataDirectory() throws Exception {
        String url = server.url().toString();
        assertThat(Cli.tether().server(url).run("--token", server.token(), "sessions").exit()).isZero();
        assertThat(Cli.tether().server(url).token(server.token()).run("sessions").exit()).isZero();

        Path xdg = Files.createTempDirectory("tether-xdg");
        Files.createDirectories(xdg.resolve("tether"));
        Files.writeString(xdg.resolve("tether/admin.token"), server.token() + "\n");
        try {
            assertThat(Cli.tether().server(url).env("XDG_DATA_HOME", xdg.toString()).run("sessions").exit()).isZero();
        } finally {
            TestServer.deleteTree(xdg);
        }

        var none = Cli.tether().server(url).run("sessions");
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.errLines()).singleElement().asString().startsWith("UNAUTHENTICATED: no token");
        var wrong = Cli.tether().server(url).token("tth_wrong").run("sessions");
        assertThat(wrong.errLines()).singleElement().asString().startsWith("UNAUTHENTICATED: ");
    }

    @Test
    void userAdd_printsAWorkingToken_andUserListShowsTheUser() throws Exception {
        var added = tether().run("user", "add", "gina");

        assertThat(added.exit()).as(added.toString()).isZero();
        String token = added.out().strip();
        assertThat(token).isNotBlank().doesNotContain(" ");
        assertThat(Cli.tether().server(server.url().toString()).token(token).run("sessions").exit()).isZero();
        var list = tether().run("user", "list");
        assertThat(list.outLines().getFirst().split("\\s+")).containsExactly("ID", "NAME", "ADMIN", "ACCOUNT", "CREATED");
        assertThat(list.outLines()).anySatisfy(line -> assertThat(line.split("\\s+")).contains("gina", "no"));
        assertThat(JSON.readTree(tether().run("user", "list", "--json").out()).findValuesAsText("name")).contains("admin", "gina");
        var again = tether().run("user", "add", "gina");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.errLines()).singleElement().asString().startsWith("CONFLICT: ");
    }

    @Test
    void aUserCannotSeeAnotherUsersSession() {
        long adminSession = sleeper();
        String token = tether().run("user", "add", "hank").out().strip();
        var hank = Cli.tether().server(server.url().toString()).token(token);

        var get = hank.run("session", "get", Long.toString(adminSession));
        var list = hank.run("sessions");

        assertThat(get.exit()).isEqualTo(1);
        assertThat(get.errLines()).containsExactly("NOT_FOUND: no session " + adminSession + " on cli-test");
        assertThat(list.out()).doesNotContain(" " + adminSession + " ");
        var users = hank.run("user", "list");
        assertThat(users.exit()).isEqualTo(1);
        assertThat(users.errLines()).singleElement().asString().startsWith("ACCESS_DENIED: ");
    }

    @Test
    void eventsSince_printsOneLinePerEvent_andJsonOneObjectPerLine() throws Exception {
        long id = sleeper();
        var all = tether().run("events");
        long since = all.outLines().stream().mapToLong(line -> Long.parseLong(line.split("\\s+")[0])).max().orElseThrow() - 3;

        var recent = tether().run("events", "--since", Long.toString(since));
        var json = tether().run("events", "--since", Long.toString(since), "--json");

        assertThat(all.exit()).isZero();
        assertThat(all.outLines()).anySatisfy(line -> assertThat(line).contains("SessionCreated", "session " + id, "admin"));
        assertThat(recent.outLines()).isNotEmpty()
                .allSatisfy(line -> assertThat(Long.parseLong(line.split("\\s+")[0])).isGreaterThan(since));
        assertThat(Long.parseLong(recent.outLines().getFirst().split("\\s+")[0])).isEqualTo(since + 1);
        assertThat(json.outLines()).isNotEmpty();
        for (String line : json.outLines()) {
            JsonNode event = JSON.readTree(line);
            assertThat(event.get("id").asLong()).isGreaterThan(since);
            assertThat(event.get("type").asText()).isNotBlank();
        }
    }

    @Test
    void eventsFollow_printsNewEventsAsTheyHappen() throws Exception {
        Process process = tether().processBuilder("events", "--follow", "--since", "0").start();
        try {
            var lines = new LinkedBlockingQueue<String>();
            Thread.ofVirtual().start(() -> {
                try (var reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    reader.lines().forEach(lines::add);
                } catch (java.io.IOException e) {
                    // the process was stopped
                }
            });
            // following: it has printed the stored events (there is at least ServerStarted), so the next one comes live
            await().atMost(Duration.ofSeconds(30)).until(() -> !lines.isEmpty());
            long id = sleeper();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            boolean seen = false;
            while (!seen && System.nanoTime() < deadline) {
                String line = lines.poll(1, TimeUnit.SECONDS);
                seen = line != null && line.contains("SessionCreated") && line.contains("session " + id + " ");
            }
            assertThat(seen).as("events --follow printed the new session's SessionCreated").isTrue();
            assertThat(process.isAlive()).isTrue();
        } finally {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void requestGet_showsTheRequestAndEachTarget() {
        long id = sleeper();
        long request = sdk.sessions().close(dev.tether.api.Selection.of(id)).id();
        sdk.requests().await(request);

        var result = tether().run("request", "get", Long.toString(request));

        assertThat(result.exit()).isZero();
        assertThat(result.outLines().getFirst()).startsWith("request " + request + ": close by admin, COMPLETED, result OK");
        assertThat(result.outLines()).anySatisfy(line -> assertThat(line).contains("session " + id + " (admin, sleep) logged off"));
        var unknown = tether().run("request", "get", "4000000000");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.errLines()).singleElement().asString().startsWith("NOT_FOUND: ");
    }
}
