package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tether.api.ControlMessage;
import dev.tether.api.NewSession;
import dev.tether.api.SessionState;
import dev.tether.client.TetherClient;
import dev.tether.pty.Keeper;
import dev.tether.server.TetherServer;
import java.io.IOException;
import java.net.URI;
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
 * Issue 10 end to end, as an administrator and a user meet it: {@code tether serve} in its own
 * process with its keeper, killed with {@code kill -9} or stopped with SIGTERM, started again on the
 * same port; an SDK client and {@code tether session attach} in a real terminal (tmux) attached
 * throughout. The program never notices, and the clients reconnect by themselves.
 */
class SessionsSurviveTheServerTest {
    /** Prints n0, n1, n2, … one a line, every 10 ms, forever. */
    static final String COUNTER = "i=0; while :; do echo n$i; i=$((i+1)); sleep 0.01; done";

    final Path data;
    final int port = TestServer.freePort();
    final List<Process> serves = new ArrayList<>();

    SessionsSurviveTheServerTest() throws IOException {
        data = Files.createTempDirectory("tether-survive");
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (Process p : serves) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        try {
            Keeper.stopRunning(data.resolve(TetherServer.RUNTIME)); // every program it kept goes with it
        } catch (IOException noKeeper) {
            // nothing to stop
        }
        TestServer.deleteTree(data);
    }

    /** {@code tether serve} on {@link #data} and {@link #port}; returns once it listens. Its output goes to a file, read for the URL. */
    URI serve() throws Exception {
        Path log = Files.createTempFile(data, "serve", ".log");
        Process serve = Cli.tether().processBuilder("serve", "--data-dir", data.toString(), "--listen", "127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        serves.add(serve);
        Pattern listening = Pattern.compile("listening on (http://\\S+) as ");
        await().atMost(Duration.ofSeconds(60)).alias("serve says where it listens")
                .until(() -> listening.matcher(Files.readString(log)).find() || !serve.isAlive());
        Matcher m = listening.matcher(Files.readString(log));
        assertThat(m.find()).as("serve started: %s", Files.readString(log)).isTrue();
        return URI.create(m.group(1));
    }

    String token() throws IOException {
        return Files.readString(data.resolve("admin.token")).strip();
    }

    static List<Integer> numbers(String text) {
        var numbers = new ArrayList<Integer>();
        Matcher m = Pattern.compile("n(\\d+)\\r\\n").matcher(text);
        while (m.find()) {
            numbers.add(Integer.parseInt(m.group(1)));
        }
        return numbers;
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void killMinus9OfTheServer_theProgramKeepsRunning_theNextServerAdoptsIt_andTheClientReconnectsWithNoGapAndNoDuplicate()
            throws Exception {
        URI url = serve();
        try (var sdk = TetherClient.connect(url, token())) {
            var session = sdk.sessions().create(new NewSession("sh", List.of("-c", COUNTER), null, null, null));
            var heard = new Listener();
            var terminal = sdk.attach(session.id(), 0, 0, "laptop", heard);
            await().until(() -> numbers(heard.text()).size() > 20);

            serves.getFirst().destroyForcibly().waitFor(30, TimeUnit.SECONDS); // kill -9: the server says nothing to anyone
            assertThat(alive(session.pid())).as("the program outlives the server").isTrue();
            await().until(() -> !heard.reconnecting.isEmpty());
            int before = numbers(heard.text()).size();

            serve(); // the same data directory and port, as a supervisor restarts it
            await().atMost(Duration.ofSeconds(30)).until(() -> heard.reconnected.size() == 1);
            await().until(() -> numbers(heard.text()).size() > before + 50);

            List<Integer> numbers = numbers(heard.text());
            for (int i = 0; i < numbers.size(); i++) {
                assertThat(numbers.get(i)).as("number %d of %d: no gap, no duplicate", i, numbers.size()).isEqualTo(i);
            }
            assertThat(heard.control).noneMatch(ControlMessage.Lost.class::isInstance);
            var adopted = sdk.sessions().get(session.id());
            assertThat(adopted.pid()).isEqualTo(session.pid());
            assertThat(adopted.state()).isEqualTo(SessionState.ACTIVE);
            terminal.detach();
        }
    }

    @Test
    void sessionAttach_reconnectsByItselfAcrossARestartOfServe_sayingSoOnOneLine_andTheOutputGoesOn() throws Exception {
        URI url = serve();
        long id;
        try (var sdk = TetherClient.connect(url, token())) {
            id = sdk.sessions().create(new NewSession("sh", List.of(), null, null, java.util.Map.of("PS1", "survivor$ "))).id();
        }
        Cli cli = Cli.tether().server(url.toString()).token(token());
        try (var terminal = Tmux.start(cli, 100, 30, "session", "attach", Long.toString(id))) {
            terminal.awaitScreen("survivor$");
            terminal.keys("echo before-$((6*7))", "Enter");
            terminal.awaitScreen("before-42");

            serves.getFirst().destroy(); // SIGTERM: the server stops, the session stays (close code 1012)
            assertThat(serves.getFirst().waitFor(30, TimeUnit.SECONDS)).isTrue();
            terminal.awaitScreen("[reconnecting to session " + id + " \u2026");

            serve();
            terminal.awaitScreen("[reconnected to session " + id + "]");
            terminal.keys("echo after-$((6*8))", "Enter");
            terminal.awaitScreen("after-48");
            assertThat(terminal.screen()).contains("before-42").doesNotContain("EXIT=");
        }
    }
}
