package dev.tether.server;

import static dev.tether.server.FuzzInputs.encode;
import static dev.tether.server.FuzzInputs.quote;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.api.Bodies;
import dev.tether.api.Ids;
import dev.tether.api.NewSession;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Machine-made bad input for the REST API (issue 9, §4): generated ids, JSON bodies, query
 * parameters, headers and URL escapes. Every request has at least one thing wrong with it and gets a
 * clean 4xx (JSON, a sentence, no internals), never a 5xx; and nothing changes: the server's state
 * (sessions, connections, users, workspaces, and in the store tokens, requests and events) is the
 * same after every batch, and nothing is logged at ERROR. The targets are real (a live session with
 * a client attached, a user), so that a request refused after it acted would show.
 */
class RestFuzzTest {
    @RegisterExtension
    static final ServerFixture server = new ServerFixture();
    static final String USER = "fuzz-user";
    static long session;
    static long connection;
    static RawWebSocket attached;
    LogCapture log;
    /**
     * {@link MalformedRequestProbeTest#INTERNALS} but for the backtick, which a generated field name may
     * carry into the sentence that quotes it (Jackson's own messages, which use backticks, also name a
     * class or say "Cannot construct", so they are still caught).
     */
    static final java.util.regex.Pattern INTERNALS = java.util.regex.Pattern.compile(
            MalformedRequestProbeTest.INTERNALS.pattern().replace("|`", ""));

    @BeforeAll
    static void realTargets() throws Exception {
        session = server.shell("stty raw -echo; exec sleep 600");
        attached = RawWebSocket.attach(server.url(), server.token, session);
        connection = attached.control("connecting").path("connectionId").asLong();
        attached.control("attached");
        server.addUser(USER, false);
        assertThat(server.post("/users/" + USER + "/password", "{\"password\":\"fuzz-password-1\"}").status()).isEqualTo(200);
    }

    @AfterAll
    static void detach() throws Exception {
        attached.close();
    }

    @BeforeEach
    void capture() {
        log = new LogCapture();
    }

    @AfterEach
    void release() {
        log.close();
    }

    // ------------------------------------------------------------------ parsers, in process

    /** Ids: what the model of an id (1 to 10 ASCII digits, 1..2^32-1) accepts is parsed to its value; the rest is INVALID_PARAMETER naming the kind. */
    @Test
    void idParsingAcceptsExactlyTheModelsIdsAndRefusesTheRestWithASentence() {
        Gen<String> text = Gen.choose(FuzzInputs.NUMBERISH, Gen.longs(0, 0xFFFF_FFFFL + 1).map(String::valueOf),
                Gen.strings(Gen.oneOf("0", "1", "5", "9", "\u0665", " ", "-"), 0, 12));
        Fuzz.check("ids", text, s -> {
            if (FuzzInputs.validId(s)) {
                assertThat(Ids.parse("session", s)).isEqualTo(Long.parseLong(s));
            } else {
                try {
                    Ids.parse("session", s);
                    throw new AssertionError("'" + s + "' was taken as an id");
                } catch (TetherException e) {
                    assertThat(e.code()).isEqualTo(ResultCode.INVALID_PARAMETER);
                    assertThat(e.getMessage()).contains("is not a session id");
                }
            }
        });
    }

    /** The body types of every route, the control message, and the new session. */
    static final List<Class<?>> BODIES = List.of(Bodies.AddUser.class, Bodies.Batch.class, Bodies.NewToken.class, Bodies.LogOn.class,
            Bodies.Password.class, Bodies.LockMessage.class, Bodies.SendMessage.class, Bodies.LockBatch.class, Bodies.UnlockBatch.class,
            Bodies.StartWorkspaceBody.class, Bodies.FriendlyName.class, NewSession.class, dev.tether.api.ControlMessage.ToServer.class, Bodies.VirtualDesktopMessage.class);

