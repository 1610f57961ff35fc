package dev.tether.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The smoke run of issue 4: every scenario, tiny, against a real server in its own JVM and the
 * peers that are installed. It checks that each runs, produces sane numbers and its JSON; not
 * how fast anything is.
 */
class SmokeTest {
    private static final ByteArrayOutputStream LOG = new ByteArrayOutputStream();

    @Test
    @Timeout(300)
    void everyScenarioRunsAtTinySizesAndWritesItsJson(@TempDir Path out) throws Exception {
        Options options = Options.tiny(out);
        var table = new ByteArrayOutputStream();
        List<Report> reports = Main.runAll(options, Peers.detect(true), new PrintStream(table, true, StandardCharsets.UTF_8), log());

        assertThat(reports).extracting(Report::scenario).containsExactlyElementsOf(Options.ALL);
        for (Report r : reports) {
            assertThat(r.error()).as(r.scenario() + " failed; its log:\n" + LOG.toString(StandardCharsets.UTF_8)).isNull();
            JsonNode json = Rest.JSON.readTree(out.resolve(r.scenario() + ".json").toFile());
            assertThat(json.path("machine").path("cores").asInt()).isPositive();
            assertThat(json.path("machine").path("memoryBytes").asLong()).isPositive();
            assertThat(json.path("machine").path("kernel").asText()).isNotBlank();
            assertThat(json.path("versions").path("tether").asText()).isNotBlank();
            assertThat(json.path("options").path("trials").asInt()).isEqualTo(1);
            var tether = StreamSupport.stream(json.path("figures").spliterator(), false)
                    .filter(f -> f.path("subject").asText().equals("tether")).toList();
            assertThat(tether).as(r.scenario() + " has figures for Tether").isNotEmpty();
            assertThat(json.path("goals").size()).as(r.scenario() + " states its goals").isPositive();
            for (JsonNode f : tether) {
                assertThat(f.path("median").isNumber()).as(f.toString()).isTrue();
            }
        }
        String printed = table.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("throughput", "MB/s", "p99", "sessions/s", "last socket closed", "list p99");

        Report throughput = reports.get(Options.ALL.indexOf("throughput"));
        assertThat(throughput.median("2 MiB", "throughput", Report.TETHER)).isBetween(0.01, 100_000.0);
        Report latency = reports.get(Options.ALL.indexOf("latency"));
        double p50 = latency.median("200 round trips", "p50", Report.TETHER);
        assertThat(p50).isBetween(1.0, 1_000_000.0);
        assertThat(latency.median("200 round trips", "p99", Report.TETHER)).isGreaterThanOrEqualTo(p50);
        Report density = reports.get(Options.ALL.indexOf("density"));
        assertThat(density.median("N=4", "start rate", Report.TETHER)).isPositive();
        assertThat(density.median("N=4", "server threads", Report.TETHER)).isBetween(1.0, 1000.0);
        Report fanout = reports.get(Options.ALL.indexOf("fanout"));
        assertThat(fanout.median("K=3", "total delivered", Report.TETHER)).isPositive();
        Report mass = reports.get(Options.ALL.indexOf("mass-disconnect"));
        assertThat(mass.median("N=4", "last DisconnectComplete", Report.TETHER)).isBetween(0.0, 120_000.0);
        Report api = reports.get(Options.ALL.indexOf("api"));
        assertThat(api.median("N=4", "cycles, one at a time", Report.TETHER)).isPositive();
        assertThat(density.median("N=4", "keeper memory per session (RSS)", Report.TETHER)).isBetween(-100_000.0, 100_000.0);
        Report restart = reports.get(Options.ALL.indexOf("restart"));
        double adopted = restart.median("N=4", "all adopted (listed DISCONNECTED)", Report.TETHER);
        assertThat(adopted).isGreaterThanOrEqualTo(restart.median("N=4", "new server listening", Report.TETHER));
        assertThat(restart.median("N=4", "sample reattached", Report.TETHER)).isGreaterThanOrEqualTo(adopted).isLessThan(120_000.0);
        Report emulator = reports.get(Options.ALL.indexOf("emulator"));
        for (String stream : TermStreams.NAMES) {
            assertThat(emulator.median(stream, "parse rate", Report.TETHER)).as(stream).isPositive();
            assertThat(emulator.median(stream, "retainedBytes() at the end", Report.TETHER) * 1024)
                    .as(stream).isLessThanOrEqualTo(EmulatorScenario.bound());
        }
        Report cli = reports.get(Options.ALL.indexOf("cli"));
        for (String group : List.of("sessions, live server", "sessions, no server", "attach, first byte", "attach, session output shown")) {
            assertThat(cli.median(group, "p50", Report.TETHER)).as(group).isBetween(1.0, 60_000.0);
            assertThat(cli.median(group, "p90", Report.TETHER)).as(group).isGreaterThanOrEqualTo(cli.median(group, "p50", Report.TETHER));
        }
        assertThat(cli.median("attach, session output shown", "p50", Report.TETHER))
                .isGreaterThanOrEqualTo(cli.median("attach, first byte", "p50", Report.TETHER));
        assertThat(cli.median("JVM start floor", "p50", CliScenario.JAVA)).isPositive();
        assertThat(cli.median("JVM start floor", "p50", CliScenario.HELLO)).isPositive();

        Peers installed = Peers.detect(true);
        for (String peer : List.of("tmux", "dtach")) {
            if (installed.missing(peer) == null) {
                assertThat(density.values("N=4", "start rate", peer)).as(peer + " is installed, so measured").hasSize(1);
            } else {
                assertThat(density.skipped(peer)).as(peer + " is not installed, so reported as skipped").isTrue();
            }
        }
    }

