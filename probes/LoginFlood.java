import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 8 probe: log-on timing by user existence, and a log-on flood against a real server process
 * started the way {@code bin/tether serve} starts it (G1, -Xms16m, heap free ratio 10-30 %).
 *
 * <pre>java probes/LoginFlood.java [tether.jar] [flood size, default 500] [concurrency, default 50]</pre>
 *
 * Prints: the median of 20 failed log-ons for existing and for unknown users (each from its own
 * 127.0.x.y address, so no throttle is involved); then 500 wrong passwords for one user from one
 * address, then 500 for unknown users spread over 250 addresses, each with the answers by status,
 * the time a correct log-on from another address took during the flood, and the server's RSS
 * before, at its peak and 10 s after.
 */
public final class LoginFlood {
    static final Map<String, HttpClient> CLIENTS = new ConcurrentHashMap<>();
    static URI base;

    public static void main(String[] args) throws Exception {
        String jar = args.length > 0 ? args[0] : "tether-cli/target/tether.jar";
        int flood = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        Path dataDir = Files.createTempDirectory("tether-flood");
        // The JVM options of bin/tether serve, read from the launcher so the probe measures what users run.
        var command = new ArrayList<String>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
        command.addAll(serveOptions(Path.of("bin/tether")));
        String extra = System.getenv("TETHER_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            command.addAll(List.of(extra.trim().split("\\s+")));
        }
        command.addAll(List.of("-jar", jar, "serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir.toString()));
        System.out.println("server: " + String.join(" ", command));
        Process server = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            var out = new BufferedReader(new InputStreamReader(server.getInputStream()));
            String line;
            while ((line = out.readLine()) != null && !line.contains("listening on ")) {
                // skip
            }
            if (line == null) {
                throw new IllegalStateException("the server did not start");
            }
            base = URI.create(line.replaceAll(".*listening on (\\S+).*", "$1"));
            Thread.ofVirtual().start(() -> { try { out.transferTo(java.io.Writer.nullWriter()); } catch (java.io.IOException ignored) { /* the server stopped */ } });
            String admin = Files.readString(dataDir.resolve("admin.token")).trim();
            for (int i = 0; i < 21; i++) {
                call("127.0.0.1", "POST", "/users", admin, "{\"name\":\"u" + i + "\",\"admin\":false}");
                call("127.0.0.1", "POST", "/users/u" + i + "/password", admin, "{\"password\":\"right password " + i + "\"}");
            }
            long pid = server.pid();
            System.out.printf("server pid %d at %s, RSS after start %d MB%n", pid, base, rss(pid));

            var existing = new ArrayList<Double>();
            var unknown = new ArrayList<Double>();
            for (int i = 1; i <= 20; i++) {
                existing.add(timed("127.0.1." + i, "u" + i, "wrong password"));
                unknown.add(timed("127.0.2." + i, "nobody" + i, "wrong password"));
            }
            System.out.printf("failed log-on, median of 20: existing user %.1f ms, unknown user %.1f ms%n", median(existing), median(unknown));

            flood("one user, one address", pid, flood, concurrency, i -> "127.0.0.1", i -> "u0");
            flood("unknown users, 250 addresses", pid, flood, concurrency, i -> "127.0.3." + (1 + i % 250), i -> "ghost" + i);
            Thread.sleep(10_000);
            System.out.printf("RSS 10 s after the floods: %d MB%n", rss(pid));
        } finally {
            server.destroy();
            server.waitFor();
        }
    }

    interface Pick {
        String at(int i);
    }

    static void flood(String name, long pid, int count, int concurrency, Pick address, Pick user) throws Exception {
        long before = rss(pid);
        var peak = new AtomicLong(before);
        var done = new AtomicBoolean();
        Thread sampler = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                peak.accumulateAndGet(rss(pid), Math::max);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        var statuses = new TreeMap<Integer, Integer>();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        List<Future<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int n = i;
            answers.add(pool.submit(() -> login(address.at(n), user.at(n), "wrong password").statusCode()));
        }
        Thread.sleep(500); // the flood is under way: a correct log-on from elsewhere
        long t0 = System.nanoTime();
        int ok = login("127.0.0.9", "u20", "right password 20").statusCode();
        double correctMs = (System.nanoTime() - t0) / 1e6;
        for (var f : answers) {
            statuses.merge(f.get(), 1, Integer::sum);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        done.set(true);
        sampler.join();
        System.out.printf("flood (%s): %d wrong log-ons, %d at once, in %.1f s: answers %s; a correct log-on from another address: %d in %.0f ms; RSS %d MB before, %d MB peak, %d MB after%n",
                name, count, concurrency, seconds, statuses, ok, correctMs, before, peak.get(), rss(pid));
    }

    /** The {@code -XX}/{@code -X} options bin/tether gives {@code serve}; G1 kept small when the launcher is not found. */
    static List<String> serveOptions(Path launcher) throws java.io.IOException {
        if (Files.isReadable(launcher)) {
            for (String l : Files.readAllLines(launcher)) {
                if (l.contains("opts+=(-XX:+UseG1GC")) {
                    return List.of(l.substring(l.indexOf('(') + 1, l.lastIndexOf(')')).trim().split("\\s+"));
                }
            }
        }
        return List.of("-XX:+UseG1GC", "-Xms16m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-XX:G1PeriodicGCInterval=5000");
    }

    static double timed(String address, String user, String password) throws Exception {
        long t0 = System.nanoTime();
        int status = login(address, user, password).statusCode();
        if (status != 401) {
            throw new IllegalStateException("expected 401 for " + user + ", got " + status);
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    static HttpResponse<String> login(String address, String user, String password) throws Exception {
        return call(address, "POST", "/login", null, "{\"user\":\"" + user + "\",\"password\":\"" + password + "\"}");
    }

    static HttpResponse<String> call(String address, String method, String path, String bearer, String json) throws Exception {
        HttpClient http = CLIENTS.computeIfAbsent(address, a -> {
            try {
                return HttpClient.newBuilder().localAddress(InetAddress.getByName(a)).build();
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException(a, e);
            }
        });
        var b = HttpRequest.newBuilder(base.resolve("/api/v1" + path)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static long rss(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (java.io.IOException e) {
            return -1;
        }
        return -1;
    }

    static double median(List<Double> values) {
        var sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
    }
}
