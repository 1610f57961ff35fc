package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A session's life through the REST API and the attach WebSocket, with real programs in real PTYs. */
class SessionLifecycleTest {
    /** Prints "tick N" 20 times a second and keeps the latest N in {@code ticks}, so that its progress shows without a viewer. */
    private static String counter(Path ticks) {
        return "i=0; while :; do i=$((i+1)); echo \"tick $i\"; echo $i > '" + ticks + "'; sleep 0.05; done";
    }

    @RegisterExtension
    static final ServerFixture server = new ServerFixture();

    @Test
    void aNewSessionRunsItsProgramAndIsDisconnectedUntilAClientAttaches() {
        long id = server.shell("echo ready; exec sleep 60");
        JsonNode s = server.get("/sessions/" + id).body();
        assertThat(s.get("state").asText()).isEqualTo("DISCONNECTED");
        assertThat(s.get("stateCode").asInt()).isEqualTo(4);
        assertThat(s.get("user").asText()).isEqualTo("admin");
        assertThat(s.get("connections").asInt()).isZero();
        assertThat(ProcessHandle.of(s.get("pid").asLong())).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
    }

    @Test
    void theEnvironmentCarriesTheSessionIdTheServerAndTheTerminalType() {
        long id = server.shell("echo \"id=$TETHER_SESSION_ID server=$TETHER_SERVER term=$TERM home=$HOME\"; pwd; exec sleep 60");
        TestTerminal t = server.attach(id);
        await().atMost(Duration.ofSeconds(10)).until(() -> t.screen().contains("term="));
        assertThat(t.screen()).contains("id=" + id, "server=" + server.url(), "term=xterm-256color",
                "home=" + System.getenv("HOME"));
        assertThat(t.screen()).contains(System.getenv("HOME") + "\r\n");
    }

    @Test
    void disconnectKeepsTheProgramRunningAndReattachReplaysWhatItWroteMeanwhile() throws Exception {
        Path ticks = Files.createTempFile(server.dataDir, "ticks", ".txt"); // removed with the data directory, after the program
        long id = server.shell(counter(ticks));
        TestTerminal first = server.attach(id);
        JsonNode attached = first.control("attached");
        assertThat(attached.get("sessionId").asLong()).isEqualTo(id);
        await().atMost(Duration.ofSeconds(10)).until(() -> lastTick(first.screen()) >= 3);
        assertThat(server.get("/sessions/" + id).body().get("state").asText()).isEqualTo("ACTIVE");

        var done = server.post("/sessions/" + id + "/disconnect?wait=true", null);
        assertThat(done.status()).isEqualTo(200);
        assertThat(done.body().get("status").asText()).isEqualTo("COMPLETED");
        assertThat(done.body().get("result").asText()).isEqualTo("OK");
        JsonNode closed = first.control("closed");
        assertThat(closed.get("kind").asText()).isEqualTo("disconnected");
        assertThat(closed.get("reason").asText()).isEqualTo("disconnected by admin");
        assertThat(first.closedWith.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1000);
        int atDisconnect = lastTick(first.screen());

        JsonNode s = server.get("/sessions/" + id).body();
        assertThat(s.get("state").asText()).isEqualTo("DISCONNECTED");
        assertThat(ProcessHandle.of(s.get("pid").asLong()).map(ProcessHandle::isAlive)).contains(true);
        // the program keeps counting while nobody watches
        await().atMost(Duration.ofSeconds(10)).until(() -> ticksWritten(ticks) > atDisconnect + 5);

        TestTerminal second = server.attach(id);
        await().atMost(Duration.ofSeconds(10)).until(() -> lastTick(second.screen()) > atDisconnect + 5);
        assertThat(second.screen()).contains("tick " + (atDisconnect + 1) + "\r\n"); // replayed from the ring buffer
        int replayed = lastTick(second.screen());
        await().atMost(Duration.ofSeconds(10)).until(() -> lastTick(second.screen()) > replayed + 3); // and live
    }

    @Test
    void closeLogsTheSessionOffAndItsProcessGroupIsGone() throws Exception {
        long id = server.shell("sleep 1000 & sleep 1000; wait");
        TestTerminal t = server.attach(id);
        t.control("attached");
        long pid = server.get("/sessions/" + id).body().get("pid").asLong();
        var children = ProcessHandle.of(pid).orElseThrow().descendants().toList();
        await().atMost(Duration.ofSeconds(20)).until(() -> ProcessHandle.of(pid).orElseThrow().descendants().count() >= 2);
        children = ProcessHandle.of(pid).orElseThrow().descendants().toList();

        var done = server.post("/sessions/" + id + "/close?wait=true", null);
        assertThat(done.body().get("result").asText()).isEqualTo("OK");
        JsonNode s = server.get("/sessions/" + id).body();
        assertThat(s.get("state").asText()).isEqualTo("CLOSED");
        assertThat(s.get("closeReason").asText()).isEqualTo("logoff by admin");
        assertThat(s.get("closedAt").isNull()).isFalse();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        for (ProcessHandle child : children) {
            await().atMost(Duration.ofSeconds(20)).until(() -> !child.isAlive());
        }
        JsonNode closed = t.control("closed");
        assertThat(closed.get("kind").asText()).isEqualTo("ended");
        assertThat(closed.get("reason").asText()).isEqualTo("logoff by admin");
    }

