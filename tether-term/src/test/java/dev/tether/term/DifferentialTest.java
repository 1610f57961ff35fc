package dev.tether.term;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * tmux is the oracle: every stream of the corpus (programs recorded once by
 * {@code src/test/record-corpus.sh}, and hand-written streams for each feature) goes to a real
 * tmux of 80x24 and to {@code new Emulator(80, 24, 4 << 20)}, and the two must show the same: every
 * cell's text and style, the cursor, the alternate-screen flag, the modes tmux exposes, the title,
 * and for the streams that scroll the scrollback as text. A stream passes only with zero differences;
 * where tmux differs from xterm on purpose the test still says so, it is not bent around it.
 *
 * <p>Each stream is also fed to a second emulator in chunks cut at random places (seeded by the
 * stream's name), which must end the same as the one fed at once: a read boundary inside an escape
 * sequence or a UTF-8 character must not change the screen. And the emulator's {@link
 * Emulator#snapshot} (what a reattach sends) must redraw, in a fresh tmux, what the stream showed in
 * tmux: the reattach property of issue 12, checked in a real terminal rather than in the emulator.
 *
 * <p>One summary line per stream goes to stdout ({@code differential NAME: B bytes, C cells compared,
 * D differing}) for the closing note. A cell whose style tmux shows neither in its capture nor
 * in its redraw (see {@link TmuxOracle}) would be compared by text only and counted as such; none is.
 */
class DifferentialTest {
    private static final int COLS = 80;
    private static final int ROWS = 24;
    private static final int SCROLLBACK = 4 << 20;
    private static final int SHOWN = 12;
    /** The streams whose scrollback is compared too. */
    private static final Set<String> SCROLLING = Set.of("bash", "less", "less-noinit", "scroll-region", "long-scroll");

    /** What a terminal shows, from tmux or from the emulator, in the terms both can give. */
    private record View(String[][] text, long[][] style, int cursorRow, int cursorCol, boolean alternate,
                        List<Object> modes, String title, int scrollbackLines, List<String> scrollback) {
        static final List<String> MODE_NAMES = List.of("appCursor", "appKeypad", "bracketedPaste", "mouse", "mouseSgr",
                "origin", "autowrap", "insert", "cursorVisible", "scrollTop", "scrollBottom");

        static View of(TmuxOracle.Screen s) {
            var m = s.modes();
            return new View(s.text(), s.style(), s.cursorRow(), s.cursorCol(), s.alternate(),
                    List.of(m.appCursor(), m.appKeypad(), m.bracketedPaste(), m.mouse(), m.mouseSgr(), m.origin(),
                            m.autowrap(), m.insert(), m.cursorVisible(), m.scrollTop(), m.scrollBottom()),
                    s.title(), s.historySize(), lines(s.scrollback()));
        }

        /** The emulator's view, its scrollback text taken with the number of lines tmux kept. */
        static View of(Emulator e, int scrollback) {
            var text = new String[e.rows()][e.cols()];
            var style = new long[e.rows()][e.cols()];
            for (int row = 0; row < e.rows(); row++) {
                for (int col = 0; col < e.cols(); col++) {
                    text[row][col] = e.cell(row, col);
                    style[row][col] = e.style(row, col);
                }
            }
            var m = e.modes();
            return new View(text, style, e.cursorRow(), e.cursorCol(), e.alternateScreen(),
                    List.of(m.appCursor(), m.appKeypad(), m.bracketedPaste(), m.mouse(), m.mouseSgr(), m.origin(),
                            m.autowrap(), m.insert(), m.cursorVisible(), m.scrollTop(), m.scrollBottom()),
                    e.title(), e.scrollbackLines(), lines(e.text(scrollback)));
        }
    }

    /** How {@code actual} differs from {@code expected}, in sentences; the cell counts for the summary. */
    private record Differences(List<String> problems, int differingCells, int textOnlyCells) {
        static Differences of(View expected, View actual, boolean scrollback, String them, String us) {
            var problems = new ArrayList<String>();
            int differing = 0;
            int textOnly = 0;
            var shown = new ArrayList<String>();
            for (int row = 0; row < ROWS; row++) {
                for (int col = 0; col < COLS; col++) {
                    String text = expected.text()[row][col];
                    long style = expected.style()[row][col];
                    boolean observed = style != TmuxOracle.UNOBSERVED;
                    if (!observed) {
                        textOnly++;
                    }
                    String ourText = actual.text()[row][col];
                    long ourStyle = actual.style()[row][col];
                    if (!text.equals(ourText) || observed && style != ourStyle) {
                        differing++;
                        if (shown.size() < SHOWN) {
                            shown.add("  (" + row + "," + col + ") " + them + " " + cell(text, observed ? style : null)
                                    + ", " + us + " " + cell(ourText, ourStyle));
                        }
                    }
                }
            }
            if (differing > 0) {
                problems.add(differing + " cells differ; the first " + shown.size() + " (row,col):\n" + String.join("\n", shown));
            }
            if (expected.cursorRow() != actual.cursorRow() || expected.cursorCol() != actual.cursorCol()) {
                problems.add("cursor: " + them + " (" + expected.cursorRow() + "," + expected.cursorCol() + "), " + us + " ("
                        + actual.cursorRow() + "," + actual.cursorCol() + ")");
            }
            same(problems, "alternate screen", expected.alternate(), actual.alternate(), them, us);
            for (int i = 0; i < View.MODE_NAMES.size(); i++) {
                same(problems, View.MODE_NAMES.get(i), expected.modes().get(i), actual.modes().get(i), them, us);
            }
            same(problems, "title", expected.title(), actual.title(), them, us);
            if (scrollback) {
                same(problems, "scrollback lines", expected.scrollbackLines(), actual.scrollbackLines(), them, us);
                scrollback(problems, expected.scrollback(), actual.scrollback(), expected.scrollbackLines(), them, us);
            }
            return new Differences(problems, differing, textOnly);
        }
    }

    @TestFactory
    Stream<DynamicTest> theEmulatorShowsWhatTmuxShowsForEveryStreamOfTheCorpus() throws IOException, URISyntaxException {
        return corpus(this::emulatorAgainstTmux);
    }

    @TestFactory
    Stream<DynamicTest> theEmulatorsSnapshotRedrawsInAFreshTmuxWhatTheStreamShowedInTmux() throws IOException,
            URISyntaxException {
        return corpus(this::snapshotAgainstTmux);
    }

    /** The control case: the comparison sees one cell's difference, and says where. */
    @Test
    void aStreamThatDiffersInOneCellFailsWithThatCellNamed() {
        var tmux = View.of(TmuxOracle.run(bytes("abc\033[31md"), COLS, ROWS));
        var ours = new Emulator(COLS, ROWS, SCROLLBACK);
        ours.feed(bytes("abx\033[32md"));

        var differences = Differences.of(tmux, View.of(ours, 0), /* scrollback= */ false, "tmux", "ours");

        assertThat(differences.differingCells()).isEqualTo(2);
        assertThat(differences.problems()).singleElement().asString()
                .contains("(0,2) tmux 'c' [], ours 'x' []", "(0,3) tmux 'd' [31], ours 'd' [32]");
    }

    private void emulatorAgainstTmux(String name, byte[] stream) {
        var tmux = View.of(TmuxOracle.run(stream, COLS, ROWS));
        var ours = new Emulator(COLS, ROWS, SCROLLBACK);
        ours.feed(stream);

        var differences = Differences.of(tmux, View.of(ours, tmux.scrollbackLines()), SCROLLING.contains(name), "tmux", "ours");
        var problems = new ArrayList<>(differences.problems());
        chunked(problems, name, stream, ours);

        System.out.printf("differential %s: %d bytes, %d cells compared, %d differing%s%s%n", name, stream.length,
                ROWS * COLS, differences.differingCells(), differences.textOnlyCells() == 0 ? ""
                        : " (" + differences.textOnlyCells() + " by text only: no style seen in tmux)",
                SCROLLING.contains(name) ? ", scrollback " + tmux.scrollbackLines() + " lines compared" : "");
        if (!problems.isEmpty()) {
            fail(name + " (" + stream.length + " bytes) differs from tmux:\n" + String.join("\n", problems));
        }
    }

    private void snapshotAgainstTmux(String name, byte[] stream) {
        var tmux = View.of(TmuxOracle.run(stream, COLS, ROWS));
        var ours = new Emulator(COLS, ROWS, SCROLLBACK);
        ours.feed(stream);
        byte[] snapshot = ours.snapshot(tmux.scrollbackLines());
        var redrawn = View.of(TmuxOracle.run(snapshot, COLS, ROWS));

        var differences = Differences.of(tmux, redrawn, SCROLLING.contains(name), "stream", "snapshot");
        System.out.printf("snapshot %s: %d bytes of stream, %d of snapshot, %d cells compared, %d differing%n", name,
                stream.length, snapshot.length, ROWS * COLS, differences.differingCells());
        if (!differences.problems().isEmpty()) {
            fail(name + ": in tmux, the emulator's snapshot (" + snapshot.length + " bytes) does not redraw what the stream ("
                    + stream.length + " bytes) showed:\n" + String.join("\n", differences.problems()));
        }
    }

    private static Stream<DynamicTest> corpus(Check check) throws IOException, URISyntaxException {
        Path corpus = Path.of(Objects.requireNonNull(DifferentialTest.class.getResource("corpus"),
                "no corpus next to DifferentialTest in the test resources").toURI());
        List<Path> streams;
        try (var files = Files.list(corpus)) {
            streams = files.filter(p -> p.toString().endsWith(".bin")).sorted().toList();
        }
        if (streams.size() < 30) {
            fail("the corpus in " + corpus + " has " + streams.size() + " streams, fewer than the 30 it was written with");
        }
        return streams.stream().map(p -> {
            String name = p.getFileName().toString().replace(".bin", "");
            return DynamicTest.dynamicTest(name, () -> check.run(name, Files.readAllBytes(p)));
        });
    }

    @FunctionalInterface
    private interface Check {
        void run(String name, byte[] stream);
    }

    private static void scrollback(List<String> problems, List<String> expected, List<String> actual, int lines, String them,
                                   String us) {
        if (expected.equals(actual)) {
            return;
        }
        int first = 0;
        while (first < Math.min(expected.size(), actual.size()) && expected.get(first).equals(actual.get(first))) {
            first++;
        }
        problems.add("scrollback text (-S -" + lines + "): " + them + " " + expected.size() + " lines, " + us + " "
                + actual.size() + "; from the first difference, line " + first + ":\n  " + them + ": "
                + String.join("\n        ", excerpt(expected, first)) + "\n  " + us + ": "
                + String.join("\n        ", excerpt(actual, first)));
    }

    private static List<String> excerpt(List<String> lines, int from) {
        return lines.subList(Math.min(from, lines.size()), Math.min(from + 5, lines.size())).stream()
                .map(line -> "'" + line + "'").toList();
    }

    /** The lines of a capture, without the newline that ends tmux's last one. */
    private static List<String> lines(String text) {
        var lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!lines.isEmpty() && lines.getLast().isEmpty()) {
            lines.removeLast();
        }
        return lines;
    }

    /** The stream fed in chunks of 1 to 16 bytes ends on the same screen as the stream fed at once. */
    private static void chunked(List<String> problems, String name, byte[] stream, Emulator whole) {
        long seed = name.hashCode();
        var random = new Random(seed);
        var pieces = new Emulator(COLS, ROWS, SCROLLBACK);
        for (int at = 0; at < stream.length; ) {
            int length = Math.min(1 + random.nextInt(16), stream.length - at);
            pieces.feed(stream, at, length);
            at += length;
        }
        Function<Emulator, View> view = e -> View.of(e, e.scrollbackLines());
        var differences = Differences.of(view.apply(whole), view.apply(pieces), /* scrollback= */ true, "at once", "in chunks");
        if (!differences.problems().isEmpty()) {
            problems.add("fed in chunks of 1-16 bytes (seed " + seed + "), the emulator differs from itself fed at once:\n  "
                    + String.join("\n  ", differences.problems()));
        }
    }

    private static void same(List<String> problems, String what, Object expected, Object actual, String them, String us) {
        if (!expected.equals(actual)) {
            problems.add(what + ": " + them + " " + expected + ", " + us + " " + actual);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String cell(String text, Long style) {
        var b = new StringBuilder("'");
        text.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", c));
            else if (Character.getType(c) == Character.NON_SPACING_MARK || c == 0x200d || c == 0xfe0f) b.append(String.format("\\u%04x", c));
            else b.appendCodePoint(c);
        });
        b.append('\'');
        if (style == null) {
            b.append(" [style not seen in tmux]");
        } else {
            b.append(" [").append(Style.sgr(style)).append(']');
        }
        return b.toString();
    }
}