    /** JSON bodies: any text read as any body type gives a value or INVALID_PARAMETER with a sentence, never another exception. */
    @Test
    void anyTextReadAsABodyGivesAValueOrASentenceAndNoOtherException() {
        Gen<String> text = Gen.choose(FuzzInputs.json(3), FuzzInputs.damaged(FuzzInputs.json(3)), FuzzInputs.json(1));
        Gen<Object[]> cases = r -> new Object[] {Gen.oneOf(BODIES).next(r), text.next(r)};
        Fuzz.check("json bodies", cases.map(c -> new Object() {
            final Class<?> type = (Class<?>) c[0];
            final String json = (String) c[1];

            @Override
            public String toString() {
                return type.getSimpleName() + " " + json;
            }
        }), c -> {
            try {
                Json.read(c.json, c.type, "the body");
            } catch (TetherException e) {
                assertThat(e.code()).isEqualTo(ResultCode.INVALID_PARAMETER);
                assertThat(e.getMessage()).isNotBlank().doesNotContainPattern(INTERNALS);
            }
        });
    }

    // ------------------------------------------------------------------ requests, end to end

    enum Field { STRING, BOOL, INT, IDS, STRINGS, ENV, FLAGS }

    enum Param { FLAG, TIMEOUT, SIZE, ID, STATE, SINCE, CLIENT }

    /**
     * What a route's {@code {id}} is: one of the real targets, or a name that names nothing (refused as
     * such; ANY_WORKSPACE is a workspace whose being unknown is an answer, not a mistake).
     */
    enum Target { NONE, SESSION, CONNECTION, REQUEST, WORKSPACE, USER, ANY_WORKSPACE }

    /** A route: its query parameters with their kinds, its body's fields with their types and a body valid for them ({@code null}: none is read). */
    record Route(String method, String path, Target target, Map<String, Param> query, Map<String, Field> fields, String body,
                 boolean authenticated) {
    }

