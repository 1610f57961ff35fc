package dev.tether.term;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * xterm.js as the second oracle, for the streams where tmux departs from xterm on purpose: the stream
 * is written to a headless xterm.js ({@code @xterm/headless}, the exact version pinned in
 * {@code src/test/xterm/package.json} and its lock file) by {@code src/test/xterm/screen.js} under
 * node, which prints every cell's text and style, the cursor, the active buffer, the modes and the
 * title in a line format read here (no JSON library in this module).
 *
 * <p>node is required, never optional: without it the tests fail and say so. The node modules are
 * installed by {@code npm ci} from the committed lock file the first time they are missing (or not
 * the pinned versions), into {@code src/test/xterm/node_modules}, which git ignores.
 */
final class XtermJsOracle {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final Pattern DEPENDENCY = Pattern.compile("\"(@?[\\w./-]+)\"\\s*:\\s*\"(\\d[^\"]*)\"");
    private static final Pattern VERSION = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]+)\"");
    private static volatile boolean installed;

    /**
     * What xterm.js shows after a stream.
     *
     * @param text per row and column: {@code " "} blank, {@code ""} the right half of a wide character,
     *     else the character and its combining marks
     * @param style per row and column, in {@link Style}'s packing
     * @param cursorCol 0-based, {@code cols} when a wrap is pending
     * @param modes xterm.js's {@code terminal.modes} by name, and {@code mouseEncoding},
     *     {@code cursorHidden}, {@code scrollTop}, {@code scrollBottom} from its internals; all as text
     * @param historySize lines of scrollback of the normal buffer
     * @param lines the history, then the rows of the active screen, each right-trimmed
     */
    record Screen(String[][] text, long[][] style, int cursorRow, int cursorCol, boolean alternate,
                  Map<String, String> modes, String title, int historySize, List<String> lines) {
    }

    private XtermJsOracle() {
    }

    /** Runs {@code stream} in a fresh headless xterm.js of {@code cols} x {@code rows} and reads what it shows. */
    static Screen run(byte[] stream, int cols, int rows) {
        Path dir = scriptDirectory();
        install(dir);
        Path file = null;
        try {
            file = Files.createTempFile("tether-xterm", ".bin");
            Files.write(file, stream);
            String out = command(dir, List.of("node", "screen.js", file.toString(), Integer.toString(cols),
                    Integer.toString(rows)));
            return parse(out, cols, rows);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (file != null) {
                file.toFile().delete();
            }
        }
    }

    /** {@code src/test/xterm} of this module, found from the compiled test classes ({@code target/test-classes}). */
    static Path scriptDirectory() {
        try {
            Path classes = Path.of(XtermJsOracle.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = classes.getParent().getParent().resolve("src/test/xterm");
            if (!Files.isRegularFile(dir.resolve("screen.js"))) {
                throw new AssertionError("no screen.js in " + dir + " (looked up from the test classes in " + classes + ")");
            }
            return dir;
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** Fails, never skips, without node and npm: CI must install them (apt-get install nodejs npm). */
    static void requireNode() {
        for (String tool : List.of("node", "npm")) {
            try {
                Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
                String version = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new AssertionError(tool + " --version failed (" + version + "): the xterm.js differential tests"
                            + " need node and npm to run xterm.js as their oracle");
                }
            } catch (IOException e) {
                throw new AssertionError(tool + " is not installed (PATH=" + System.getenv("PATH") + "): the xterm.js"
                        + " differential tests need node and npm to run xterm.js as their oracle; install them"
                        + " (apt-get install nodejs npm)", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** {@code npm ci} unless every dependency of package.json is in node_modules at its pinned version. */
    private static synchronized void install(Path dir) {
        if (installed) {
            return;
        }
        requireNode();
        if (!upToDate(dir)) {
            command(dir, List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"));
            if (!upToDate(dir)) {
                throw new AssertionError("npm ci in " + dir + " did not install the versions package.json pins");
            }
        }
        installed = true;
    }

    private static boolean upToDate(Path dir) {
        try {
            String packageJson = Files.readString(dir.resolve("package.json"));
            String dependencies = packageJson.substring(packageJson.indexOf("\"dependencies\""));
            var m = DEPENDENCY.matcher(dependencies.substring(0, dependencies.indexOf('}')));
            boolean any = false;
            while (m.find()) {
                any = true;
                Path present = dir.resolve("node_modules").resolve(m.group(1)).resolve("package.json");
                if (!Files.isRegularFile(present)) {
                    return false;
                }
                var version = VERSION.matcher(Files.readString(present));
                if (!version.find() || !version.group(1).equals(m.group(2))) {
                    return false;
                }
            }
            if (!any) {
                throw new AssertionError(dir.resolve("package.json") + " pins no dependency");
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code command} in {@code dir}, within {@link #LIMIT}; its stdout, or an AssertionError with its stderr. */
    private static String command(Path dir, List<String> command) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).start();
            p.getOutputStream().close();
            var out = drain(p.getInputStream());
            var err = drain(p.getErrorStream());
            if (!p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " in " + dir + " did not end in " + LIMIT.toSeconds()
                        + " s");
            }
            if (p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " in " + dir + " failed (" + p.exitValue() + "): "
                        + err.join());
            }
            return out.join();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Reads {@code stream} to its end on a thread of its own, so that neither pipe of a process fills up. */
    private static CompletableFuture<String> drain(InputStream stream) {
        var text = new CompletableFuture<String>();
        Thread.ofVirtual().name("xterm.js-oracle-pipe").start(() -> {
            try (stream) {
                text.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.completeExceptionally(e);
            }
        });
        return text;
    }

    static Screen parse(String out, int cols, int rows) {
        var text = new String[rows][cols];
        var style = new long[rows][cols];
        var modes = new LinkedHashMap<String, String>();
        var lines = new ArrayList<String>();
        int cursorRow = -1;
        int cursorCol = -1;
        boolean alternate = false;
        String title = "";
        int history = -1;
        int cells = 0;
        boolean ended = false;
        for (String line : out.split("\n")) {
            String[] f = line.split(" ");
            switch (f[0]) {
                case "cursor" -> {
                    cursorRow = Integer.parseInt(f[1]);
                    cursorCol = Integer.parseInt(f[2]);
                }
                case "alternate" -> alternate = f[1].equals("1");
                case "mode" -> modes.put(f[1], f[2]);
                case "title" -> title = decode(f[1]);
                case "history" -> history = Integer.parseInt(f[1]);
                case "line" -> lines.add(decode(f[1]));
                case "cell" -> {
                    int row = Integer.parseInt(f[1]);
                    int col = Integer.parseInt(f[2]);
                    text[row][col] = f[3].equals("0") ? "" : decode(f[4]);
                    style[row][col] = Style.of(colour(f[5]), colour(f[6]), flags(f[7]));
                    cells++;
                }
                case "end" -> ended = true;
                default -> throw new AssertionError("screen.js printed a line the oracle cannot read: " + line);
            }
        }
        if (!ended || cells != rows * cols || cursorRow < 0 || history < 0 || lines.size() != history + rows) {
            throw new AssertionError("screen.js printed " + cells + " cells, not " + rows * cols + ", or no cursor, history"
                    + " or end:\n" + out.lines().filter(l -> !l.startsWith("cell ")).limit(60).toList());
        }
        return new Screen(text, style, cursorRow, cursorCol, alternate, modes, title, history, lines);
    }

    private static String decode(String field) {
        return field.equals("-") ? "" : URLDecoder.decode(field, StandardCharsets.UTF_8);
    }

    private static int colour(String field) {
        if (field.equals("d")) {
            return Style.DEFAULT;
        }
        if (field.startsWith("p:")) {
            return Style.PALETTE | Integer.parseInt(field.substring(2));
        }
        if (field.startsWith("r:")) {
            return Style.RGB | Integer.parseInt(field.substring(2), 16);
        }
        throw new AssertionError("screen.js printed a colour the oracle cannot read: " + field);
    }

    private static int flags(String field) {
        int flags = 0;
        for (char c : field.toCharArray()) {
            flags |= switch (c) {
                case 'b' -> Style.BOLD;
                case 'f' -> Style.DIM;
                case 'i' -> Style.ITALIC;
                case 'u' -> Style.UNDERLINE;
                case 'w' -> Style.DOUBLE_UNDERLINE;
                case 'k' -> Style.BLINK;
                case 'r' -> Style.INVERSE;
                case 'h' -> Style.HIDDEN;
                case 's' -> Style.STRIKE;
                case 'o' -> Style.OVERLINE;
                case '-' -> 0;
                default -> throw new AssertionError("screen.js printed a flag the oracle cannot read: " + field);
            };
        }
        return flags;
    }
}
