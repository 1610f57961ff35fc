package dev.tether.server;

import static dev.tether.server.FuzzInputs.quote;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Machine-made bad input on the attach WebSocket (issue 9, §4). Control messages that are wrong in
 * any way are answered with an error and change nothing (the window size stays, the connection
 * stays); frames that break RFC 6455 or our limits end the connection cleanly, with the close code the
 * RFC names, and leave nothing behind (no open stream, no connection counted against the address,
 * no ACTIVATED connection); an upgrade with something wrong is refused with a 4xx and makes no
 * connection. Nothing is logged at ERROR.
 */
class AttachFuzzTest {
    /** Few connections per address: one that a closed attach left counted shows within a handful of cases. */
    static final int CAP = 6;

    @RegisterExtension
    static final ServerFixture server = new ServerFixture(ServerConfig.Limits.DEFAULTS.withMaxConnectionsPerAddress(CAP));
    static long session;
    static RawWebSocket control;
    static long controlConnection;
    LogCapture log;

    @BeforeAll
    static void attachOne() throws Exception {
        session = server.shell("stty raw -echo; exec sleep 600");
        control = RawWebSocket.attach(server.url(), server.token, session);
        controlConnection = control.control("connecting").path("connectionId").asLong();
        control.control("attached");
    }

    @AfterAll
    static void detach() throws Exception {
        control.close();
    }

    @BeforeEach
    void capture() {
        log = new LogCapture();
    }

    @AfterEach
    void release() {
        log.close();
    }

    // ------------------------------------------------------------------ control messages

    static final Set<String> KNOWN = Set.of("type", "cols", "rows", "messageId");

    /** A JSON object with these members, in order (no name twice: the last would win and could make it valid). */
    static String object(Map<String, String> members) {
        var parts = new ArrayList<String>();
        members.forEach((k, v) -> parts.add(quote(k) + ":" + v));
        return "{" + String.join(",", parts) + "}";
    }

    static final Gen<String> BAD_SIZE = Gen.choose(Gen.oneOf("0", "-1", "65536", "99999999999", "1e2", "80.5", "\"80\"", "true", "null",
            "[80]", "{}", "\"\"", "9".repeat(1_100)), Gen.longs(-100_000, 0).map(String::valueOf), Gen.longs(65_536, 1L << 40).map(String::valueOf));
    static final Gen<String> GOOD_SIZE = Gen.ints(1, 65535).map(String::valueOf);

    /** Control messages with at least one thing wrong, by construction (each branch names what). */
    static final Gen<String> BAD_CONTROL = Gen.choose(
            // not an object
            FuzzInputs.json(2).suchThat(t -> !t.startsWith("{")),
            Gen.oneOf("", " ", "\t", "\n"),
            // broken JSON
            FuzzInputs.damaged(Gen.oneOf("{\"type\":\"resize\",\"cols\":80,\"rows\":24}", "{\"type\":\"ack\",\"messageId\":1}")).suchThat(t -> {
                try {
                    return Json.MAPPER.readTree(t) == null;
                } catch (java.io.IOException e) {
                    return true;
                }
            }),
            // an unknown member
            r -> {
                var m = new LinkedHashMap<String, String>();
                m.put("type", Gen.oneOf("\"resize\"", "\"ack\"").next(r));
                m.put("cols", "80");
                m.put("rows", "24");
                m.put("messageId", "1");
                m.put(Gen.choose(Gen.oneOf(FuzzInputs.FIELDS), Gen.trickyStrings(8)).suchThat(n -> !KNOWN.contains(n)).next(r), FuzzInputs.SCALAR.next(r));
                return object(m);
            },
            // a type that is missing, not a string, or unknown
            r -> {
                var m = new LinkedHashMap<String, String>();
                String type = Gen.choose(Gen.oneOf("null", "1", "true", "[]", "{}", "[\"resize\"]", "\"Resize\"", "\"resize \"", "\"RESIZE\"",
                        "\"ack\\u0000\"", "\"\\ud800\"", "\"\""), Gen.trickyStrings(8).suchThat(t -> !t.equals("resize") && !t.equals("ack"))
                        .map(FuzzInputs::quote)).next(r);
                if (r.nextInt(4) > 0) {
                    m.put("type", type);
                }
                m.put("cols", "80");
                m.put("rows", "24");
                return object(m);
            },
            // a resize whose size is missing, of a wrong type, or out of 1..65535
            r -> {
                var m = new LinkedHashMap<String, String>();
                m.put("type", "\"resize\"");
                boolean badCols = r.nextBoolean();
                String cols = badCols ? BAD_SIZE.next(r) : GOOD_SIZE.next(r);
                String rows = badCols && r.nextBoolean() ? GOOD_SIZE.next(r) : BAD_SIZE.next(r);
                if (!cols.equals("null") || r.nextBoolean()) {
                    m.put("cols", cols);
                }
                if (!rows.equals("null") || r.nextBoolean()) {
                    m.put("rows", rows);
                }
                return object(m);
            },
            // an ack without a usable messageId
            r -> {
                var m = new LinkedHashMap<String, String>();
                m.put("type", "\"ack\"");
                String id = Gen.oneOf("null", "\"1\"", "1.5", "true", "[]", "{}", "9".repeat(30), "1e3", "\"\"").next(r);
                if (r.nextInt(4) > 0) {
                    m.put("messageId", id);
                }
                return object(m);
            });

