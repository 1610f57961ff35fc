package dev.tether.term;

import static dev.tether.term.Divergences.TMUX_DIFFERS;
import static dev.tether.term.Divergences.XTERMJS_DIFFERS;
import static dev.tether.term.Divergences.XTERMJS_REDRAWS_OTHERWISE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import dev.tether.term.Divergences.Quirk;
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
 * <p>Where tmux 3.3a departs from xterm and the emulator follows xterm ({@link
 * Divergences#TMUX_DIFFERS}), the stream is compared with xterm.js instead ({@link XtermJsOracle}, a
 * headless xterm.js under node), the same way: cells, styles, cursor, modes, title; and its snapshot
 * is redrawn in xterm.js. Every stream of the corpus also runs against xterm.js, which must agree but
 * where {@link Divergences#XTERMJS_DIFFERS} says how and why not; and every stream's snapshot, redrawn
 * in xterm.js, must show what the emulator shows (but where {@link
 * Divergences#XTERMJS_REDRAWS_OTHERWISE} says why not).
 *
 * <p>One summary line per stream goes to stdout ({@code differential NAME (ORACLE): B bytes, C cells
 * compared, D differing}) for the closing note. A cell whose style tmux shows neither in its
 * capture nor in its redraw (see {@link TmuxOracle}) would be compared by text only and counted as
 * such; none is.
 */
class DifferentialTest {
    private static final int COLS = 80;
    private static final int ROWS = 24;
    private static final int SCROLLBACK = 4 << 20;
    private static final int SHOWN = 12;
    /** The streams whose scrollback is compared too. */
    private static final Set<String> SCROLLING = Set.of("bash", "less", "less-noinit", "scroll-region", "long-scroll");

    /**
     * What a terminal shows, from tmux, xterm.js or the emulator, in the terms they can give.
     *
     * @param modes by name; only the modes the oracle shows (the expected view's) are compared
     */
    private record View(String[][] text, long[][] style, int cursorRow, int cursorCol, boolean alternate,
                        Map<String, Object> modes, String title, int scrollbackLines, List<String> scrollback) {

        static View of(TmuxOracle.Screen s) {
            var m = s.modes();
            return new View(s.text(), s.style(), s.cursorRow(), s.cursorCol(), s.alternate(),
                    modes(m.appCursor(), m.appKeypad(), m.bracketedPaste(), m.mouse(), m.mouseSgr(), m.origin(),
                            m.autowrap(), m.insert(), m.cursorVisible(), m.scrollTop(), m.scrollBottom()),
                    s.title(), s.historySize(), lines(s.scrollback()));
        }

        /**
         * xterm.js's view: its modes in the emulator's terms, and focus reporting, which tmux does not show.
         * xterm.js has no UTF-8 (1005) or urxvt (1015) mouse encoding, so only SGR's is compared, as with
         * tmux; nor is the cursor style (DECSCUSR), which neither oracle shows in full.
         */
        static View of(XtermJsOracle.Screen s) {
            var m = s.modes();
            int mouse = switch (m.get("mouseTrackingMode")) {
                case "none" -> 0;
                case "x10" -> 9;
                case "vt200" -> 1000;
                case "drag" -> 1002;
                case "any" -> 1003;
                default -> throw new AssertionError("xterm.js has a mouse mode the test does not know: " + m);
            };
            var modes = modes(flag(m, "applicationCursorKeysMode"), flag(m, "applicationKeypadMode"),
                    flag(m, "bracketedPasteMode"), mouse, m.get("mouseEncoding").equals("SGR"), flag(m, "originMode"),
                    flag(m, "wraparoundMode"), flag(m, "insertMode"), !flag(m, "cursorHidden"),
                    Integer.parseInt(m.get("scrollTop")), Integer.parseInt(m.get("scrollBottom")));
            modes.put("focus", flag(m, "sendFocusMode"));
            return new View(s.text(), s.style(), s.cursorRow(), s.cursorCol(), s.alternate(), modes, s.title(),
                    s.historySize(), s.lines());
        }

        private static boolean flag(Map<String, String> modes, String name) {
            String value = modes.get(name);
            if (value == null) {
                throw new AssertionError("xterm.js shows no mode " + name + ": " + modes);
            }
            return value.equals("true");
        }

        static Map<String, Object> modes(boolean appCursor, boolean appKeypad, boolean bracketedPaste, int mouse,
                                         boolean mouseSgr, boolean origin, boolean autowrap, boolean insert,
                                         boolean cursorVisible, int scrollTop, int scrollBottom) {
            var modes = new LinkedHashMap<String, Object>();
            modes.put("appCursor", appCursor);
            modes.put("appKeypad", appKeypad);
            modes.put("bracketedPaste", bracketedPaste);
            modes.put("mouse", mouse);
            modes.put("mouseSgr", mouseSgr);
            modes.put("origin", origin);
            modes.put("autowrap", autowrap);
            modes.put("insert", insert);
            modes.put("cursorVisible", cursorVisible);
            modes.put("scrollTop", scrollTop);
            modes.put("scrollBottom", scrollBottom);
            return modes;
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
            var modes = modes(m.appCursor(), m.appKeypad(), m.bracketedPaste(), m.mouse(), m.mouseSgr(), m.origin(),
                    m.autowrap(), m.insert(), m.cursorVisible(), m.scrollTop(), m.scrollBottom());
            modes.put("focus", m.focus());
            return new View(text, style, e.cursorRow(), e.cursorCol(), e.alternateScreen(), modes, e.title(),
                    e.scrollbackLines(), lines(e.text(scrollback)));
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
            expected.modes().forEach((mode, value) -> same(problems, mode, value, actual.modes().get(mode), them, us));
            same(problems, "title", expected.title(), actual.title(), them, us);
            if (scrollback) {
                same(problems, "scrollback lines", expected.scrollbackLines(), actual.scrollbackLines(), them, us);
                scrollback(problems, expected.scrollback(), actual.scrollback(), expected.scrollbackLines(), them, us);
            }
            return new Differences(problems, differing, textOnly);
        }
    }

    /** Who says what a stream shows. */
    private enum Oracle {
        TMUX("tmux"), XTERM_JS("xterm.js");

        final String label;

        Oracle(String label) {
            this.label = label;
        }

        /** tmux, or xterm.js for the streams in which tmux departs from xterm. */
        static Oracle of(String stream) {
            return TMUX_DIFFERS.contains(stream) ? XTERM_JS : TMUX;
        }

        View run(byte[] stream) {
            return this == TMUX ? View.of(TmuxOracle.run(stream, COLS, ROWS)) : View.of(XtermJsOracle.run(stream, COLS, ROWS));
        }
    }

    @TestFactory
    Stream<DynamicTest> theEmulatorShowsWhatTmuxShowsForEveryStreamOfTheCorpus_orWhatXtermJsShowsWhereTmuxDepartsFromXterm()
            throws IOException, URISyntaxException {
        return corpus((name, stream) -> {
            var ours = new Emulator(COLS, ROWS, SCROLLBACK);
            ours.feed(stream);
            Oracle oracle = Oracle.of(name);
            var differences = against(oracle, name, stream, ours);
            var problems = new ArrayList<>(oracle == Oracle.XTERM_JS
                    ? unexplained(name, differences, XTERMJS_DIFFERS, "XTERMJS_DIFFERS") : differences.problems());
            chunked(problems, name, stream, ours);
            if (!problems.isEmpty()) {
                fail(name + " (" + stream.length + " bytes) differs from " + oracle.label + ":\n"
                        + String.join("\n", problems));
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> theEmulatorsSnapshotRedrawsInAFreshTmuxWhatTheStreamShowedInTmux_orInXtermJsWhereTmuxDepartsFromXterm()
            throws IOException, URISyntaxException {
        return corpus(this::snapshot);
    }

    /**
     * xterm.js as the oracle of every stream, whether tmux agrees with xterm there or not: it must show
     * what the emulator shows, but for the streams of {@link Divergences#XTERMJS_DIFFERS}, which must
     * differ as much as they say.
     */
    @TestFactory
    Stream<DynamicTest> theEmulatorShowsWhatXtermJsShowsForEveryStreamOfTheCorpus_butWhereItFollowsTmux()
            throws IOException, URISyntaxException {
        return corpus((name, stream) -> {
            var ours = new Emulator(COLS, ROWS, SCROLLBACK);
            ours.feed(stream);
            var problems = unexplained(name, against(Oracle.XTERM_JS, name, stream, ours), XTERMJS_DIFFERS,
                    "XTERMJS_DIFFERS");
            if (!problems.isEmpty()) {
                fail(name + " (" + stream.length + " bytes) differs from xterm.js:\n" + String.join("\n", problems));
            }
        });
    }

    /**
     * The reattach property in a second real terminal, for every stream: the snapshot, redrawn in a fresh
     * xterm.js, shows what the emulator shows (xterm.js's own reading of the stream aside, so its quirks
     * in reading streams do not count here, only in reading snapshots).
     */
    @TestFactory
    Stream<DynamicTest> theEmulatorsSnapshotRedrawsInXtermJsWhatTheEmulatorShowsForEveryStreamOfTheCorpus()
            throws IOException, URISyntaxException {
        return corpus((name, stream) -> {
            var ours = new Emulator(COLS, ROWS, SCROLLBACK);
            ours.feed(stream);
            View shown = View.of(ours, ours.scrollbackLines());
            byte[] snapshot = ours.snapshot(ours.scrollbackLines());
            View redrawn = Oracle.XTERM_JS.run(snapshot);

            var differences = Differences.of(shown, redrawn, SCROLLING.contains(name), "emulator", "xterm.js");
            System.out.printf("snapshot %s (xterm.js, against the emulator's screen): %d bytes of snapshot, %d cells"
                    + " compared, %d differing%n", name, snapshot.length, ROWS * COLS, differences.differingCells());
            var problems = unexplained(name, differences, XTERMJS_REDRAWS_OTHERWISE, "XTERMJS_REDRAWS_OTHERWISE");
            if (!problems.isEmpty()) {
                fail(name + ": the emulator's snapshot (" + snapshot.length + " bytes), redrawn in xterm.js, does not"
                        + " show what the emulator shows:\n" + String.join("\n", problems));
            }
        });
    }

    @Test
    void theStreamsTheOracleListsNameAreInTheCorpus() throws IOException, URISyntaxException {
        var names = streams().stream().map(DifferentialTest::name).toList();
        assertThat(names).containsAll(TMUX_DIFFERS).containsAll(XTERMJS_DIFFERS.keySet())
                .containsAll(XTERMJS_REDRAWS_OTHERWISE.keySet());
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

    /** The same control case with xterm.js, and a mode: what its script prints is read, not taken for granted. */
    @Test
    void aStreamThatDiffersFromXtermJsInOneCellAndAModeFailsWithBothNamed() {
        var xterm = View.of(XtermJsOracle.run(bytes("abc\033[31;1md\033[?2004h"), COLS, ROWS));
        var ours = new Emulator(COLS, ROWS, SCROLLBACK);
        ours.feed(bytes("abx\033[31;1md"));

        var differences = Differences.of(xterm, View.of(ours, 0), /* scrollback= */ false, "xterm.js", "ours");

        assertThat(differences.differingCells()).isEqualTo(1);
        assertThat(differences.problems()).hasSize(2);
        assertThat(differences.problems().get(0)).contains("(0,2) xterm.js 'c' [], ours 'x' []");
        assertThat(differences.problems().get(1)).isEqualTo("bracketedPaste: xterm.js true, ours false");
    }

    /** How the emulator fed {@code stream} differs from {@code oracle}; prints the stream's summary line. */
    private static Differences against(Oracle oracle, String name, byte[] stream, Emulator ours) {
        View theirs = oracle.run(stream);
        boolean scrolling = SCROLLING.contains(name);
        var differences = Differences.of(theirs, View.of(ours, theirs.scrollbackLines()), scrolling, oracle.label, "ours");
        System.out.printf("differential %s (%s): %d bytes, %d cells compared, %d differing%s%s%s%n", name, oracle.label,
                stream.length, ROWS * COLS, differences.differingCells(), differences.textOnlyCells() == 0 ? ""
                        : " (" + differences.textOnlyCells() + " by text only: no style seen in tmux)",
                scrolling ? ", scrollback " + theirs.scrollbackLines() + " lines compared" : "",
                differences.problems().isEmpty() ? "" : ", " + differences.problems().size() + " problems");
        return differences;
    }

    /**
     * The differences from xterm.js that count: all of them, but for a stream of {@code quirks} that
     * differs exactly as much as it says, which are printed with the reason instead.
     */
    private static List<String> unexplained(String name, Differences differences, Map<String, Quirk> quirks,
                                            String list) {
        Quirk quirk = quirks.get(name);
        if (quirk == null) {
            return differences.problems();
        }
        if (differences.problems().isEmpty()) {
            return List.of("it is in " + list + " (" + quirk.reason() + ") but shows in xterm.js what it shows in"
                    + " the emulator: take it off the list");
        }
        if (differences.differingCells() != quirk.cells() || differences.problems().size() != quirk.problems()) {
            return List.of(list + " expects " + quirk.cells() + " differing cells and " + quirk.problems()
                    + " problems (" + quirk.reason() + "), it has " + differences.differingCells() + " and "
                    + differences.problems().size() + ":\n" + String.join("\n", differences.problems()));
        }
        System.out.println("  allowed by " + list + ": " + quirk.reason() + "\n    "
                + String.join("\n", differences.problems()).replace("\n", "\n    "));
        return List.of();
    }

    /**
     * The snapshot redrawn in the oracle shows what the stream showed there; where xterm.js shows the
     * stream otherwise than the emulator ({@link Divergences#XTERMJS_DIFFERS}), what it showed in the
     * emulator.
     */
    private void snapshot(String name, byte[] stream) {
        Oracle oracle = Oracle.of(name);
        View theirs = oracle.run(stream);
        var ours = new Emulator(COLS, ROWS, SCROLLBACK);
        ours.feed(stream);
        boolean quirk = oracle == Oracle.XTERM_JS && XTERMJS_DIFFERS.containsKey(name);
        View shown = quirk ? View.of(ours, ours.scrollbackLines()) : theirs;
        byte[] snapshot = ours.snapshot(shown.scrollbackLines());
        View redrawn = oracle.run(snapshot);

        var differences = Differences.of(shown, redrawn, SCROLLING.contains(name), "stream", "snapshot");
        System.out.printf("snapshot %s (%s%s): %d bytes of stream, %d of snapshot, %d cells compared, %d differing%n", name,
                oracle.label, quirk ? ", against the emulator's screen: xterm.js shows the stream otherwise" : "",
                stream.length, snapshot.length, ROWS * COLS, differences.differingCells());
        if (!differences.problems().isEmpty()) {
            fail(name + ": in " + oracle.label + ", the emulator's snapshot (" + snapshot.length + " bytes) does not redraw"
                    + " what the stream (" + stream.length + " bytes) showed:\n" + String.join("\n", differences.problems()));
        }
    }

    private static Stream<DynamicTest> corpus(Check check) throws IOException, URISyntaxException {
        return streams().stream().map(p -> DynamicTest.dynamicTest(name(p), () -> check.run(name(p), Files.readAllBytes(p))));
    }

    private static List<Path> streams() throws IOException, URISyntaxException {
        Path corpus = Path.of(Objects.requireNonNull(DifferentialTest.class.getResource("corpus"),
                "no corpus next to DifferentialTest in the test resources").toURI());
        List<Path> streams;
        try (var files = Files.list(corpus)) {
            streams = files.filter(p -> p.toString().endsWith(".bin")).sorted().toList();
        }
        if (streams.size() < 30) {
            fail("the corpus in " + corpus + " has " + streams.size() + " streams, fewer than the 30 it was written with");
        }
        return streams;
    }

    private static String name(Path stream) {
        return stream.getFileName().toString().replace(".bin", "");
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
