package dev.tether.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How to run: which scenarios, how many trials, and the sizes. Defaults are the sizes;
 * {@link #tiny()} is the smoke run's.
 *
 * @param trials trials per figure (0: each scenario's default)
 * @param sessions session counts for density, mass-disconnect, api and restart (empty: each scenario's default)
 * @param big add 10,000 sessions to density and mass-disconnect
 * @param mib throughput: MiB the program writes; emulator: MiB of each stream (0: each scenario's default)
 * @param roundTrips latency: measured round trips per trial (after {@code roundTrips / 10} to warm up)
 * @param clients fanout: client counts
 * @param fanoutMib fanout: MiB the program writes
 * @param parallel density: sessions started at once
 * @param cycles api: disconnect + reattach cycles per trial
 * @param lists api: list calls per trial
 * @param calls cli: runs of each command per trial
 * @param out where the JSON files go
 * @param peers run the peers (tmux, dtach, raw PTY); off with {@code --no-peers}
 * @param installPeers install tmux and dtach with apt-get first
 * @param profile record the server with JFR into {@code out/<scenario>-tether.jfr}
 * @param serverOpts extra JVM options for the server
 * @param serveArgs extra arguments of {@code tether serve} (such as {@code --no-keeper}, to compare)
 */
record Options(
        List<String> scenarios,
        int trials,
        List<Integer> sessions,
        boolean big,
        int mib,
        int roundTrips,
        List<Integer> clients,
        int fanoutMib,
        int parallel,
        int cycles,
        int lists,
        int calls,
        Path out,
        boolean peers,
        boolean installPeers,
        boolean profile,
        List<String> serverOpts,
        List<String> serveArgs) {

    static final List<String> ALL = List.of("density", "throughput", "latency", "fanout", "mass-disconnect", "api", "cli", "restart", "emulator");

    static final String USAGE = """
            usage: bin/tether-bench SCENARIO|all [options]
              scenarios: density, throughput, latency, fanout, mass-disconnect, api, cli, restart, emulator (or several, comma-separated)
              --trials N            trials per figure (default 3; throughput 5)
              --sessions N[,N...]   sessions for density (100,1000), mass-disconnect, api and restart (1000)
              --big                 add 10,000 sessions to density and mass-disconnect (raise kernel.pty.max and ulimit -n)
              --mib N               throughput: MiB written by the program (256); emulator: MiB of each stream (64)
              --round-trips N       latency: round trips per trial (10000)
              --clients N[,N...]    fanout: attached clients (1,10,100)
              --fanout-mib N        fanout: MiB written by the program (32)
              --parallel N          density, restart: sessions started at once (4)
              --cycles N            api: disconnect + reattach cycles per trial (1000)
              --lists N             api: list calls per trial (200)
              --calls N             cli: runs of each command per trial (20)
              --out DIR             where <scenario>.json goes (bench-results)
              --no-peers            measure Tether only
              --install-peers       apt-get install tmux dtach first
              --profile             record the server with JFR into DIR/<scenario>-tether.jfr
              --server-opts "..."   extra JVM options for the server
              --serve-args "..."    extra 'tether serve' arguments (--no-keeper: the sessions in the server, to compare)
            """;

    static Options defaults() {
        return new Options(ALL, 0, List.of(), false, 0, 10_000, List.of(1, 10, 100), 32, 4, 1000, 200, 20,
                Path.of("bench-results"), true, false, false, List.of(), List.of());
    }

    /** The smoke run: every scenario, tiny, one trial of each. */
    static Options tiny(Path out) {
        return new Options(ALL, 1, List.of(4), false, 2, 200, List.of(1, 3), 1, 2, 20, 20, 3, out, true, false, false, List.of(), List.of());
    }

    static Options parse(String... args) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            throw new BenchException(USAGE);
        }
        var scenarios = new java.util.LinkedHashSet<String>();
        for (String s : args[0].split(",")) {
            if (s.equals("all")) {
                scenarios.addAll(ALL);
            } else if (ALL.contains(s)) {
                scenarios.add(s);
            } else {
                throw new BenchException("unknown scenario " + s + "; known: " + String.join(", ", ALL) + ", all\n" + USAGE);
            }
        }
        Options d = defaults();
        int trials = d.trials(), mib = d.mib(), roundTrips = d.roundTrips(), fanoutMib = d.fanoutMib();
        int parallel = d.parallel(), cycles = d.cycles(), lists = d.lists(), calls = d.calls();
        List<Integer> sessions = d.sessions(), clients = d.clients();
        boolean big = false, peers = true, installPeers = false, profile = false;
        Path out = d.out();
        List<String> serverOpts = d.serverOpts();
        List<String> serveArgs = d.serveArgs();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--big" -> big = true;
                case "--no-peers" -> peers = false;
                case "--install-peers" -> installPeers = true;
                case "--profile" -> profile = true;
                case "--trials" -> trials = positive(a, value(args, ++i, a));
                case "--mib" -> mib = positive(a, value(args, ++i, a));
                case "--round-trips" -> roundTrips = positive(a, value(args, ++i, a));
                case "--fanout-mib" -> fanoutMib = positive(a, value(args, ++i, a));
                case "--parallel" -> parallel = positive(a, value(args, ++i, a));
                case "--cycles" -> cycles = positive(a, value(args, ++i, a));
                case "--lists" -> lists = positive(a, value(args, ++i, a));
                case "--calls" -> calls = positive(a, value(args, ++i, a));
                case "--sessions" -> sessions = list(a, value(args, ++i, a));
                case "--clients" -> clients = list(a, value(args, ++i, a));
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--serve-args" -> serveArgs = words(value(args, ++i, a));
                case "--server-opts" -> serverOpts = Arrays.stream(value(args, ++i, a).trim().split("\\s+"))
                        .filter(s -> !s.isEmpty()).toList();
                default -> throw new BenchException("unknown option " + a + "\n" + USAGE);
            }
        }
        return new Options(List.copyOf(scenarios), trials, sessions, big, mib, roundTrips, clients, fanoutMib, parallel,
                cycles, lists, calls, out, peers, installPeers, profile, serverOpts, serveArgs);
    }

    private static List<String> words(String s) {
        return Arrays.stream(s.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }

    int trialsFor(String scenario) {
        return trials > 0 ? trials : scenario.equals("throughput") ? 5 : 3;
    }

    int mibFor(String scenario) {
        return mib > 0 ? mib : scenario.equals("emulator") ? 64 : 256;
    }

    List<Integer> sessionsFor(String scenario) {
        if (!sessions.isEmpty()) {
            return sessions;
        }
        var n = new ArrayList<>(scenario.equals("density") ? List.of(100, 1000) : List.of(1000));
        if (big && !scenario.equals("api")) {
            n.add(10_000);
        }
        return n;
    }

    /** The options as recorded in the JSON. */
    Map<String, Object> asMap(String scenario) {
        var m = new LinkedHashMap<String, Object>();
        m.put("trials", trialsFor(scenario));
        switch (scenario) {
            case "density" -> {
                m.put("sessions", sessionsFor(scenario));
                m.put("parallel", parallel);
            }
            case "throughput" -> m.put("mib", mibFor(scenario));
            case "emulator" -> {
                m.put("mibPerStream", mibFor(scenario));
                m.put("streams", TermStreams.NAMES);
                m.put("cols", TermStreams.COLS);
                m.put("rows", TermStreams.ROWS);
                m.put("scrollbackBytes", EmulatorScenario.SCROLLBACK_BYTES);
                m.put("feedChunk", EmulatorScenario.CHUNK);
            }
            case "latency" -> {
                m.put("roundTrips", roundTrips);
                m.put("warmupRoundTrips", roundTrips / 10);
            }
            case "fanout" -> {
                m.put("clients", clients);
                m.put("mib", fanoutMib);
            }
            case "mass-disconnect" -> m.put("sessions", sessionsFor(scenario));
            case "restart" -> {
                m.put("sessions", sessionsFor(scenario));
                m.put("parallel", parallel);
                m.put("reattachedSample", Restart.SAMPLE);
            }
            case "api" -> {
                m.put("sessions", sessionsFor(scenario));
                m.put("cycles", cycles);
                m.put("lists", lists);
            }
            case "cli" -> m.put("calls", calls);
            default -> { }
        }
        m.put("peers", peers);
        m.put("profile", profile);
        m.put("serverOpts", serverOpts);
        m.put("serveArgs", serveArgs);
        return m;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new BenchException(option + " needs a value\n" + USAGE);
        }
        return args[i];
    }

    private static int positive(String option, String v) {
        try {
            int n = Integer.parseInt(v.replace("_", "").replace(",", ""));
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BenchException(option + " " + v + ": give a whole number above 0");
    }

    private static List<Integer> list(String option, String v) {
        return Arrays.stream(v.split(",")).map(s -> positive(option, s.trim())).toList();
    }
}
