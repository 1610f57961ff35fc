package dev.tether.term;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
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
 * sequence or a UTF-8 character must not change the screen.
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

    @TestFactory
    Stream<DynamicTest> theEmulatorShowsWhatTmuxShowsForEveryStreamOfTheCorpus() throws IOException, URISyntaxException {
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
            return DynamicTest.dynamicTest(name, () -> compare(name, Files.readAllBytes(p)));
        });
    }

    private static void compare(String name, byte[] stream) {
        TmuxOracle.Screen tmux = TmuxOracle.run(stream, COLS, ROWS);
        var ours = new Emulator(COLS, ROWS, SCROLLBACK);
        ours.feed(stream);

        var problems = new ArrayList<String>();
        int differing = 0;
        int unobserved = 0;
        var shown = new ArrayList<String>();
        for (int row = 0; row < ROWS; row++) {
            for (int col = 0; col < COLS; col++) {
                String text = tmux.text()[row][col];
                long style = tmux.style()[row][col];
                String ourText = ours.cell(row, col);
                long ourStyle = ours.style(row, col);
                boolean observed = style != TmuxOracle.UNOBSERVED;
                if (!observed) {
                    unobserved++;
                }
                if (!text.equals(ourText) || observed && style != ourStyle) {
                    differing++;
                    if (shown.size() < SHOWN) {
                        shown.add("  (" + row + "," + col + ") tmux " + cell(text, observed ? style : null) + ", ours "
                                + cell(ourText, ourStyle));
                    }
                }
            }
        }
        if (differing > 0) {
            problems.add(differing + " cells differ; the first " + shown.size() + " (row,col):\n" + String.join("\n", shown));
        }
        if (tmux.cursorRow() != ours.cursorRow() || tmux.cursorCol() != ours.cursorCol()) {
            problems.add("cursor: tmux (" + tmux.cursorRow() + "," + tmux.cursorCol() + "), ours (" + ours.cursorRow() + ","
                    + ours.cursorCol() + ")");
        }
        if (tmux.alternate() != ours.alternateScreen()) {
            problems.add("alternate screen: tmux " + tmux.alternate() + ", ours " + ours.alternateScreen());
        }
        var expected = tmux.modes();
        var actual = ours.modes();
        compare(problems, "appCursor", expected.appCursor(), actual.appCursor());
        compare(problems, "appKeypad", expected.appKeypad(), actual.appKeypad());
        compare(problems, "bracketedPaste", expected.bracketedPaste(), actual.bracketedPaste());
        compare(problems, "mouse", expected.mouse(), actual.mouse());
        compare(problems, "mouseSgr", expected.mouseSgr(), actual.mouseSgr());
        compare(problems, "origin", expected.origin(), actual.origin());
        compare(problems, "autowrap", expected.autowrap(), actual.autowrap());
        compare(problems, "insert", expected.insert(), actual.insert());
        compare(problems, "cursorVisible", expected.cursorVisible(), actual.cursorVisible());
        compare(problems, "scrollTop", expected.scrollTop(), actual.scrollTop());
        compare(problems, "scrollBottom", expected.scrollBottom(), actual.scrollBottom());
        compare(problems, "title", tmux.title(), ours.title());
        if (SCROLLING.contains(name)) {
            compare(problems, "scrollback lines", tmux.historySize(), ours.scrollbackLines());
            scrollback(problems, tmux, ours);
        }
        chunked(problems, name, stream, ours);

        System.out.printf("differential %s: %d bytes, %d cells compared, %d differing%s%s%n", name, stream.length,
                ROWS * COLS, differing, unobserved == 0 ? "" : " (" + unobserved + " by text only: no style seen in tmux)",
                SCROLLING.contains(name) ? ", scrollback " + tmux.historySize() + " lines compared" : "");
        if (!problems.isEmpty()) {
            fail(name + " (" + stream.length + " bytes) differs from tmux:\n" + String.join("\n", problems)
                    + "\ntmux's capture-pane -p -e -N:\n" + tmux.capture());
        }
    }

    private static void scrollback(List<String> problems, TmuxOracle.Screen tmux, Emulator ours) {
        List<String> expected = lines(tmux.scrollback());
        List<String> actual = lines(ours.text(tmux.historySize()));
        if (expected.equals(actual)) {
            return;
        }
        int first = 0;
        while (first < Math.min(expected.size(), actual.size()) && expected.get(first).equals(actual.get(first))) {
            first++;
        }
        problems.add("scrollback text (-S -" + tmux.historySize() + "): tmux " + expected.size() + " lines, ours "
                + actual.size() + "; from the first difference, line " + first + ":\n  tmux: "
                + String.join("\n        ", excerpt(expected, first)) + "\n  ours: " + String.join("\n        ", excerpt(actual, first)));
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
        int differing = 0;
        String firstDifference = null;
        for (int row = 0; row < ROWS; row++) {
            for (int col = 0; col < COLS; col++) {
                if (!whole.cell(row, col).equals(pieces.cell(row, col)) || whole.style(row, col) != pieces.style(row, col)) {
                    differing++;
                    if (firstDifference == null) {
                        firstDifference = "(" + row + "," + col + ") at once " + cell(whole.cell(row, col), whole.style(row, col))
                                + ", in chunks " + cell(pieces.cell(row, col), pieces.style(row, col));
                    }
                }
            }
        }
        if (differing > 0 || whole.cursorRow() != pieces.cursorRow() || whole.cursorCol() != pieces.cursorCol()
                || !whole.modes().equals(pieces.modes()) || whole.alternateScreen() != pieces.alternateScreen()) {
            problems.add("fed in chunks of 1-16 bytes (seed " + seed + "), " + differing + " cells differ from the stream fed"
                    + " at once" + (firstDifference == null ? "" : ", first " + firstDifference) + "; cursor ("
                    + pieces.cursorRow() + "," + pieces.cursorCol() + ") vs (" + whole.cursorRow() + "," + whole.cursorCol()
                    + "), modes " + pieces.modes() + " vs " + whole.modes());
        }
    }

    private static void compare(List<String> problems, String what, Object tmux, Object ours) {
        if (!tmux.equals(ours)) {
            problems.add(what + ": tmux " + tmux + ", ours " + ours);
        }
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
            b.append(" [style not in the capture]");
        } else {
            b.append(" [").append(Style.sgr(style)).append(']');
        }
        return b.toString();
    }
}
