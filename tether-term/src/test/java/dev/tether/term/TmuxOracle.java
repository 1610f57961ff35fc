package dev.tether.term;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * tmux as the oracle of what a byte stream leaves on a terminal: the stream runs in a real tmux
 * (its own server, {@code -L} with a unique socket name, {@code -f /dev/null}, a detached session of
 * exactly cols x rows) and the screen, cursor, modes, title and scrollback are read back from it.
 *
 * <p>The pane runs {@code stty raw -echo; cat STREAM} (raw, so the tty passes the bytes through
 * unchanged: no {@code \n} to {@code \r\n}, and tmux's answers to the stream's queries are neither
 * echoed nor cooked), then signals a {@code wait-for} channel and reads its input into a file. The
 * signal only says cat has written everything into the pty, not that tmux has parsed it; but tmux
 * copies what it reads to {@code pipe-pane -O} in the same callback that parses it, so once that copy
 * has the whole stream, so has the screen (read twice more, to be sure nothing moves).
 *
 * <p>What tmux cannot say directly is measured: the styles of cells erased past a line's last written
 * cell (which {@code capture-pane} leaves out) from a redraw of the screen in a second tmux (see
 * {@link #redrawnStyles}); the bracketed-paste mode by a
 * {@code paste-buffer -p} whose markers show up in the pane's input; the width tmux gives each
 * non-ASCII code point by printing it after an {@code a} and asking for the cursor position
 * ({@code CSI 6 n}) in a second window. The focus-reporting mode (1004) is not observable (tmux
 * 3.3a has no format for it) and X10 mouse (mode 9) does not exist in tmux.
 */
final class TmuxOracle {
    /** A cell's style where neither tmux's capture nor its redraw shows it. */
    static final long UNOBSERVED = -1L;

    private static final AtomicInteger COUNT = new AtomicInteger();
    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final String PASTE_MARKER = "tether-paste-probe";
    private static final String FORMATS = String.join("\t", "#{cursor_x}", "#{cursor_y}", "#{alternate_on}",
            "#{cursor_flag}", "#{keypad_cursor_flag}", "#{keypad_flag}", "#{mouse_standard_flag}",
            "#{mouse_button_flag}", "#{mouse_all_flag}", "#{mouse_sgr_flag}", "#{mouse_utf8_flag}",
            "#{origin_flag}", "#{wrap_flag}", "#{insert_flag}", "#{scroll_region_upper}",
            "#{scroll_region_lower}", "#{history_size}", "#{pane_width}", "#{pane_height}", "#{pane_title}");

    /** The modes tmux keeps for a pane, in tether-term's terms. */
    record TmuxModes(boolean appCursor, boolean appKeypad, boolean bracketedPaste, int mouse, boolean mouseSgr,
                     boolean origin, boolean autowrap, boolean insert, boolean cursorVisible, int scrollTop,
                     int scrollBottom) {
    }

    /**
     * What tmux shows after a stream.
     *
     * @param text per row and column: {@code " "} blank, {@code ""} the right half of a wide character,
     *     else the character and its combining marks
     * @param style per row and column, in {@link Style}'s packing, or {@link #UNOBSERVED}
     * @param scrollback {@code capture-pane -p -S -historySize}: history and screen, trailing blanks trimmed
     */
    record Screen(int cols, int rows, String[][] text, long[][] style, int cursorRow, int cursorCol, boolean alternate,
                  TmuxModes modes, String title, int historySize, String scrollback, String capture) {
    }

    private final Path dir;
    private final String socket;

    private TmuxOracle(Path dir, String socket) {
        this.dir = dir;
        this.socket = socket;
    }

    /** Runs {@code stream} in a fresh tmux of {@code cols} x {@code rows} and reads what it shows. */
    static Screen run(byte[] stream, int cols, int rows) {
        requireTmux();
        Path dir;
        try {
            dir = Files.createTempDirectory("tether-oracle");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var oracle = new TmuxOracle(dir, "tether-oracle-" + ProcessHandle.current().pid() + "-" + COUNT.incrementAndGet());
        try {
            return oracle.screen(stream, cols, rows);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            oracle.killServer();
            deleteTree(dir);
        }
    }

    /** Fails, never skips, without tmux: CI always has it (.ci/run installs it). */
    static void requireTmux() {
        String version;
        try {
            Process p = new ProcessBuilder("tmux", "-V").redirectErrorStream(true).start();
            version = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("tmux -V failed (" + version + "): the differential tests need tmux as their oracle");
            }
        } catch (IOException e) {
            throw new AssertionError("tmux is not installed (PATH=" + System.getenv("PATH") + "): the differential tests"
                    + " need it as their oracle; install it (apt-get install tmux; .ci/run does)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private Screen screen(byte[] stream, int cols, int rows) throws IOException {
        Path streamFile = dir.resolve("stream");
        Path input = dir.resolve("input");
        Files.write(streamFile, stream);
        Files.createFile(input);
        Path script = writeScript("main.sh", "tmux wait-for go-" + socket, "cat " + quote(streamFile),
                "tmux wait-for -S done-" + socket, "exec cat > " + quote(input));
        tmux("-f", "/dev/null", "start-server", ";", "set-option", "-g", "history-limit", "1000000", ";",
                "set-option", "-g", "status", "off", ";",
                "set-option", "-as", "terminal-features", "tmux-256color:RGB:strikethrough:overline:usstyle", ";",
                "new-session", "-d", "-s", "o", "-x", Integer.toString(cols), "-y", Integer.toString(rows),
                "sh " + quote(script));
        Path parsed = dir.resolve("parsed");
        tmux("pipe-pane", "-O", "-t", "o:0", "cat > " + quote(parsed));
        tmux("select-pane", "-t", "o:0", "-T", "");
        tmux("wait-for", "-S", "go-" + socket);
        tmux("wait-for", "done-" + socket);
        await("tmux has read (and so parsed) all " + stream.length + " bytes",
                () -> Files.exists(parsed) && Files.size(parsed) >= stream.length);

        String[] read = {null, null};
        await("tmux shows the same screen twice in a row", () -> {
            String capture = tmux("capture-pane", "-p", "-e", "-N", "-t", "o:0");
            String formats = tmux("display-message", "-p", "-t", "o:0", FORMATS);
            boolean stable = capture.equals(read[0]) && formats.equals(read[1]);
            read[0] = capture;
            read[1] = formats;
            return stable;
        });
        String capture = read[0];
        String[] f = read[1].stripTrailing().split("\t", -1);
        if (Integer.parseInt(f[17]) != cols || Integer.parseInt(f[18]) != rows) {
            throw new AssertionError("tmux made the pane " + f[17] + "x" + f[18] + ", not " + cols + "x" + rows);
        }
        boolean bracketedPaste = bracketedPaste(input);
        int historySize = Integer.parseInt(f[16]);
        String scrollback = tmux("capture-pane", "-p", "-t", "o:0", "-S", "-" + historySize);

        var widths = widths(capture);
        var cells = new CaptureParser(cols, rows, c -> {
            Integer width = widths.get(c);
            if (width == null) throw new AssertionError("no width measured for U+" + Integer.toHexString(c));
            return width;
        }).parse(capture);
        redrawnStyles(cells, widths, cols, rows);
        int mouse = flag(f[8]) ? 1003 : flag(f[7]) ? 1002 : flag(f[6]) ? 1000 : 0;
        var modes = new TmuxModes(flag(f[4]), flag(f[5]), bracketedPaste, mouse, flag(f[9]), flag(f[11]), flag(f[12]),
                flag(f[13]), flag(f[3]), Integer.parseInt(f[14]), Integer.parseInt(f[15]));
        return new Screen(cols, rows, cells.text(), cells.style(), Integer.parseInt(f[1]), Integer.parseInt(f[0]),
                flag(f[2]), modes, f.length > 19 ? f[19] : "", historySize, scrollback, capture);
    }

    /**
     * Fills in the styles {@code capture-pane} leaves out (cells erased past the last written one of a
     * line) from a second tmux, in whose pane a read-only client of the first one redraws the screen.
     * That client is told its terminal (tmux-256color) has no background colour erase, so it writes
     * such cells as spaces in their colour, which the second tmux's capture shows; cells it erases with
     * EL instead are erased in the default colour, style 0. The redraw counts only once its text equals
     * the first tmux's own.
     */
    private void redrawnStyles(CaptureParser.Cells cells, Map<Integer, Integer> widths, int cols, int rows) {
        var view = new TmuxOracle(dir, socket + "-view");
        try {
            view.tmux("-f", "/dev/null", "start-server", ";", "set-option", "-g", "status", "off", ";",
                    "new-session", "-d", "-s", "v", "-x", Integer.toString(cols), "-y", Integer.toString(rows),
                    "TMUX= TERM=tmux-256color exec tmux -u -L " + socket + " attach-session -r -t o");
            String[] read = {null, null};
            await("the redraw in a second tmux shows the first one's text", () -> {
                String redrawn = view.tmux("capture-pane", "-p", "-e", "-N", "-t", "v:0");
                // the client draws DEC graphics as Unicode (the same table as CaptureParser's) and no other new characters
                var parsed = new CaptureParser(cols, rows, c -> widths.getOrDefault(c, 1)).parse(redrawn);
                boolean same = Arrays.deepEquals(parsed.text(), cells.text());
                boolean stable = same && redrawn.equals(read[0]);
                read[0] = redrawn;
                read[1] = same ? null : "first tmux:\n" + rows(cells.text()) + "redrawn:\n" + rows(parsed.text());
                return stable;
            }, () -> read[1]);
            var seen = new CaptureParser(cols, rows, c -> widths.getOrDefault(c, 1)).parse(read[0]);
            for (int row = 0; row < rows; row++) {
                for (int col = 0; col < cols; col++) {
                    if (cells.style()[row][col] == UNOBSERVED && cells.text()[row][col].equals(" ")
                            && seen.text()[row][col].equals(" ")) {
                        long style = seen.style()[row][col];
                        cells.style()[row][col] = style == UNOBSERVED ? 0 : style;
                    }
                }
            }
        } finally {
            view.killServer();
        }
    }

    /** Whether a paste reaches the pane between {@code ESC [200~} and {@code ESC [201~}. */
    private boolean bracketedPaste(Path input) throws IOException {
        tmux("set-buffer", "-b", "probe", PASTE_MARKER);
        tmux("paste-buffer", "-p", "-d", "-b", "probe", "-t", "o:0");
        String[] got = {""};
        await("the paste reaches the pane's input", () -> {
            got[0] = Files.readString(input, StandardCharsets.ISO_8859_1);
            return got[0].contains(PASTE_MARKER);
        });
        return got[0].contains("\033[200~" + PASTE_MARKER);
    }

    /** The width tmux gives each non-ASCII code point of {@code capture}, measured with cursor position reports. */
    private Map<Integer, Integer> widths(String capture) throws IOException {
        var points = new TreeSet<Integer>();
        capture.codePoints().filter(c -> c >= 0x80).forEach(points::add);
        var widths = new LinkedHashMap<Integer, Integer>();
        if (points.isEmpty()) {
            return widths;
        }
        var probe = new StringBuilder();
        for (int c : points) {
            // the "é" ends what a zero width joiner starts: tmux 3.3a joins the next non-ASCII character to
            // the cell left of the cursor, wherever the cursor went and whatever ASCII came in between
            probe.append("\033[H\033[2Ka").appendCodePoint(c).append("\033[6n\u00e9");
        }
        Path probeFile = dir.resolve("probe");
        Path answers = dir.resolve("answers");
        Files.writeString(probeFile, probe, StandardCharsets.UTF_8);
        Files.createFile(answers);
        Path script = writeScript("probe.sh", "cat " + quote(probeFile), "exec cat > " + quote(answers));
        tmux("new-window", "-d", "-t", "o:1", "sh " + quote(script));
        List<Integer> columns = new ArrayList<>();
        await("tmux answers " + points.size() + " cursor position requests", () -> {
            String text = Files.readString(answers, StandardCharsets.ISO_8859_1);
            columns.clear();
            var m = java.util.regex.Pattern.compile("\033\\[(\\d+);(\\d+)R").matcher(text);
            while (m.find()) {
                columns.add(Integer.parseInt(m.group(2)));
            }
            return columns.size() == points.size();
        });
        int i = 0;
        for (int c : points) {
            widths.put(c, columns.get(i++) - 2); // the cursor was at column 1 (1-based) after "a", then moved by the width
        }
        return widths;
    }

    private Path writeScript(String name, String... commands) throws IOException {
        Path script = dir.resolve(name);
        var lines = new ArrayList<String>();
        lines.add("stty raw -echo");
        lines.addAll(List.of(commands));
        Files.writeString(script, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return script;
    }

    private static boolean flag(String value) {
        return !value.equals("0") && !value.isEmpty();
    }

    private static String rows(String[][] text) {
        var b = new StringBuilder();
        for (String[] row : text) {
            b.append(String.join("", row).stripTrailing()).append('\n');
        }
        return b.toString();
    }

    private static void await(String what, Check check) {
        await(what, check, () -> null);
    }

    /** Polls {@code check} until it holds; on the deadline, fails with {@code why}'s last word if it has one. */
    private static void await(String what, Check check, java.util.function.Supplier<String> why) {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        long pause = 10;
        while (true) {
            try {
                if (check.done()) {
                    return;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (System.nanoTime() > deadline) {
                String reason = why.get();
                throw new AssertionError("waited " + LIMIT.toSeconds() + " s, in vain, until " + what
                        + (reason == null ? "" : ":\n" + reason));
            }
            try {
                TimeUnit.MILLISECONDS.sleep(pause); // a polling loop with a deadline: tmux gives no event to wait on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            pause = Math.min(pause * 2, 100);
        }
    }

    @FunctionalInterface
    private interface Check {
        boolean done() throws IOException;
    }

    String tmux(String... args) {
        var command = new ArrayList<>(List.of("tmux", "-L", socket));
        command.addAll(List.of(args));
        try {
            var builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().put("LC_ALL", "C.UTF-8"); // tmux's widths and the client's UTF-8 need a UTF-8 locale
            Process p = builder.start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("tmux " + String.join(" ", args) + " did not end in " + LIMIT.toSeconds() + " s");
            }
            if (p.exitValue() != 0) {
                throw new AssertionError("tmux " + String.join(" ", args) + " failed (" + p.exitValue() + "): " + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private void killServer() {
        try {
            Process p = new ProcessBuilder("tmux", "-L", socket, "kill-server").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            // no server left to kill
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }

    static String quote(Object text) {
        return "'" + text.toString().replace("'", "'\\''") + "'";
    }
}
