package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every field of every body has one JSON type; anything else is INVALID_PARAMETER naming the field,
 * and nothing is done (issue 8, §2 "loose JSON typing").
 */
class JsonTypingTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();
    static long session;

    @BeforeAll
    static void aSession() {
        session = server.shell("exec sleep 600");
    }

    /** The JSON values of every other type than a field's own. */
    enum Type {
        STRING("true", "false", "1", "1.5", "[]", "{}", "[\"x\"]"),
        BOOL("\" \"", "\"\"", "\"true\"", "1", "0", "[]", "{}", "[true]"),
        INT("\" \"", "\"\"", "\"80\"", "80.5", "true", "[]", "{}", "[80]"),
        IDS("\" \"", "\"\"", "1", "true", "{}", "[null]", "[\"1\"]", "[true]", "[1.5]", "[[1]]", "[\" \"]"),
        STRINGS("\" \"", "\"x\"", "1", "true", "{}", "[null]", "[true]", "[1]", "[[]]"),
        ENV("\" \"", "[]", "1", "true", "{\"A\":null}", "{\"A\":1}", "{\"A\":true}", "{\"A\":[]}"),
        FLAGS("\" \"", "[]", "1", "true", "{\"credsAuthenticated\":\" \"}", "{\"clearCredsOnLastResource\":1}");

        final List<String> wrong;

        Type(String... wrong) {
            this.wrong = List.of(wrong);
        }
    }

    /** A POST route, the body's fields with their types, and a body that is valid apart from the field under test. */
    record Route(String path, Map<String, Type> fields, String validRest) {
    }

    static Map<String, Type> fields(Object... namesAndTypes) {
        var m = new LinkedHashMap<String, Type>();
        for (int i = 0; i < namesAndTypes.length; i += 2) {
            m.put((String) namesAndTypes[i], (Type) namesAndTypes[i + 1]);
        }
        return m;
    }

    static List<Route> routes() {
        String s = "/sessions/" + session;
        return List.of(
                new Route("/login", fields("user", Type.STRING, "password", Type.STRING), "\"user\":\"admin\",\"password\":\"x\""),
                new Route("/sessions", fields("command", Type.STRING, "args", Type.STRINGS, "cols", Type.INT, "rows", Type.INT,
                        "env", Type.ENV), "\"command\":\"/bin/true\""),
                new Route("/sessions/disconnect", fields("ids", Type.IDS, "all", Type.BOOL, "whatIf", Type.BOOL),
                        "\"ids\":[" + session + "]"),
                new Route("/sessions/close", fields("ids", Type.IDS, "all", Type.BOOL, "whatIf", Type.BOOL),
                        "\"ids\":[" + session + "]"),
                new Route("/sessions/lock", fields("ids", Type.IDS, "all", Type.BOOL, "whatIf", Type.BOOL, "message", Type.STRING),
                        "\"ids\":[" + session + "],\"message\":\"m\""),
                new Route("/sessions/unlock", fields("ids", Type.IDS, "all", Type.BOOL, "whatIf", Type.BOOL, "password", Type.STRING),
                        "\"ids\":[" + session + "]"),
                new Route(s + "/lock", fields("message", Type.STRING), ""),
                new Route(s + "/unlock", fields("password", Type.STRING), ""),
                new Route(s + "/message", fields("title", Type.STRING, "text", Type.STRING, "timeoutSeconds", Type.INT,
                        "wait", Type.BOOL), "\"title\":\"t\",\"text\":\"x\""),
                new Route(s + "/virtual-desktop/send-message", fields("title", Type.STRING, "message", Type.STRING),
                        "\"title\":\"t\",\"message\":\"x\""),
                new Route("/tokens", fields("application", Type.STRING), ""),
                new Route("/workspaces", fields("id", Type.STRING, "friendlyName", Type.STRING, "userName", Type.STRING,
                        "password", Type.STRING, "timeoutMinutes", Type.INT, "flags", Type.FLAGS),
                        "\"id\":\"w1\",\"userName\":\"admin\",\"password\":\"p\""),
                new Route("/workspaces/disconnect", fields("friendlyName", Type.STRING), ""),
                new Route("/users/nobody/password", fields("password", Type.STRING), ""),
                new Route("/users", fields("name", Type.STRING, "admin", Type.BOOL), "\"name\":\"typed\""));
    }

    /**
     * Reproduction: {@code {"ids":[N],"whatIf":" "}} answered 202 and disconnected; {@code {"message":true}},
     * {@code {"command":true}} (ran {@code true}), {@code {"application":false}} and {@code "cols":" "} were
     * accepted. Each field now takes its own JSON type only (null counts as absent).
     */
    @Test
    void aFieldOfAnyOtherJsonTypeIsInvalidParameterNamingTheField() throws Exception {
        int sessionsBefore = server.get("/sessions?allStates=true").body().size();
        List<String> wrongs = new ArrayList<>();
        int sent = 0;
        for (Route route : routes()) {
            for (var field : route.fields().entrySet()) {
                for (String value : field.getValue().wrong) {
                    var valid = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree("{" + route.validRest() + "}");
                    valid.remove(field.getKey());
                    String rest = Json.write(valid);
                    String body = rest.substring(0, rest.length() - 1) + (valid.isEmpty() ? "" : ",")
                            + "\"" + field.getKey() + "\":" + value + "}";
                    var r = route.path().equals("/login")
                            ? server.call("POST", route.path(), body, null, null) : server.post(route.path(), body);
                    sent++;
                    String message = r.body().path("message").asText();
                    if (r.status() != 400 || !r.error().equals("INVALID_PARAMETER") || !message.contains("'" + field.getKey())) {
                        wrongs.add(route.path() + " " + body + " -> " + r.status() + " " + r.text());
                    }
                }
            }
        }
        assertThat(sent).isGreaterThan(200);
        assertThat(wrongs).as("answers other than INVALID_PARAMETER naming the field, of " + sent).isEmpty();
        assertThat(server.get("/sessions?allStates=true").body().size()).as("no session was started").isEqualTo(sessionsBefore);
        assertThat(server.get("/sessions/" + session).body().path("locked").asBoolean()).as("nothing was locked").isFalse();
    }

    /** Reproduction: {@code {"ids":[N],"whatIf":" "}} answered 202 and really disconnected the attached client. */
    @Test
    void aBlankWhatIfIsRefusedAndDisconnectsNothing() throws Exception {
        long id = server.shell("exec sleep 600");
        var terminal = server.attach(id);
        terminal.control("attached");
        var r = server.post("/sessions/disconnect", "{\"ids\":[" + id + "],\"whatIf\":\" \"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body().path("message").asText()).isEqualTo("the field 'whatIf' in the disconnect request must be true or false");
        // nothing is disconnected, however long one looks: the client stays attached and the session ACTIVE
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(terminal.closedWith).isNotDone();
            assertThat(server.get("/sessions/" + id).body().path("state").asText()).isEqualTo("ACTIVE");
        });
        terminal.leave();
    }

    /** Reproduction: {@code {"command":true}} answered 201 and ran the program {@code true}. */
    @Test
    void aBooleanCommandRunsNothing() {
        int before = server.get("/sessions?allStates=true").body().size();
        var r = server.post("/sessions", "{\"command\":true}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body().path("message").asText()).isEqualTo("the field 'command' in the new session must be a string");
        assertThat(server.get("/sessions?allStates=true").body().size()).isEqualTo(before);
    }

    /**
     * Reproduction: {@code {"type":"resize","cols":"80","rows":24}} and {@code {"type":true}} got
     * "unknown or malformed control message" without saying which field was wrong.
     */
    @Test
    void aControlMessageFieldOfTheWrongTypeIsAnErrorNamingTheField() {
        long id = server.shell("exec sleep 600");
        var terminal = server.attach(id);
        terminal.control("attached");
        for (String[] c : new String[][] {
                {"{\"type\":\"resize\",\"cols\":\"80\",\"rows\":24}", "cols"},
                {"{\"type\":\"resize\",\"cols\":80,\"rows\":24.5}", "rows"},
                {"{\"type\":\"resize\",\"cols\":80,\"rows\":\" \"}", "rows"},
                {"{\"type\":true}", "type"},
                {"{\"type\":\"ack\",\"messageId\":\"1\"}", "messageId"}}) {
            terminal.sendControl(c[0]);
            var error = terminal.control("error");
            assertThat(error.path("error").asText()).as(c[0]).isEqualTo("INVALID_PARAMETER");
            assertThat(error.path("message").asText()).as(c[0]).contains("'" + c[1] + "'");
        }
        assertThat(terminal.closedWith).isNotDone();
        terminal.leave();
    }
}