    /** Each wrong control message gets an error answer; the window size and the connection stay as they were. */
    @Test
    void everyWrongControlMessageIsAnsweredWithAnErrorAndChangesNothing() throws Exception {
        JsonNode before = server.get("/sessions/" + session).body();
        Fuzz.check("control frames", BAD_CONTROL, text -> {
            control.text(text);
            JsonNode answer = control.control();
            assertThat(answer).as("an answer").isNotNull();
            assertThat(answer.path("type").asText()).as(answer.toString()).isEqualTo("error");
            assertThat(answer.path("error").asText()).as(answer.toString()).isEqualTo("INVALID_PARAMETER");
            assertThat(answer.path("message").asText()).as(answer.toString()).isNotBlank().doesNotContainPattern(RestFuzzTest.INTERNALS);
        }, 250, () -> {
            JsonNode now = server.get("/sessions/" + session).body();
            assertThat(now.path("cols")).isEqualTo(before.path("cols"));
            assertThat(now.path("rows")).isEqualTo(before.path("rows"));
            assertThat(server.get("/connections/" + controlConnection).body().path("state").asText()).isEqualTo("ACTIVATED");
            assertThat(log.errors()).as("ERROR lines in the server's log").isEmpty();
        });
    }

    // ------------------------------------------------------------------ frames and upgrades

    static final int MAX_FRAME = 64 * 1024;
    /**
     * Any close code will do: for a client's close frame with a code RFC 6455 forbids, Vert.x echoes
     * the code (or 1000) rather than answering 1002; the connection still ends cleanly.
     */
    static final int ANY = -1;

    /** Frames to send after a successful attach, the close code they must get, and what is wrong with them. */
    record Frames(String wrong, int code, List<byte[]> writes) {
        @Override
        public String toString() {
            var shown = new StringBuilder(wrong + " (expect " + code + "):");
            for (byte[] w : writes) {
                shown.append(' ').append(w.length > 24 ? w.length + " bytes" : java.util.HexFormat.of().formatHex(w));
            }
            return shown.toString();
        }
    }

