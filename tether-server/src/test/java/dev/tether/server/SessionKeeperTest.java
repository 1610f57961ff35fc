package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tether.pty.Keeper;
import dev.tether.pty.KeeperProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Sessions outlive the server: real servers (in this JVM, or in a child JVM to be killed with
 * {@code kill -9}) over a real keeper process, real programs, real sockets.
 */
class SessionKeeperTest {
    /** Prints 0, 1, 2, … one number a line, every 20 ms, forever. */
    static final String COUNTER = "i=0; while :; do echo n$i; i=$((i+1)); sleep 0.02; done";

    final Path dir = ServerFixture.newDataDir();
    final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stopKeeper() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
        try {
            Keeper.stopRunning(dir.resolve(TetherServer.RUNTIME)); // every program it kept goes with it
        } catch (IOException noKeeper) {
            // nothing to stop
        }
        ServerFixture.delete(dir);
    }

    /** A server with a keeper on {@link #dir}; stopped (not the directory removed) after the test. */
    ServerFixture server() {
        var server = ServerFixture.withKeeper(dir);
        cleanup.add(server.server);
        return server;
    }

    /** The keeper's log, for a failure's message. */
    String keeperLog() {
        try {
            return Files.readString(dir.resolve(TetherServer.RUNTIME).resolve(KeeperProcess.LOG));
        } catch (IOException e) {
            return "(no keeper log: " + e + ")";
        }
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** The numbers of the counter in {@code text}, in order. */
    static List<Integer> numbers(String text) {
        var numbers = new ArrayList<Integer>();
        Matcher m = Pattern.compile("n(\\d+)\\r?\\n").matcher(text);
        while (m.find()) {
            numbers.add(Integer.parseInt(m.group(1)));
        }
        return numbers;
    }

    static void assertContiguousFromZero(List<Integer> numbers) {
        assertThat(numbers).isNotEmpty();
        for (int i = 0; i < numbers.size(); i++) {
            assertThat(numbers.get(i)).as("number %d of %s", i, numbers.size()).isEqualTo(i);
        }
    }

    @Test
    void aStoppedServerLeavesItsSessionsRunning_andTheNextAdoptsThem_withTheirIdOwnerSizeAndOutput() {
        long id;
        long pid;
        long lastSeen;
        {
            var first = ServerFixture.withKeeper(dir);
            id = first.post("/sessions", "{\"command\":\"/bin/sh\",\"args\":[\"-c\"," + Json.write(COUNTER) + "],\"cols\":100,\"rows\":30}")
                    .body().get("id").asLong();
            pid = first.get("/sessions/" + id).body().get("pid").asLong();
            var client = TestTerminal.open(first.server.url(), first.token, id, "");
            await().atMost(Duration.ofSeconds(10)).until(() -> numbers(client.screen()).size() > 5);
            first.server.close();
            assertThat(client.closedWith.join()).isEqualTo(1012); // service restart: reconnect
            assertThat(client.control("closed").get("kind").asText()).isEqualTo("restarting");
            lastSeen = numbers(client.screen()).getLast();
        }
        assertThat(alive(pid)).isTrue();

        var next = server();
        JsonNode s = next.get("/sessions/" + id).body();
        assertThat(s.get("state").asText()).isEqualTo("DISCONNECTED");
        assertThat(s.get("pid").asLong()).isEqualTo(pid);
        assertThat(s.get("user").asText()).isEqualTo("admin");
        assertThat(s.get("cols").asInt()).isEqualTo(100);
        assertThat(s.get("rows").asInt()).isEqualTo(30);
        var events = next.events(0);
        assertThat(events).filteredOn(e -> e.get("type").asText().equals("SessionRecovered"))
                .singleElement().satisfies(e -> assertThat(e.get("sessionId").asLong()).isEqualTo(id));
        assertThat(events).filteredOn(e -> e.get("type").asText().equals("ServerStopped")).last()
                .satisfies(e -> assertThat(e.get("data").get("keptSessions").asInt()).isEqualTo(1));

        var again = TestTerminal.open(next.server.url(), next.token, id, "");
        // The ring kept everything: what was printed while no server ran is replayed, nothing lost.
        await().atMost(Duration.ofSeconds(10)).until(() -> numbers(again.screen()).size() > lastSeen + 20);
        assertContiguousFromZero(numbers(again.screen()));
    }

    @Test
    void aSessionSurvivesKillMinus9OfTheServer_andTheNextServerAdoptsItWithNothingLost() throws Exception {
        Process crashed = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                KeeperServerMain.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        cleanup.add(crashed::destroyForcibly);
        long id;
        long pid;
        try (var out = new BufferedReader(new InputStreamReader(crashed.getInputStream(), StandardCharsets.UTF_8))) {
            String url = out.readLine();
            String token = Files.readString(dir.resolve("admin.token")).strip();
            var http = java.net.http.HttpClient.newHttpClient();
            var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/api/v1/sessions"))
                    .header("Authorization", "Bearer " + token)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"command\":\"/bin/sh\",\"args\":[\"-c\"," + Json.write(COUNTER) + "]}"))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            JsonNode created = Json.MAPPER.readTree(r.body());
            id = created.get("id").asLong();
            pid = created.get("pid").asLong();
            var client = TestTerminal.open(java.net.URI.create(url), token, id, "");
            await().atMost(Duration.ofSeconds(10)).until(() -> numbers(client.screen()).size() > 5);
            crashed.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // kill -9: the server records nothing
            client.closedWith.get(10, TimeUnit.SECONDS);
        }
        assertThat(alive(pid)).isTrue();

        var next = server();
        JsonNode s = next.get("/sessions/" + id).body();
        assertThat(s.get("state").asText()).as(keeperLog()).isEqualTo("DISCONNECTED");
        assertThat(s.get("pid").asLong()).isEqualTo(pid);
        var again = TestTerminal.open(next.server.url(), next.token, id, "");
        await().atMost(Duration.ofSeconds(10)).until(() -> numbers(again.screen()).size() > 40);
        assertContiguousFromZero(numbers(again.screen()));
        // The connection the crash cut is recorded ended; only the new one is live.
        assertThat(next.get("/connections?allStates=true").body()).filteredOn(c -> c.get("id").asLong() == 1)
                .singleElement().satisfies(c -> {
                    assertThat(c.get("state").asText()).isEqualTo("DEACTIVATED");
                    assertThat(c.get("disconnectReason").asText()).isEqualTo("server crashed");
                });
    }

    @Test
    void aProgramThatExitsWhileNoServerRuns_isRecordedClosedWithItsRealExitCode() throws Exception {
        Path go = dir.resolve("go");
        long id;
        long pid;
        {
            var first = ServerFixture.withKeeper(dir);
            id = first.shell("while [ ! -e " + go + " ]; do sleep 0.02; done; exit 7");
            pid = first.get("/sessions/" + id).body().get("pid").asLong();
            first.server.close();
        }
        Files.createFile(go);
        await().atMost(Duration.ofSeconds(10)).until(() -> !alive(pid));

        var next = server();
        JsonNode s = next.get("/sessions/" + id).body();
        assertThat(s.get("state").asText()).isEqualTo("CLOSED");
        assertThat(s.get("exitCode").asInt()).isEqualTo(7);
        assertThat(s.get("closeReason").asText()).isEqualTo("program exited while the server was down");
    }

    @Test
    void aSessionThatExitsUnderAServerWithAKeeper_isClosedWithItsExitCode_asWithout() {
        var server = server();
        long id = server.shell("exit 5");
        await().atMost(Duration.ofSeconds(10)).until(() -> server.get("/sessions/" + id).body().get("state").asText().equals("CLOSED"));
        JsonNode s = server.get("/sessions/" + id).body();
        assertThat(s.get("exitCode").asInt()).isEqualTo(5);
        assertThat(s.get("closeReason").asText()).isEqualTo("program exited");
    }

    @Test
    void aSecondKeeperOnTheSameDataDirectoryRefusesToStart_namingTheFirst() throws Exception {
        server(); // starts the keeper
        var keeper = KeeperProcess.thisJvm();
        var command = new ArrayList<>(keeper.command());
        command.add(dir.resolve(TetherServer.RUNTIME).toString());
        Process second = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String said = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(second.exitValue()).isEqualTo(2);
        assertThat(said).contains("another keeper runs for " + dir.resolve(TetherServer.RUNTIME)).contains("(pid ");
    }

    @Test
    void keeperStop_closesEverySession_andTheServerRecordsThemClosed() throws IOException {
        var server = server();
        long id = server.shell("exec sleep 600");
        long pid = server.get("/sessions/" + id).body().get("pid").asLong();

        assertThat(Keeper.stopRunning(dir.resolve(TetherServer.RUNTIME))).isEqualTo(1);

        assertThat(alive(pid)).isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.get("/sessions/" + id).body().get("state").asText().equals("CLOSED"));
        assertThat(server.get("/sessions/" + id).body().get("exitCode").asInt()).isEqualTo(128 + 1); // SIGHUP
    }

    /**
     * {@code kill -9} of the server while a {@code disconnect --all} over 500 attached sessions is
     * under way: the next server completes the request with each target's true outcome, and every
     * session and connection it records is what the processes say (all 500 programs run on in the
     * keeper, DISCONNECTED with no client; every connection DEACTIVATED).
     */
    @Test
    void killMinus9DuringDisconnectAllOver500AttachedSessions_everyAcceptedRequestEndsFinal_andNoRecordedStateIsFalse() throws Exception {
        int count = 500;
        Process crashed = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                KeeperServerMain.class.getName(), dir.toString(), "1000") // 500 clients from one address: above the default 256
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        cleanup.add(crashed::destroyForcibly);
        var ids = new ArrayList<Long>();
        var pids = new ArrayList<Long>();
        long request;
        var http = java.net.http.HttpClient.newHttpClient();
        try (var out = new BufferedReader(new InputStreamReader(crashed.getInputStream(), StandardCharsets.UTF_8))) {
            var url = java.net.URI.create(out.readLine());
            String token = Files.readString(dir.resolve("admin.token")).strip();
            java.util.function.BiFunction<String, String, JsonNode> post = (path, body) -> {
                try {
                    var r = http.send(java.net.http.HttpRequest.newBuilder(url.resolve("/api/v1" + path))
                            .header("Authorization", "Bearer " + token).POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                    return Json.MAPPER.readTree(r.body());
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(path + ": " + e, e);
                }
            };
            for (int i = 0; i < count; i++) {
                JsonNode created = post.apply("/sessions", "{\"command\":\"/bin/sh\",\"args\":[\"-c\",\"exec sleep 600\"]}");
                ids.add(created.get("id").asLong());
                pids.add(created.get("pid").asLong());
            }
            var clients = new ArrayList<TestTerminal>();
            for (long id : ids) {
                clients.add(TestTerminal.open(http, url, token, id, null, true));
            }
            for (TestTerminal client : clients) {
                client.control("attached");
            }
            request = post.apply("/sessions/disconnect", "{\"all\":true}").get("id").asLong();
            crashed.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // kill -9 while the clients are being let go
        }
        assertThat(pids).allMatch(SessionKeeperTest::alive);

        var next = server();
        JsonNode done = next.get("/requests/" + request + "?wait=true&timeout=30").body();
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("COMPLETED");
        assertThat(done.get("targets")).hasSize(count).allSatisfy(t -> assertThat(t.get("status").asText()).isIn("DONE", "FAILED"));
        for (long id : ids) {
            JsonNode s = next.get("/sessions/" + id).body();
            assertThat(s.get("state").asText()).as("session %d", id).isEqualTo("DISCONNECTED");
            assertThat(s.get("connections").asInt()).as("session %d", id).isZero();
        }
        // Each let go by the request before the crash, or by the crash itself: nothing recorded as still attached.
        JsonNode connections = next.get("/connections?allStates=true").body();
        assertThat(connections.size()).isEqualTo(count);
        for (JsonNode c : connections) {
            assertThat(c.get("state").asText()).as("connection %s", c.get("id")).isEqualTo("DEACTIVATED");
            assertThat(c.get("disconnectReason").asText()).as("connection %s", c.get("id")).isIn("disconnected by admin", "server crashed");
        }
    }

    Path runtime() {
        return dir.resolve(TetherServer.RUNTIME);
    }

    /** The command that starts a keeper like this JVM's, but calling itself build {@code build}. */
    static List<String> keeperCommand(String build) {
        var command = new ArrayList<>(KeeperProcess.thisJvm().command());
        command.replaceAll(a -> a.startsWith("-D" + KeeperProcess.BUILD_PROPERTY + "=") ? "-D" + KeeperProcess.BUILD_PROPERTY + "=" + build : a);
        return command;
    }

    static String cmdline(long pid) throws IOException {
        return Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
    }

    /** The fds from 3 up of process {@code pid} that are not close-on-exec, with what they are. */
    static List<String> inheritableFds(long pid) throws IOException {
        var open = new ArrayList<String>();
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fdinfo"))) {
            for (Path info : fds.toList()) {
                int fd = Integer.parseInt(info.getFileName().toString());
                String flags;
                try {
                    flags = Files.readAllLines(info).stream().filter(l -> l.startsWith("flags:")).findFirst().orElseThrow();
                } catch (IOException closedMeanwhile) {
                    continue;
                }
                int bits = Integer.parseInt(flags.substring("flags:".length()).strip(), 8);
                if (fd > 2 && (bits & 02000000) == 0) {
                    open.add(fd + " -> " + Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/" + fd)));
                }
            }
        }
        return open;
    }

    @Test
    void aKeeperUpgradeKeepsItsPidAndEverySession_andTheNextServerAdoptsThemWithIdOwnerSizeAndOutput_andTheyStillRun()
            throws Exception {
        long counter;
        long echo;
        long counterPid;
        long lastSeen;
        {
            var first = ServerFixture.withKeeper(dir);
            counter = first.post("/sessions", "{\"command\":\"/bin/sh\",\"args\":[\"-c\"," + Json.write(COUNTER)
                    + "],\"cols\":100,\"rows\":30}").body().get("id").asLong();
            echo = first.shell("while read line; do echo got:$line; done");
            counterPid = first.get("/sessions/" + counter).body().get("pid").asLong();
            var client = TestTerminal.open(first.server.url(), first.token, counter, "");
            await().atMost(Duration.ofSeconds(10)).until(() -> numbers(client.screen()).size() > 5);
            first.server.close();
            lastSeen = numbers(client.screen()).getLast();
        }
        Keeper.Running before = Keeper.status(runtime(), Duration.ofSeconds(10));
        assertThat(before.attached()).isFalse();
        assertThat(before.sessions()).isEqualTo(2);

        Keeper.Upgraded upgraded = Keeper.upgrade(runtime(), keeperCommand("upgrade-test"), Duration.ofSeconds(60));

        assertThat(upgraded.pid()).as(keeperLog()).isEqualTo(before.pid());
        assertThat(upgraded.fromBuild()).isEqualTo(before.build());
        assertThat(upgraded.toBuild()).isEqualTo("upgrade-test");
        assertThat(upgraded.sessions()).isEqualTo(2);
        assertThat(cmdline(before.pid())).contains("-Dtether.build=upgrade-test").doesNotContain("-Dtether.build=" + before.build());
        assertThat(keeperLog()).contains("keeper pid " + before.pid() + " upgraded from build " + before.build()
                + " to upgrade-test; 2 session(s) kept");
        assertThat(ProcessHandle.of(counterPid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid))
                .as("the keeper is still the program's parent").contains(before.pid());
        // The kept fds are close-on-exec again (the JVM's own jars are not: it opens them so, and the next exec marks them).
        assertThat(inheritableFds(before.pid())).as("the kept fds are close-on-exec again")
                .noneMatch(fd -> fd.contains("ptmx") || fd.contains("pidfd") || fd.contains("memfd") || fd.contains("socket:")
                        || fd.contains(Keeper.LOCK));

        var next = server();
        JsonNode s = next.get("/sessions/" + counter).body();
        assertThat(s.get("state").asText()).as(keeperLog()).isEqualTo("DISCONNECTED");
        assertThat(s.get("pid").asLong()).isEqualTo(counterPid);
        assertThat(s.get("user").asText()).isEqualTo("admin");
        assertThat(s.get("cols").asInt()).isEqualTo(100);
        assertThat(s.get("rows").asInt()).isEqualTo(30);
        assertThat(next.get("/sessions/" + echo).body().get("state").asText()).isEqualTo("DISCONNECTED");
        var again = TestTerminal.open(next.server.url(), next.token, counter, "");
        // The ring went through the exec: what was printed before, during and after it is replayed, nothing lost.
        await().atMost(Duration.ofSeconds(10)).until(() -> numbers(again.screen()).size() > lastSeen + 20);
        assertContiguousFromZero(numbers(again.screen()));
        var typing = TestTerminal.open(next.server.url(), next.token, echo, "");
        typing.type("ping\r");
        await().atMost(Duration.ofSeconds(10)).until(() -> typing.screen().contains("got:ping"));
    }

    /**
     * The program exits the moment its parent's command line changes, which is the execve: while
     * the new JVM starts, before it has read its state. It is a zombie child of the keeper's pid
     * then, and the new image must reap it and keep its exit code for the next server.
     */
    @Test
    void aProgramThatExitsDuringTheReExec_isReapedByTheNewImage_andRecordedClosedWithItsExitCode() throws Exception {
        long id;
        long pid;
        {
            var first = ServerFixture.withKeeper(dir);
            id = first.shell("while ! grep -q upgrade-zombie /proc/$PPID/cmdline; do sleep 0.01; done; exit 7");
            pid = first.get("/sessions/" + id).body().get("pid").asLong();
            first.server.close();
        }
        assertThat(alive(pid)).isTrue();

        Keeper.Upgraded upgraded = Keeper.upgrade(runtime(), keeperCommand("upgrade-zombie"), Duration.ofSeconds(60));

        assertThat(upgraded.sessions()).as(keeperLog()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> keeperLog().contains("session " + id + " (pid " + pid + ") exited with 7"));
        assertThat(Files.exists(Path.of("/proc/" + pid))).as("reaped, not a zombie").isFalse();
        var next = server();
        JsonNode s = next.get("/sessions/" + id).body();
        assertThat(s.get("state").asText()).isEqualTo("CLOSED");
        assertThat(s.get("exitCode").asInt()).isEqualTo(7);
        assertThat(s.get("closeReason").asText()).isEqualTo("program exited while the server was down");
    }

    @Test
    void aKeeperUpgradeIsRefusedWhileAServerIsAttached_andTheKeeperGoesOnAsItWas() throws Exception {
        var server = server();
        long id = server.shell("exec sleep 600");
        Keeper.Running before = Keeper.status(runtime(), Duration.ofSeconds(10));
        assertThat(before.attached()).isTrue();

        assertThatThrownBy(() -> Keeper.upgrade(runtime(), keeperCommand("refused"), Duration.ofSeconds(30)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot upgrade the keeper of " + runtime())
                .hasMessageContaining("a server (pid " + ProcessHandle.current().pid() + ") is attached")
                .hasMessageContaining("stop it first");

        assertThat(Keeper.status(runtime(), Duration.ofSeconds(10))).isEqualTo(before);
        assertThat(cmdline(before.pid())).doesNotContain("-Dtether.build=refused");
        assertThat(server.get("/sessions/" + id).body().get("state").asText()).isNotEqualTo("CLOSED");
    }

    @Test
    void aReExecThatFails_leavesTheKeeperAsItWas_itsFdsCloseOnExecAgain_andItsSessionsKept() throws Exception {
        long id;
        long pid;
        {
            var first = ServerFixture.withKeeper(dir);
            id = first.shell(COUNTER);
            pid = first.get("/sessions/" + id).body().get("pid").asLong();
            first.server.close();
        }
        Keeper.Running before = Keeper.status(runtime(), Duration.ofSeconds(10));
        Path notAProgram = dir.resolve("not-a-program");
        Files.writeString(notAProgram, "neither ELF nor #!\n");
        Files.setPosixFilePermissions(notAProgram, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        var command = keeperCommand("never");
        command.set(0, notAProgram.toString());

        assertThatThrownBy(() -> Keeper.upgrade(runtime(), command, Duration.ofSeconds(30)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot upgrade the keeper of " + runtime() + ": execve(" + notAProgram + ") failed: Exec format error");

        assertThat(Keeper.status(runtime(), Duration.ofSeconds(10))).isEqualTo(before);
        assertThat(inheritableFds(before.pid())).isEmpty();
        assertThat(alive(pid)).isTrue();
        var next = server();
        assertThat(next.get("/sessions/" + id).body().get("state").asText()).isEqualTo("DISCONNECTED");
        var again = TestTerminal.open(next.server.url(), next.token, id, "");
        await().atMost(Duration.ofSeconds(10)).until(() -> numbers(again.screen()).size() > 20);
        assertContiguousFromZero(numbers(again.screen()));
    }

    /** A server with a keeper in its own JVM, so the test can kill it without warning. Prints its URL. */
    public static final class KeeperServerMain {
        public static void main(String[] args) throws Exception {
            var config = ServerConfig.defaults(Path.of(args[0])).withListen("127.0.0.1", 0).withName("crashy")
                    .withKeeper(KeeperProcess.thisJvm());
            if (args.length > 1) { // the most connections from one address
                config = config.withLimits(new ServerConfig.Limits(ServerConfig.Limits.DEFAULTS.passwords(),
                        ServerConfig.Limits.DEFAULTS.requestReadTimeout(), Integer.parseInt(args[1])));
            }
            var server = TetherServer.start(config);
            System.out.println(server.url());
            System.out.flush();
            new java.util.concurrent.CountDownLatch(1).await(); // serves until the test kills this JVM
        }
    }
}
