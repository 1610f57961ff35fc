package dev.tether.cli;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real terminal for the CLI: a detached tmux server of its own, whose one pane runs
 * {@code tether ...; echo EXIT=$?} so a test can type keys, resize the window and read the screen.
 */
final class Tmux implements AutoCloseable {
    private static final AtomicInteger COUNT = new AtomicInteger();
    private final String socket = "tether-test-" + ProcessHandle.current().pid() + "-" + COUNT.incrementAndGet();
    private final Path script;

    private Tmux(Path script) {
        this.script = script;
    }

    /** Starts {@code cli args...} in a {@code cols} x {@code rows} window. */
    static Tmux start(Cli cli, int cols, int rows, String... args) {
        return start(cli, cols, rows, null, args);
    }

    /**
     * The same, with stderr sent to a file: stdin and stdout stay the terminal, so the CLI still knows
     * it has one (System.console() looks at those two).
     */
    static Tmux start(Cli cli, int cols, int rows, Path stderr, String... args) {
        try {
            Path script = Files.createTempFile("tether-tmux", ".sh");
            var lines = new ArrayList<String>();
            lines.add("#!/bin/sh");
            lines.add("unset TETHER_TOKEN TETHER_SESSION_ID TETHER_DEBUG");
            ProcessBuilder builder = cli.processBuilder(args);
            for (Map.Entry<String, String> e : builder.environment().entrySet()) {
                if (e.getKey().startsWith("TETHER_") || e.getKey().startsWith("XDG_")) {
                    lines.add("export " + e.getKey() + "=" + quote(e.getValue()));
                }
            }
            lines.add(String.join(" ", builder.command().stream().map(Tmux::quote).toList())
                    + (stderr == null ? "" : " 2>" + quote(stderr.toString())));
            lines.add("echo EXIT=$?");
            lines.add("sleep 600");
            Files.writeString(script, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
            var tmux = new Tmux(script);
            tmux.tmux("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", Integer.toString(cols), "-y", Integer.toString(rows),
                    "sh " + quote(script.toString()));
            return tmux;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Types text or tmux key names ({@code Enter}, {@code C-]}, {@code C-c}). */
    void keys(String... keys) {
        var args = new ArrayList<>(List.of("send-keys", "-t", "t"));
        args.addAll(List.of(keys));
        tmux(args.toArray(String[]::new));
    }

    void resize(int cols, int rows) {
        tmux("resize-window", "-t", "t", "-x", Integer.toString(cols), "-y", Integer.toString(rows));
    }

    String screen() {
        return tmux("capture-pane", "-p", "-t", "t");
    }

    /** The screen with its attributes and colours as escape sequences (capture-pane -e). */
    String screenWithAttributes() {
        return tmux("capture-pane", "-p", "-e", "-t", "t");
    }

    /** The cursor's column and row, from 0. */
    String cursor() {
        return tmux("display-message", "-p", "-t", "t", "#{cursor_x},#{cursor_y}").strip();
    }

    /** The pane's terminal modes, as tmux keeps them: see {@link #MODES}. */
    String modes() {
        return tmux("display-message", "-p", "-t", "t", MODES).strip();
    }

    /** Pastes {@code text} as tmux's paste-buffer -p does: in bracketed-paste markers if the pane asked for them. */
    void paste(String text) {
        tmux("set-buffer", "-b", "test", text);
        tmux("paste-buffer", "-p", "-b", "test", "-t", "t");
    }

    /** tmux's names for the pane modes a program can set, in the order {@link #modes()} gives them. */
    static final String MODES = "alternate_on=#{alternate_on} cursor_flag=#{cursor_flag} keypad_flag=#{keypad_flag}"
            + " keypad_cursor_flag=#{keypad_cursor_flag} mouse_standard_flag=#{mouse_standard_flag}"
            + " mouse_button_flag=#{mouse_button_flag} mouse_all_flag=#{mouse_all_flag} mouse_any_flag=#{mouse_any_flag}"
            + " mouse_sgr_flag=#{mouse_sgr_flag} mouse_utf8_flag=#{mouse_utf8_flag} origin_flag=#{origin_flag}"
            + " insert_flag=#{insert_flag} wrap_flag=#{wrap_flag}"
            + " scroll_region_upper=#{scroll_region_upper} scroll_region_lower=#{scroll_region_lower}";

    /** Runs {@code sh -c script} itself in a {@code cols} x {@code rows} window: the reference for a session running the same. */
    static Tmux running(String script, int cols, int rows) {
        var tmux = new Tmux(null);
        tmux.tmux("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", Integer.toString(cols), "-y", Integer.toString(rows),
                "sh -c " + quote(script));
        return tmux;
    }

    /** The modes of a fresh pane of the same size, which has run nothing: what a terminal looks like before an attach. */
    static String freshPaneModes(int cols, int rows) {
        var fresh = new Tmux(null);
        try (fresh) {
            fresh.tmux("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", Integer.toString(cols), "-y", Integer.toString(rows),
                    "sleep 600");
            return fresh.modes();
        }
    }

    /** Waits until the screen shows {@code text}; returns the screen. */
    String awaitScreen(String text) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .alias("the screen shows " + text).until(() -> screen().contains(text));
        return screen();
    }

    private String tmux(String... args) {
        var command = new ArrayList<>(List.of("tmux", "-L", socket));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("tmux " + String.join(" ", args) + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    @Override
    public void close() {
        try {
            new ProcessBuilder("tmux", "-L", socket, "kill-server").redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
            if (script != null) {
                Files.deleteIfExists(script);
            }
        } catch (IOException e) {
            // nothing left to clean
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