    static <V> Map<String, V> map(Object... namesAndValues) {
        var m = new LinkedHashMap<String, V>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            @SuppressWarnings("unchecked") V v = (V) namesAndValues[i + 1];
            m.put((String) namesAndValues[i], v);
        }
        return m;
    }

    static Route route(String method, String path, Target target, Map<String, Param> query, Map<String, Field> fields, String body) {
        return new Route(method, path, target, query, fields, body, true);
    }

    static List<Route> routes() {
        Map<String, Param> none = Map.of();
        Map<String, Param> waits = map("wait", Param.FLAG);
        Map<String, Field> noFields = Map.of();
        Map<String, Field> selection = map("ids", Field.IDS, "all", Field.BOOL, "whatIf", Field.BOOL);
        return List.of(
                route("GET", "/server", Target.NONE, none, noFields, null),
                route("GET", "/sessions", Target.NONE, map("allStates", Param.FLAG), noFields, null),
                route("POST", "/sessions", Target.NONE, none, map("command", Field.STRING, "args", Field.STRINGS, "cols", Field.INT,
                        "rows", Field.INT, "env", Field.ENV), "{\"command\":\"/bin/sh\",\"args\":[\"-c\",\"exit 0\"]}"),
                route("POST", "/sessions/disconnect", Target.NONE, waits, selection, "{\"ids\":[" + session + "]}"),
                route("POST", "/sessions/close", Target.NONE, waits, selection, "{\"ids\":[" + session + "]}"),
                route("GET", "/sessions/{id}", Target.SESSION, none, noFields, null),
                route("POST", "/sessions/{id}/disconnect", Target.SESSION, waits, noFields, null),
                route("POST", "/sessions/{id}/close", Target.SESSION, waits, noFields, null),
                route("POST", "/sessions/lock", Target.NONE, waits, map("ids", Field.IDS, "all", Field.BOOL, "whatIf", Field.BOOL,
                        "message", Field.STRING), "{\"ids\":[" + session + "],\"message\":\"m\"}"),
                route("POST", "/sessions/unlock", Target.NONE, waits, map("ids", Field.IDS, "all", Field.BOOL, "whatIf", Field.BOOL,
                        "password", Field.STRING), "{\"ids\":[" + session + "]}"),
                route("POST", "/sessions/{id}/lock", Target.SESSION, waits, map("message", Field.STRING), "{\"message\":\"m\"}"),
                route("POST", "/sessions/{id}/unlock", Target.SESSION, waits, map("password", Field.STRING), "{}"),
                route("POST", "/sessions/{id}/message", Target.SESSION, none, map("title", Field.STRING, "text", Field.STRING,
                        "timeoutSeconds", Field.INT, "wait", Field.BOOL), "{\"title\":\"t\",\"text\":\"x\",\"timeoutSeconds\":1}"),
                route("GET", "/sessions/{id}/virtual-desktop", Target.SESSION, none, noFields, null),
                route("POST", "/sessions/{id}/virtual-desktop/send-message", Target.SESSION, none,
                        map("title", Field.STRING, "message", Field.STRING), "{\"title\":\"t\",\"message\":\"m\"}"),
                route("POST", "/sessions/{id}/virtual-desktop/logoff", Target.SESSION, none, noFields, null),
                route("GET", "/sessions/{id}/attach", Target.SESSION, map("cols", Param.SIZE, "rows", Param.SIZE, "client", Param.CLIENT),
                        noFields, null),
                route("GET", "/connections", Target.NONE, map("sessionId", Param.ID, "state", Param.STATE), noFields, null),
                route("GET", "/connections/{id}", Target.CONNECTION, none, noFields, null),
                route("POST", "/connections/{id}/disconnect", Target.CONNECTION, waits, noFields, null),
                route("POST", "/tokens", Target.NONE, none, map("application", Field.STRING), "{\"application\":\"fuzz\"}"),
                route("GET", "/requests/{id}", Target.REQUEST, map("wait", Param.FLAG, "timeout", Param.TIMEOUT), noFields, null),
                route("GET", "/events", Target.NONE, map("since", Param.SINCE), noFields, null),
                route("POST", "/tickets", Target.NONE, none, noFields, null),
                route("POST", "/workspaces", Target.NONE, none, map("id", Field.STRING, "friendlyName", Field.STRING, "userName",
                        Field.STRING, "password", Field.STRING, "timeoutMinutes", Field.INT, "flags", Field.FLAGS),
                        "{\"id\":\"w1\",\"friendlyName\":\"f\",\"userName\":\"u\",\"password\":\"p\"}"),
                route("GET", "/workspaces", Target.NONE, none, noFields, null),
                route("POST", "/workspaces/disconnect", Target.NONE, waits, map("friendlyName", Field.STRING), "{\"friendlyName\":\"f\"}"),
                route("GET", "/workspaces/{id}", Target.WORKSPACE, none, noFields, null),
                route("POST", "/workspaces/{id}/authenticated", Target.WORKSPACE, none, noFields, null),
                route("GET", "/workspaces/{id}/credential", Target.ANY_WORKSPACE, map("countUnauthenticated", Param.FLAG), noFields, null),
                route("POST", "/workspaces/{id}/disconnect", Target.WORKSPACE, waits, noFields, null),
                route("POST", "/users/{id}/password", Target.USER, none, map("password", Field.STRING), "{\"password\":\"fuzz-password-2\"}"),
                route("GET", "/users", Target.NONE, none, noFields, null),
                route("POST", "/users", Target.NONE, none, map("name", Field.STRING, "admin", Field.BOOL), "{\"name\":\"fuzzy\"}"),
                new Route("POST", "/login", Target.NONE, none, map("user", Field.STRING, "password", Field.STRING),
                        "{\"user\":\"" + USER + "\",\"password\":\"fuzz-password-1\"}", false));
    }

    /** One generated request, and what is wrong with it. */
    record Call(String wrong, String method, String target, List<String> headers, byte[] body) {
        String head() {
            return method + " " + target + " HTTP/1.1\r\n" + String.join("\r\n", headers);
        }

        @Override
        public String toString() {
            return (wrong + ": " + method + " " + target + " " + headers.stream().filter(h -> !h.startsWith("Host:")).toList() + " "
                    + new String(body, StandardCharsets.ISO_8859_1)).replace(server.token, "<token>");
        }
    }

    /** Values of another JSON type than {@code field}'s own, or text a string may not hold. */
    static Gen<String> wrongFor(Field field) {
        Gen<String> strings = Gen.oneOf("\"\"", "\" \"", "\"x\"", "\"1\"", "\"true\"");
        return switch (field) {
            case STRING -> Gen.choose(Gen.oneOf("true", "false", "1", "1.5", "[]", "{}", "[\"x\"]", "\"\\u0000\"", "\"a\\ud800\"",
                    "\"\\udfff\"", "\"\\u0000x\""), Gen.longs(-10, 10).map(String::valueOf));
            case BOOL -> Gen.choose(strings, Gen.oneOf("1", "0", "[]", "{}", "[true]", "1.5"));
            case INT -> Gen.choose(strings, Gen.oneOf("80.5", "true", "[]", "{}", "[80]", "1e3", "9".repeat(30), "-" + "9".repeat(30)));
            case IDS -> Gen.choose(strings, Gen.oneOf("1", "true", "{}", "[null]", "[\"1\"]", "[true]", "[1.5]", "[[1]]", "[\" \"]",
                    "[" + "9".repeat(30) + "]"));
            case STRINGS -> Gen.choose(strings, Gen.oneOf("1", "true", "{}", "[null]", "[true]", "[1]", "[[]]", "[\"\\u0000\"]", "[\"\\ud800\"]"));
            case ENV -> Gen.oneOf("\" \"", "[]", "1", "true", "{\"A\":null}", "{\"A\":1}", "{\"A\":true}", "{\"A\":[]}", "{\"\\ud800\":\"x\"}",
                    "{\"A\":\"\\u0000\"}");
            case FLAGS -> Gen.oneOf("\" \"", "[]", "1", "true", "{\"credsAuthenticated\":\" \"}", "{\"clearCredsOnLastResource\":1}",
                    "{\"other\":true}");
        };
    }

    /** {@code body} with {@code field} set to {@code value} (added when absent). */
    static String withField(String body, String field, String value) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        var out = new StringBuilder("{").append(quote(field)).append(':').append(value);
        node.properties().forEach(e -> {
            if (!e.getKey().equals(field)) {
                out.append(',').append(quote(e.getKey())).append(':').append(e.getValue().toString());
            }
        });
        return out.append('}').toString();
    }

    /** A bad body for {@code route}: a field of a wrong type, an unknown field, no object, broken JSON, too deep, or bytes that are not UTF-8. */
    static Gen<byte[]> badBody(Route route) {
        List<String> fields = new ArrayList<>(route.fields().keySet());
        Gen<String> wrongField = r -> {
            String f = fields.get(r.nextInt(fields.size()));
            return withField(route.body(), f, wrongFor(route.fields().get(f)).next(r));
        };
        Gen<String> unknownField = r -> withField(route.body(), Gen.choose(Gen.oneOf(FuzzInputs.FIELDS), Gen.trickyStrings(8))
                .suchThat(n -> !route.fields().containsKey(n)).next(r), FuzzInputs.SCALAR.next(r));
        Gen<String> notAnObject = Gen.oneOf("null", "[]", "[{}]", "1", "true", "\"{}\"", "[" + route.body() + "]");
        Gen<String> broken = FuzzInputs.damaged(Gen.constant(route.body())).suchThat(t -> {
            try {
                Json.MAPPER.readTree(t);
                return false; // still JSON: not broken
            } catch (java.io.IOException e) {
                return true;
            }
        });
        Gen<String> deep = Gen.ints(1_001, 3_000).map(n -> route.body().replaceFirst("\\{", "{\"" + fields.getFirst() + "\":"
                + "[".repeat(n) + "]".repeat(n) + ","));
        Gen<byte[]> text = Gen.<String>choose(wrongField, unknownField, notAnObject, broken, deep).map(t -> t.getBytes(StandardCharsets.UTF_8));
        Gen<byte[]> notUtf8 = r -> {
            byte[] body = route.body().getBytes(StandardCharsets.UTF_8);
            byte[] bad = FuzzInputs.NOT_UTF8.next(r);
            int at = r.nextInt(body.length + 1);
            var out = new ByteArrayOutputStream();
            out.write(body, 0, at);
            out.writeBytes(bad);
            out.write(body, at, body.length - at);
            return out.toByteArray();
        };
        return Gen.choose(text, text, text, notUtf8);
    }

    /** Valid values of each kind of query parameter (which do nothing harmful should the request be taken). */
    static String validValue(Param p, Random r) {
        return switch (p) {
            case FLAG -> Gen.oneOf("true", "false", "").next(r);
            case TIMEOUT -> Gen.oneOf("0", "1").next(r);
            case SIZE -> Gen.oneOf("80", "24", "1", "65535").next(r);
            case ID -> String.valueOf(session);
            case STATE -> Gen.oneOf("ACTIVATED", "deactivated", "1", "4").next(r);
            case SINCE -> Gen.oneOf("0", "1").next(r);
            case CLIENT -> "fuzz";
        };
    }

    static Gen<String> badValue(Param p) {
        return switch (p) {
            case FLAG -> FuzzInputs.BAD_FLAG;
            case TIMEOUT -> FuzzInputs.badInt(0, 300);
            case SIZE -> FuzzInputs.badInt(1, 65535);
            case ID -> FuzzInputs.BAD_ID.suchThat(s -> !s.isEmpty());
            case STATE -> FuzzInputs.BAD_STATE.suchThat(s -> !s.isEmpty());
            case SINCE -> FuzzInputs.BAD_SINCE;
            case CLIENT -> Gen.ints(65, 200).map("c"::repeat);
        };
    }

    /** A request to a random route with one thing (or more) wrong: an id, a query parameter, the body, a header, the token, an escape. */
    static Gen<Call> calls(List<Route> routes) {
        return r -> {
            Route route = routes.get(r.nextInt(routes.size()));
            List<String> wrongs = new ArrayList<>();
            switch (route.target()) {
                case SESSION, CONNECTION, REQUEST -> wrongs.add("id");
                case WORKSPACE, USER -> wrongs.add("unknown name");
                case NONE, ANY_WORKSPACE -> { }
            }
            route.query().keySet().forEach(q -> wrongs.add("query " + q));
            if (route.body() != null) {
                wrongs.add("body");
                wrongs.add("body");
            }
            if (route.authenticated()) {
                wrongs.add("session header");
                wrongs.add("token");
            }
            wrongs.add("escape");
            if (route.query().containsKey("cols")) {
                wrongs.add("cols alone");
            }
            String wrong = wrongs.get(r.nextInt(wrongs.size()));

            String id = switch (route.target()) {
                case SESSION -> String.valueOf(session);
                case CONNECTION -> String.valueOf(connection);
                case REQUEST -> "1";
                case WORKSPACE, ANY_WORKSPACE -> "no-such-" + encode(Gen.trickyStrings(6).next(r));
                case USER -> wrong.equals("unknown name") ? "nobody-" + encode(Gen.trickyStrings(6).next(r)) : USER;
                case NONE -> "";
            };
            if (wrong.equals("id")) {
                id = encode(FuzzInputs.BAD_PATH_ID.next(r));
            }
            var query = new ArrayList<String>();
            for (var q : route.query().entrySet()) {
                boolean bad = wrong.equals("query " + q.getKey());
                if (bad) {
                    query.add(q.getKey() + "=" + encode(badValue(q.getValue()).next(r)));
                } else if (wrong.equals("cols alone") ? q.getKey().equals("cols") : r.nextBoolean()) {
                    if (!wrong.equals("cols alone") || !q.getKey().equals("rows")) {
                        query.add(q.getKey() + "=" + encode(validValue(q.getValue(), r)));
                    }
                }
            }
            if (wrong.equals("cols alone")) {
                query.removeIf(q -> q.startsWith("rows="));
            }
            if (route.path().equals("/events")) {
                query.add("follow=false"); // should a defect let it through, the stream ends
            }
            String path = "/api/v1" + route.path().replace("{id}", id);
            if (wrong.equals("escape")) {
                String escape = FuzzInputs.BAD_ESCAPE.next(r);
                if (r.nextBoolean()) {
                    path = path + escape;
                } else {
                    query.add(r.nextBoolean() ? "x=" + escape : escape + "=1");
                }
            }
            String target = path + (query.isEmpty() ? "" : "?" + String.join("&", query));

            var headers = new ArrayList<String>();
            headers.add("Host: " + server.url().getAuthority());
            if (route.authenticated()) {
                if (wrong.equals("token")) {
                    String header = Gen.oneOf("", "Bearer", "Bearer ", "Bearer nope", "Bearer " + server.token.substring(1),
                            "Bearer " + server.token + "x", "Basic YTpi", "Token " + server.token, "Bearer" + server.token).next(r);
                    if (!header.isEmpty()) {
                        headers.add("Authorization: " + header);
                    }
                } else {
                    headers.add("Authorization: Bearer " + server.token);
                }
            }
            if (wrong.equals("session header")) {
                headers.add("Tether-Session-Id: " + FuzzInputs.BAD_ID.suchThat(s -> !s.isBlank() && !FuzzInputs.validId(s.trim())
                        && s.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)).next(r));
            }
            headers.add("Content-Type: application/json");
            byte[] body = route.body() == null ? new byte[0]
                    : wrong.equals("body") ? badBody(route).next(r) : route.body().getBytes(StandardCharsets.UTF_8);
            return new Call(wrong, route.method(), target, headers, body);
        };
    }

    /** What must not change: the API's view of sessions, connections, users and workspaces, and the store's tables. */
    static String state() throws Exception {
        var out = new StringBuilder();
        for (String path : List.of("/sessions?allStates=true", "/connections", "/users", "/workspaces")) {
            var a = server.get(path);
            assertThat(a.status()).as(path).isEqualTo(200);
            out.append(path).append(' ').append(a.text()).append('\n');
        }
        try (var db = DriverManager.getConnection("jdbc:sqlite:" + server.dataDir.resolve("tether.db") + "?open_mode=1");
             var st = db.createStatement()) {
            for (String table : List.of("users", "tokens", "sessions", "connections", "requests", "events", "workspaces", "credentials")) {
                try (var rs = st.executeQuery("SELECT count(*) FROM " + table)) {
                    rs.next();
                    out.append(table).append(' ').append(rs.getLong(1)).append('\n');
                }
            }
        }
        return out.toString();
    }

    /**
     * Requests with something wrong get a clean 4xx and change nothing. Checked after every 250 cases:
     * the state is what it was, and no ERROR line was logged.
     */
    @Test
    void everyRequestWithSomethingWrongGetsACleanClientErrorAndChangesNothing() throws Exception {
        String before = state();
        try (var wire = new HttpWire(server.url())) {
            Fuzz.check("rest requests", calls(routes()), call -> {
                var reply = wire.exchange(call.head(), call.body());
                assertThat(reply.status()).as("the status of " + reply.head() + reply.body()).isBetween(400, 499);
                assertThat(reply.json()).as("a JSON answer: " + reply.head()).isTrue();
                JsonNode body = Json.MAPPER.readTree(reply.body());
                assertThat(body.path("error").asText()).as(reply.body()).isNotBlank().isNotEqualTo("INTERNAL");
                assertThat(body.path("message").asText()).as(reply.body()).isNotBlank()
                        .doesNotContainPattern(INTERNALS);
            }, 250, () -> {
                assertThat(state()).as("the server's state").isEqualTo(before);
                assertThat(log.errors()).as("ERROR lines in the server's log").isEmpty();
            });
        }
    }
}
