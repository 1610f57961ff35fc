package dev.tether.cli;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The training run of the CLI's AOT cache ({@code bin/tether} runs it under
 * {@code -XX:AOTMode=record} when {@code tether-cli/target/tether.aot} is missing or older than the
 * jar): the commands people run most, in one JVM, so that the classes they load and link are in the
 * cache. {@code --help} alone would leave out the HTTP client, Jackson and the WebSocket; so a
 * throw-away server is started in a JVM of its own (its classes stay out of the cache), and
 * {@code sessions}, {@code --json sessions}, {@code session new}, {@code session attach} (on the
 * terminal {@code script(1)} gives the training, so JLine and its FFM calls are in the cache; on plain
 * streams where there is none) and the no-server error path run against it.
 *
 * <p>Nothing here may fail the launcher: a step that fails is reported on stderr and the rest run;
 * the cache then holds what did run. Exit code 0 always.
 */
final class AotTraining {
    private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");

    private AotTraining() {
    }

    public static void main(String[] args) {
        PrintStream log = System.err;
        run(log, "--help");
        run(log, "session", "--help");
        run(log, "--server", "http://127.0.0.1:1", "--token", "training", "sessions"); // nothing listens on port 1
        Path dataDir = null;
        Process server = null;
        try {
            dataDir = Files.createTempDirectory("tether-aot-training-");
            server = startServer(dataDir);
            String url = awaitUrl(server);
            String token = Files.readString(dataDir.resolve("admin.token")).strip();
            String[] as = {"--server", url, "--token", token};
            run(log, as, "sessions");
            run(log, as, "--json", "sessions");
            // The session ends by itself, which ends the attach whether its stdin is /dev/null (end of
            // input detaches at once) or a terminal nobody types on (bin/tether trains under script(1)).
            run(log, as, "session", "new", "--", "/bin/sh", "-c", "echo trained; sleep 1");
            run(log, as, "session", "attach", "1");
            run(log, as, "session", "get", "1");
            run(log, as, "session", "close", "1");
            run(log, as, "whoami");
        } catch (IOException | RuntimeException e) {
            log.println("tether: AOT training without a server: " + e.getMessage());
        } finally {
            if (server != null) {
                stop(server);
            }
            delete(dataDir);
        }
        System.exit(0);
    }

    private static void run(PrintStream log, String[] prefix, String... args) {
        var all = new ArrayList<>(List.of(prefix));
        all.addAll(List.of(args));
        run(log, all.toArray(String[]::new));
    }

    private static void run(PrintStream log, String... args) {
        try {
            Main.run(args);
        } catch (RuntimeException e) {
            log.println("tether: AOT training: 'tether " + String.join(" ", args) + "' failed: " + e);
        }
    }

    /**
     * {@code tether serve} on a free port of 127.0.0.1, in its own JVM (the one running this), on a
     * fresh data directory, without a keeper: a keeper outlives its server by design, and each
     * training left one running on a deleted directory.
     */
    private static Process startServer(Path dataDir) throws IOException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        var command = List.of(java, "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "serve", "--no-keeper", "--listen", "127.0.0.1:0", "--data-dir", dataDir.toString());
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    private static String awaitUrl(Process server) {
        var url = new CompletableFuture<String>();
        Thread.ofPlatform().daemon().name("tether-aot-training-server").start(() -> {
            try (var in = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        url.complete(m.group(1));
                    }
                }
            } catch (IOException e) {
                // the server went away: reported below
            }
            url.completeExceptionally(new IllegalStateException("the throw-away server exited before it listened"));
        });
        try {
            return url.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the throw-away server did not start: " + e.getMessage(), e);
        }
    }

    private static void stop(Process server) {
        server.destroy();
        try {
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        } catch (InterruptedException e) {
            server.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: it is a temporary directory
        }
    }
}
