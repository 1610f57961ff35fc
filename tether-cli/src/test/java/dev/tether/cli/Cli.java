package dev.tether.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code tether} as a user would: a separate JVM (the JDK running the tests) with the test
 * classpath, fed through pipes. The environment is the test's minus anything that would make the
 * result depend on the machine: no TETHER_TOKEN or TETHER_SESSION_ID unless given, and empty
 * XDG_DATA_HOME and XDG_CONFIG_HOME so no real admin.token or saved login is found.
 */
final class Cli {
    static final Path EMPTY_DATA_HOME;
    static final Path EMPTY_CONFIG_HOME;

    static {
        try {
            EMPTY_DATA_HOME = Files.createTempDirectory("tether-cli-xdg");
            EMPTY_CONFIG_HOME = Files.createTempDirectory("tether-cli-xdg-config");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    record Result(int exit, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }

        List<String> errLines() {
            return err.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private final Map<String, String> env = new HashMap<>();
    private String stdin = "";

    static Cli tether() {
        return new Cli();
    }

    /**
     * Stops the keeper that a {@code serve} on {@code data} started, with every session it holds, as
     * {@code tether keeper stop} does. Stopping {@code serve} leaves its keeper running by design,
     * so a test that does not stop it leaks a keeper for every run (three did, one for each run of
     * the suite, until the machine was rebooted).
     */
    static void stopKeeper(Path data) {
        try {
            dev.tether.pty.Keeper.stopRunning(data.resolve(dev.tether.server.TetherServer.RUNTIME));
        } catch (IOException noKeeper) {
            // none ran, or it stopped already
        }
    }

    /** The server and token every call of this CLI uses, as {@code --server} and {@code TETHER_TOKEN}. */
    static Cli against(TestServer server) {
        return new Cli().server(server.url().toString()).env("TETHER_TOKEN", server.token());
    }

    private String server;

    Cli server(String url) {
        this.server = url;
        return this;
    }

    Cli env(String key, String value) {
        env.put(key, value);
        return this;
    }

    Cli token(String token) {
        return env("TETHER_TOKEN", token);
    }

    Cli stdin(String text) {
        this.stdin = text;
        return this;
    }

    /** The command line that runs the CLI's main class in a new JVM. */
    static List<String> javaCommand(List<String> args) {
        return javaCommand(args, System.getProperty("java.class.path"));
    }

    /**
     * The test's class path, with each entry that is not readable by every account copied into
     * {@code lib}: a server that drops to its {@code --run-as} account must read its own classes, as
     * an installed Tether's account can (/opt/tether, say), and Maven's repository under /root is
     * not readable by other accounts.
     */
    static String readableClassPath(Path lib) throws IOException {
        Files.createDirectories(lib);
        var entries = new ArrayList<String>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (entry.startsWith("/root/") && Files.isRegularFile(p)) {
                Path copy = lib.resolve((i++) + "-" + p.getFileName());
                Files.copy(p, copy);
                entries.add(copy.toString());
            } else {
                entries.add(entry);
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /** As {@link #javaCommand(List)}, from the class path {@code classPath}. */
    static List<String> javaCommand(List<String> args, String classPath) {
        var command = new ArrayList<String>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("--enable-native-access=ALL-UNNAMED");
        // A CLI call is short: skip the optimizing compiler to start faster.
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.add("-cp");
        command.add(classPath);
        command.add(Main.class.getName());
        command.addAll(args);
        return command;
    }

    List<String> arguments(String... args) {
        var all = new ArrayList<String>();
        if (server != null) {
            all.add("--server");
            all.add(server);
        }
        all.addAll(List.of(args));
        return all;
    }

    ProcessBuilder processBuilder(String... args) {
        var builder = new ProcessBuilder(javaCommand(arguments(args)));
        Map<String, String> environment = builder.environment();
        environment.remove("TETHER_TOKEN");
        environment.remove("TETHER_SESSION_ID");
        environment.remove("TETHER_DEBUG");
        environment.put("XDG_DATA_HOME", EMPTY_DATA_HOME.toString());
        environment.put("XDG_CONFIG_HOME", EMPTY_CONFIG_HOME.toString());
        environment.putAll(env);
        return builder;
    }

    Result run(String... args) {
        try {
            Process process = processBuilder(args).start();
            CompletableFuture<String> out = drain(process.getInputStream());
            CompletableFuture<String> err = drain(process.getErrorStream());
            try (var in = process.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("tether " + String.join(" ", args) + " did not finish in 60 s");
            }
            return new Result(process.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static CompletableFuture<String> drain(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                var buffer = new ByteArrayOutputStream();
                stream.transferTo(buffer);
                return buffer.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }, Thread::startVirtualThread);
    }
}