    @Test
    void closeEscalatesToSigkillWhenTheProgramIgnoresHangupAndTerm() {
        long id = server.shell("trap '' HUP TERM; echo trapped; while :; do sleep 0.1; done");
        TestTerminal t = server.attach(id);
        await().atMost(Duration.ofSeconds(20)).until(() -> t.screen().contains("trapped"));
        var done = server.post("/sessions/" + id + "/close?wait=true", null);
        assertThat(done.body().get("result").asText()).isEqualTo("OK");
        JsonNode s = server.get("/sessions/" + id).body();
        assertThat(s.get("state").asText()).isEqualTo("CLOSED");
        assertThat(s.get("exitCode").asInt()).isEqualTo(128 + 9);
    }

    @Test
    void aProgramThatExitsClosesTheSessionWithItsExitCodeAndTellsTheClients() {
        long id = server.shell("read line; exit 7");
        TestTerminal t = server.attach(id);
        t.control("attached");
        t.type("go\r");
        JsonNode closed = t.control("closed");
        assertThat(closed.get("kind").asText()).isEqualTo("ended");
        assertThat(closed.get("reason").asText()).isEqualTo("program exited");
        assertThat(closed.get("exitCode").asInt()).isEqualTo(7);
        await().atMost(Duration.ofSeconds(20)).until(() -> server.get("/sessions/" + id).body().get("state").asText().equals("CLOSED"));
        JsonNode s = server.get("/sessions/" + id).body();
        assertThat(s.get("exitCode").asInt()).isEqualTo(7);
        assertThat(s.get("closeReason").asText()).isEqualTo("program exited");
        assertThat(server.get("/sessions").body().findValuesAsText("id")).doesNotContain(Long.toString(id));
        assertThat(server.get("/sessions?allStates=true").body().findValuesAsText("id")).contains(Long.toString(id));
    }

    @Test
    void twoClientsSeeTheSameOutputAndEitherCanType() {
        long id = server.shell("exec cat");
        TestTerminal a = server.attach(id);
        TestTerminal b = server.attach(id);
        a.control("attached");
        b.control("attached");
        assertThat(server.get("/sessions/" + id).body().get("connections").asInt()).isEqualTo(2);
        a.type("from-a\r");
        b.type("from-b\r");
        await().atMost(Duration.ofSeconds(20)).until(() -> a.screen().contains("from-b") && b.screen().contains("from-a"));
        a.leave();
        await().atMost(Duration.ofSeconds(20)).until(() -> server.get("/sessions/" + id).body().get("connections").asInt() == 1);
        assertThat(server.get("/sessions/" + id).body().get("state").asText()).isEqualTo("ACTIVE");
        b.leave();
        await().atMost(Duration.ofSeconds(20)).until(() -> server.get("/sessions/" + id).body().get("state").asText().equals("DISCONNECTED"));
    }

    @Test
    void theMostRecentClientsSizeWinsAndOthersAreTold() {
        long id = server.shell("trap 'echo size=$(stty size)' WINCH; while :; do sleep 0.05; done");
        TestTerminal a = TestTerminal.open(server.url(), server.token, id, "cols=100&rows=30");
        assertThat(a.control("attached").get("cols").asInt()).isEqualTo(100);
        await().atMost(Duration.ofSeconds(20)).until(() -> a.screen().contains("size=30 100"));
        TestTerminal b = TestTerminal.open(server.url(), server.token, id, "cols=120&rows=40");
        b.control("attached");
        JsonNode resize = a.control("resize");
        assertThat(resize.get("cols").asInt()).isEqualTo(120);
        assertThat(resize.get("rows").asInt()).isEqualTo(40);
        await().atMost(Duration.ofSeconds(20)).until(() -> b.screen().contains("size=40 120"));
        assertThat(server.get("/sessions/" + id).body().get("cols").asInt()).isEqualTo(120);
        b.sendControl("{\"type\":\"resize\",\"cols\":90,\"rows\":20}");
        await().atMost(Duration.ofSeconds(20)).until(() -> b.screen().contains("size=20 90"));
    }

    static int lastTick(String screen) {
        Matcher m = Pattern.compile("tick (\\d+)").matcher(screen);
        int last = 0;
        while (m.find()) {
            last = Integer.parseInt(m.group(1));
        }
        return last;
    }

    /** The latest N the {@link #counter} program wrote to {@code ticks}; 0 before its first tick, or while the file is being rewritten. */
    private static int ticksWritten(Path ticks) throws java.io.IOException {
        String s = Files.readString(ticks).trim();
        return s.isEmpty() ? 0 : Integer.parseInt(s);
    }
}