    @Test
    @Timeout(60)
    void peersThatAreNotInstalledAreReportedAsSkippedNotDropped(@TempDir Path out) throws Exception {
        var none = new Peers(null, null, null, null, null);
        Options options = Options.tiny(out);
        Report r = Main.run(options, none, "density", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), log());

        assertThat(r.error()).isNull();
        assertThat(r.skipped("tmux")).isTrue();
        assertThat(r.skipped("dtach")).isTrue();
        assertThat(r.values("N=4", "start rate", Report.TETHER)).hasSize(1);
        JsonNode json = Rest.JSON.readTree(out.resolve("density.json").toFile());
        assertThat(json.path("skipped").path("tmux").asText()).contains("not installed");
        assertThat(r.goals()).anySatisfy(g -> assertThat(g.met()).isNull());
    }

    @Test
    void optionsParseTheIssueSizesAndRejectWhatTheyDoNotKnow() {
        Options o = Options.parse("all", "--big");
        assertThat(o.scenarios()).containsExactlyElementsOf(Options.ALL);
        assertThat(o.sessionsFor("density")).containsExactly(100, 1000, 10_000);
        assertThat(o.sessionsFor("mass-disconnect")).containsExactly(1000, 10_000);
        assertThat(o.sessionsFor("api")).containsExactly(1000);
        assertThat(o.trialsFor("throughput")).isEqualTo(5);
        assertThat(Options.parse("fanout", "--clients", "1,2").clients()).containsExactly(1, 2);
        assertThat(Options.parse("cli", "--calls", "7").calls()).isEqualTo(7);
        assertThat(Options.parse("cli").calls()).isEqualTo(20);
        assertThat(Options.parse("throughput").mibFor("throughput")).isEqualTo(256);
        assertThat(Options.parse("emulator").mibFor("emulator")).isEqualTo(64);
        assertThat(Options.parse("emulator,throughput", "--mib", "8").mibFor("emulator")).isEqualTo(8);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Options.parse("speed"))
                .hasMessageContaining("unknown scenario speed");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Options.parse("api", "--cycles", "0"))
                .hasMessageContaining("--cycles 0");
    }

    @Test
    void percentilesAndMediansAreTheUsualOnes() {
        long[] s = Stats.sorted(new long[] {5, 1, 4, 2, 3, 6, 7, 8, 9, 10});
        assertThat(Stats.percentile(s, 50)).isEqualTo(5);
        assertThat(Stats.percentile(s, 99)).isEqualTo(10);
        assertThat(Stats.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(Stats.median(List.of(4.0, 1.0, 2.0, 3.0))).isEqualTo(2.5);
    }

    /** Progress goes to the test's output (surefire keeps it) and into {@link #LOG} for failure messages. */
    private static PrintStream log() {
        return new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                LOG.write(b);
                System.err.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                LOG.write(b, off, len);
                System.err.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
    }
}