    /** One frame as a client would write it (masked unless said), as bytes. */
    static byte[] frame(boolean fin, int rsv, int opcode, byte[] payload, boolean masked) {
        var out = new java.io.ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | (rsv & 7) << 4 | opcode & 0x0f);
        int m = masked ? 0x80 : 0;
        int n = payload.length;
        if (n < 126) {
            out.write(m | n);
        } else if (n < 65536) {
            out.write(m | 126);
            out.write(n >>> 8);
            out.write(n & 0xff);
        } else {
            out.write(m | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) ((long) n >>> shift) & 0xff);
            }
        }
        byte[] mask = {0x1b, 0x2c, 0x3d, 0x4e};
        if (masked) {
            out.writeBytes(mask);
        }
        for (int i = 0; i < n; i++) {
            out.write(masked ? payload[i] ^ mask[i & 3] : payload[i]);
        }
        return out.toByteArray();
    }

    static final Gen<byte[]> SMALL = Gen.bytes(0, 40);
    static final Gen<Integer> DATA = Gen.oneOf(1, 2);

    static byte[] notUtf8(java.util.Random r) {
        byte[] before = Gen.strings(Gen.oneOf("a", "{", "\u00e9", "\u4e2d"), 0, 5).next(r).getBytes(StandardCharsets.UTF_8);
        byte[] bad = FuzzInputs.NOT_UTF8.next(r);
        byte[] out = new byte[before.length + bad.length];
        System.arraycopy(before, 0, out, 0, before.length);
        System.arraycopy(bad, 0, out, before.length, bad.length);
        return out;
    }

    static final Gen<Frames> BAD_FRAMES = Gen.choose(
            r -> new Frames("RSV bits set", 1002, List.of(frame(true, Gen.ints(1, 7).next(r), DATA.next(r), SMALL.next(r), true))),
            r -> new Frames("a reserved opcode", 1002, List.of(frame(r.nextBoolean(), 0, Gen.oneOf(3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf).next(r),
                    SMALL.next(r), true))),
            r -> new Frames("a continuation of nothing", 1002, List.of(frame(r.nextBoolean(), 0, 0, SMALL.next(r), true))),
            r -> new Frames("a new message inside a fragmented one", 1002, List.of(frame(false, 0, DATA.next(r), SMALL.next(r), true),
                    frame(r.nextBoolean(), 0, DATA.next(r), SMALL.next(r), true))),
            r -> new Frames("an unmasked frame", 1002, List.of(frame(true, 0, DATA.next(r), SMALL.next(r), false))),
            r -> new Frames("a fragmented control frame", 1002, List.of(frame(false, 0, Gen.oneOf(8, 9, 10).next(r), SMALL.next(r), true))),
            r -> new Frames("a control frame over 125 bytes", 1002, List.of(frame(true, 0, Gen.oneOf(9, 10).next(r), Gen.bytes(126, 400).next(r), true))),
            r -> new Frames("text that is not UTF-8", 1007, List.of(frame(true, 0, 1, notUtf8(r), true))),
            r -> new Frames("fragmented text that is not UTF-8", 1007, List.of(frame(false, 0, 1, "{\"ty".getBytes(StandardCharsets.UTF_8), true),
                    frame(true, 0, 0, notUtf8(r), true))),
            r -> new Frames("a close frame with a code no one may send", ANY, List.of(frame(true, 0, 8, closeBody(Gen.oneOf(0, 1, 999, 1004, 1005,
                    1006, 1015, 1016, 2000, 2999, 5000, 65535).next(r), "bye"), true))),
            r -> new Frames("a close frame of one byte", ANY, List.of(frame(true, 0, 8, new byte[] {3}, true))),
            r -> new Frames("garbage with an RSV bit", 1002, List.of(garbage(r))),
            r -> r.nextInt(10) == 0
                    ? new Frames("a frame over 64 KiB", 1009, List.of(frame(true, 0, DATA.next(r), new byte[MAX_FRAME + 1 + r.nextInt(100)], true)))
                    : new Frames("a message over 256 KiB", 1009, List.of(frame(false, 0, 2, new byte[MAX_FRAME], true),
                            frame(false, 0, 0, new byte[MAX_FRAME], true), frame(false, 0, 0, new byte[MAX_FRAME], true),
                            frame(false, 0, 0, new byte[MAX_FRAME], true), frame(true, 0, 0, new byte[1 + r.nextInt(100)], true))));

    static byte[] closeBody(int code, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[2 + text.length];
        out[0] = (byte) (code >>> 8);
        out[1] = (byte) code;
        System.arraycopy(text, 0, out, 2, text.length);
        return out;
    }

    static byte[] garbage(java.util.Random r) {
        byte[] b = Gen.bytes(2, 64).next(r);
        b[0] |= (byte) (0x10 << r.nextInt(3));
        b[1] = (byte) (b[1] & 0x80 | r.nextInt(126)); // a short length: the violation, not the size, is what is seen
        return b;
    }

    /** An upgrade to the attach endpoint with one thing wrong, and what. */
    record Upgrade(String wrong, String request) {
        @Override
        public String toString() {
            return wrong + ": " + request.replace(server.token, "<token>").replace("\r\n", "\\r\\n");
        }
    }

    static final Gen<Upgrade> BAD_UPGRADES = r -> {
        String wrong = Gen.oneOf("id", "no such session", "cols", "rows alone", "client", "token", "session header", "escape", "offset")
                .next(r);
        String id = switch (wrong) {
            case "id" -> FuzzInputs.encode(FuzzInputs.BAD_PATH_ID.next(r));
            case "no such session" -> String.valueOf(Gen.longs(session + 1000, 0xFFFF_FFFFL).next(r));
            default -> String.valueOf(session);
        };
        String query = switch (wrong) {
            case "cols" -> "?cols=" + FuzzInputs.encode(FuzzInputs.badInt(1, 65535).next(r)) + "&rows=24";
            case "rows alone" -> "?rows=24";
            case "client" -> "?client=" + "c".repeat(65 + r.nextInt(50));
            case "escape" -> "?client=" + FuzzInputs.BAD_ESCAPE.next(r);
            case "offset" -> "?offset=" + FuzzInputs.encode(r.nextBoolean()
                    ? Gen.oneOf("-1", "x", "1.5", "", "+3", "0x10", " 1", "1e3", "\u0661", "99999999999999999999").next(r)
                    : String.valueOf(Gen.longs(1L << 40, 999_999_999_999_999_999L).next(r))); // beyond any output here
            default -> "";
        };
        String auth = wrong.equals("token") ? Gen.oneOf("", "Authorization: Bearer nope\r\n", "Authorization: Bearer " + server.token + "x\r\n")
                .next(r) : "Authorization: Bearer " + server.token + "\r\n";
        String own = wrong.equals("session header") ? "Tether-Session-Id: " + Gen.oneOf("0", "x", "-1", "4294967296", "1.5").next(r) + "\r\n" : "";
        return new Upgrade(wrong, "GET /api/v1/sessions/" + id + "/attach" + query + " HTTP/1.1\r\nHost: " + server.url().getAuthority()
                + "\r\n" + auth + own + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==");
    };

    static long storedConnections() throws Exception {
        try (var db = DriverManager.getConnection("jdbc:sqlite:" + server.dataDir.resolve("tether.db") + "?open_mode=1");
             var st = db.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM connections")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Frames that break the protocol end the connection with the RFC's close code, and an upgrade with
     * something wrong is refused; afterwards only the control client is connected, no stream is left
     * open, and the next attach from the same address is still let in (the per-address cap is {@value #CAP}).
     */
    @Test
    void badFramesEndTheConnectionCleanlyAndRefusedUpgradesLeaveNoConnection() throws Exception {
        int streams = server.server.openStreams();
        long connectionsBefore = storedConnections();
        var attached = new AtomicInteger();
        Gen<Object> cases = Gen.choose(BAD_FRAMES, BAD_FRAMES, BAD_FRAMES, BAD_UPGRADES);
        Fuzz.check("attach frames", cases, c -> {
            if (c instanceof Upgrade u) {
                try (var wire = new HttpWire(server.url())) {
                    var reply = wire.exchange(u.request(), new byte[0]);
                    assertThat(reply.status()).as(reply.head()).isBetween(400, 499);
                    assertThat(reply.json()).as(reply.head()).isTrue();
                    assertThat(reply.body()).doesNotContainPattern(RestFuzzTest.INTERNALS);
                }
                return;
            }
            var frames = (Frames) c;
            try (var ws = RawWebSocket.attach(server.url(), server.token, session)) {
                attached.incrementAndGet();
                ws.control("connecting");
                ws.control("attached");
                try {
                    for (byte[] w : frames.writes()) {
                        ws.raw(w);
                    }
                } catch (java.net.SocketException closedMeanwhile) {
                    // The server read enough to refuse (a frame's length, say), closed, and the rest of our
                    // write met a closed socket: a clean end, though its close frame may be lost in the reset.
                    assertThat(frames.code()).as("only a write too large to finish meets a closed socket").isEqualTo(1009);
                    return;
                }
                var close = ws.closeFrame();
                assertThat(close).as("a close frame").isNotNull();
                if (frames.code() != ANY) {
                    assertThat(close.closeCode()).as("the close code, reason: " + close.text()).isEqualTo(frames.code());
                }
                try {
                    ws.frame(true, 0, RawWebSocket.CLOSE, closeBody(close.closeCode(), "")); // the closing handshake, as a client completes it
                } catch (java.net.SocketException closedAlready) {
                    // the server did not wait for it
                }
                assertThat(ws.endedByServer()).as("the server closed the socket").isTrue();
            }
        }, 50, () -> {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(server.server.openStreams()).as("open streams").isEqualTo(streams);
                var live = server.get("/connections?state=ACTIVATED").body();
                assertThat(live.findValuesAsText("id")).as("ACTIVATED connections").containsExactly(String.valueOf(controlConnection));
            });
            assertThat(storedConnections()).as("connections made").isEqualTo(connectionsBefore + attached.get());
            assertThat(log.errors()).as("ERROR lines in the server's log").isEmpty();
        });
    }
}
