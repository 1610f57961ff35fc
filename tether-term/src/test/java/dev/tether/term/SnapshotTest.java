package dev.tether.term;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A snapshot redraws the state exactly: a fresh terminal fed {@link Emulator#snapshot} shows the
 * same cells, styles, cursor and modes as the one that saw the whole stream, and answers the next
 * bytes the same way. The streams are the ones the issue names (queries, wrapped rings, modes of a
 * full-screen program) and random mixes of every sequence the emulator knows.
 */
class SnapshotTest {
    static final int COLS = 80;
    static final int ROWS = 24;

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Emulator fed(String stream) {
        var e = new Emulator(COLS, ROWS, 1 << 20);
        e.feed(bytes(stream));
        return e;
    }

    /** Asserts that {@code copy} shows what {@code original} shows: every cell, style, the cursor, the modes. */
    static void assertSameScreen(Emulator original, Emulator copy, String what) {
        var diffs = new ArrayList<String>();
        for (int r = 0; r < original.rows(); r++) {
            for (int c = 0; c < original.cols(); c++) {
                if (!original.cell(r, c).equals(copy.cell(r, c)) || original.style(r, c) != copy.style(r, c)) {
                    diffs.add("(" + r + "," + c + ") " + original.cell(r, c) + "/" + Long.toHexString(original.style(r, c)) + " vs "
                            + copy.cell(r, c) + "/" + Long.toHexString(copy.style(r, c)));
                }
            }
        }
        assertThat(diffs).as(what + ": cells differing").isEmpty();
        assertThat(copy.cursorRow()).as(what + ": cursor row").isEqualTo(original.cursorRow());
        assertThat(copy.cursorCol()).as(what + ": cursor column").isEqualTo(original.cursorCol());
        assertThat(copy.alternateScreen()).as(what + ": alternate screen").isEqualTo(original.alternateScreen());
        assertThat(copy.modes()).as(what + ": modes").isEqualTo(original.modes());
        assertThat(copy.title()).as(what + ": title").isEqualTo(original.title());
    }

    /** The original and a copy made from its snapshot, then both fed {@code after}: they must agree at each step. */
    static void assertSnapshotRedraws(String stream, String after) {
        Emulator original = fed(stream);
        var copy = new Emulator(COLS, ROWS, 1 << 20);
        copy.feed(original.snapshot(0));
        assertSameScreen(original, copy, "after the snapshot");
        original.feed(bytes(after));
        copy.feed(bytes(after));
        assertSameScreen(original, copy, "after more output");
    }

    /**
     * Reproduction: {@code printf '\033]2;my title\007'} left the title empty: the parser's table
     * packs an action and a state in a byte, and actions from 8 up (putting an OSC byte) came out
     * negative, so no OSC string was ever collected.
     */
    @Test
    void anOscTitle_isCollectedWhole_endedByBelOrSt() {
        assertThat(fed("\033]2;my title\007").title()).isEqualTo("my title");
        assertThat(fed("\033]0;other\033\\").title()).isEqualTo("other");
    }

    /**
     * Reproduction: a C1 control encoded in UTF-8 (U+0080 to U+009F) was kept as a zero-width mark on the
     * cell before it and written back by the snapshot, where the client's terminal reads it as a control:
     * in xterm.js, {@code x U+009B 6n} became a cursor position request on reattach, answered as typed input.
     */
    @Test
    void aC1ControlEncodedInUtf8_neverReachesTheSnapshot() {
        for (int c1 = 0x80; c1 < 0xA0; c1++) {
            String snapshot = new String(fed("x" + Character.toString(c1) + "6n").snapshot(0), StandardCharsets.UTF_8);
            assertThat(snapshot).as("the snapshot after U+%04X", c1).doesNotContain(Character.toString(c1));
        }
    }

    @Test
    void aTerminalQueryIsNeverInTheSnapshot() {
        // bash's prompt after printf '\033[6n', and vim's start-up queries: DSR, DA1, DA2, XTVERSION, OSC 10/11, XTGETTCAP.
        Emulator e = fed("$ printf '\\033[6n'\r\n\033[6n$ \033[c\033[>c\033[>0q\033]10;?\007\033]11;?\033\\\033P+q544e\033\\vim");
        String snapshot = new String(e.snapshot(100), StandardCharsets.UTF_8);

        assertThat(snapshot).doesNotContain("\033[6n", "\033[c", "\033[>c", "\033[>0q", "]10;?", "]11;?", "\033P");
        assertThat(e.text(0)).startsWith("$ printf '\\033[6n'\n$ vim\n");
    }

    @Test
    void aFullScreenProgramsModes_comeBack_afterAnyAmountOfOutput() {
        var stream = new StringBuilder("\033[?1049h\033[?1h\033=\033[?2004h\033[?1002h\033[?1006h\033[?1004h\033[?25l\033[2 q");
        for (int page = 0; page < 140; page++) { // as vim -R paging through a big file: far more than any ring
            stream.append("\033[H\033[2J");
            for (int r = 1; r < ROWS; r++) {
                stream.append("\033[").append(r).append(";1H\033[33m").append(String.format("%4d ", page * ROWS + r))
                        .append("\033[m").append("line ").append(page * ROWS + r).append(" of a big file");
            }
            stream.append("\033[24;1H\033[7m\"big.txt\" [readonly]\033[m");
        }
        Emulator e = fed(stream.toString());
        assertThat(e.alternateScreen()).isTrue();
        assertThat(e.modes()).satisfies(m -> {
            assertThat(m.appCursor()).isTrue();
            assertThat(m.appKeypad()).isTrue();
            assertThat(m.bracketedPaste()).isTrue();
            assertThat(m.mouse()).isEqualTo(1002);
            assertThat(m.mouseSgr()).isTrue();
            assertThat(m.focus()).isTrue();
            assertThat(m.cursorVisible()).isFalse();
        });

        assertSnapshotRedraws(stream.toString(), "\033[?1049l$ "); // :q — the prompt lands on the normal screen
    }

    @Test
    void theNormalScreenUnderTheAlternateOne_comesBackWhenTheProgramLeavesIt() {
        String before = "$ ls\r\nfile1  file2\r\n$ vim\033[?1049h\033[H\033[2Jvim's screen";
        Emulator original = fed(before);
        var copy = new Emulator(COLS, ROWS, 1 << 20);
        copy.feed(original.snapshot(0));
        original.feed(bytes("\033[?1049l"));
        copy.feed(bytes("\033[?1049l"));

        assertSameScreen(original, copy, "after leaving the alternate screen");
        assertThat(copy.text(0)).startsWith("$ ls\nfile1  file2\n$ vim\n");
        assertThat(copy.cursorRow()).isEqualTo(2);
        assertThat(copy.cursorCol()).isEqualTo(5);
    }

    @Test
    void theScrollbackScrollsIntoTheNewTerminalsOwn() {
        var stream = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            stream.append("line ").append(i).append("\r\n");
        }
        Emulator original = fed(stream.toString());
        var copy = new Emulator(COLS, ROWS, 1 << 20);
        copy.feed(original.snapshot(50));

        assertSameScreen(original, copy, "the screen");
        assertThat(copy.scrollbackText()).isEqualTo(original.scrollbackText().subList(original.scrollbackLines() - 50,
                original.scrollbackLines()));
    }

    /**
     * Reproduction: {@code ESC[} then 33 parameters {@code 1;2;…;32;33m} left the text red: the 33rd
     * parameter's digits joined the 32nd (3233, no SGR at all) instead of being dropped, where xterm.js
     * keeps the first 32 (32 is green).
     */
    @Test
    void aCsiParameterBeyondThe32nd_isDropped_andDoesNotJoinThe32nd() {
        var params = new StringBuilder();
        for (int i = 1; i <= 33; i++) {
            params.append(i == 1 ? "" : ";").append(i == 31 ? 31 : i == 32 ? 32 : 0);
        }
        Emulator e = fed("\033[" + params + "mx");

        assertThat(Style.fg(e.style(0, 0))).isEqualTo(Style.PALETTE | 2);
    }

    /**
     * Reproduction (found by a random stream): {@code ESC[?7l}, 85 {@code x}, {@code ESC 7}, then a
     * snapshot and {@code ESC 8}: the cursor column was 80 (past the last column) in the original and
     * 79 in the copy, because the snapshot saved the cursor without its pending wrap.
     */
    @Test
    void aSavedCursorPastTheLastColumn_keepsItThroughASnapshot() {
        assertSnapshotRedraws("\033[?7l" + "x".repeat(85) + "\0337", "\0338");
        assertSnapshotRedraws("x".repeat(80) + "\0337\033[H", "\0338y");
    }

    @Test
    void aPendingWrapAWideCharacterAndAScrollRegion_areRedrawn() {
        assertSnapshotRedraws("\033[5;20r\033[20;1H" + "x".repeat(COLS), "y");
        assertSnapshotRedraws("abc\033[1;79H\u4e2d", "d");
        assertSnapshotRedraws("\033[3g\033[1;5H\033H\033[1;30H\033H\r\tA\tB", "\tC");
        assertSnapshotRedraws("\033(0\016lqqk\017 \033[4h\033[1;1Hins", "x");
        assertSnapshotRedraws("\033[10;10H\033[31m\0337\033[1;1H\033[m", "\0338z");
        assertSnapshotRedraws("\033[?6h\033[5;10r\033[2;3H", "o");
        assertSnapshotRedraws("\033[?7l\033[1;75Hoverflowing", "!");
        assertSnapshotRedraws("\033]2;my title\007\033[41m\033[2J", "\033[K");
        // Reproduction: a program that set mouse encodings 1005 and 1006 got only 1006 back on reattach.
        Emulator both = fed("\033[?1000h\033[?1005h\033[?1006h");
        assertThat(new String(both.snapshot(0), StandardCharsets.UTF_8)).contains("\033[?1005h", "\033[?1006h");
        assertSnapshotRedraws("\033[?1000h\033[?1005h\033[?1006h", "\033[?1006l");
    }

    @Test
    void aSnapshotTakenInTheMiddleOfASequenceOrCharacter_endsWithItsStart_soTheOutputThatFollowsCompletesIt() {
        assertSnapshotRedraws("abc\033[3", "1mred");
        assertSnapshotRedraws("abc\033]2;half a ti", "tle\007x");
        assertSnapshotRedraws("abc\033", "[2Jx");
        byte[] wide = "x\u4e2d".getBytes(StandardCharsets.UTF_8);
        Emulator original = new Emulator(COLS, ROWS, 1 << 20);
        original.feed(wide, 0, wide.length - 1);
        var copy = new Emulator(COLS, ROWS, 1 << 20);
        copy.feed(original.snapshot(0));
        original.feed(wide, wide.length - 1, 1);
        copy.feed(wide, wide.length - 1, 1);
        assertSameScreen(original, copy, "a UTF-8 character cut before its last byte");
        assertThat(copy.cell(0, 1)).isEqualTo("\u4e2d");
    }

    @Test
    void randomStreamsCutAtAnyByte_areRedrawnExactly() {
        long seed = new Random().nextLong();
        var random = new Random(seed);
        for (int trial = 0; trial < 200; trial++) {
            byte[] all = bytes(String.join("", randomPieces(random, 300)));
            int cut = random.nextInt(all.length + 1);
            Emulator original = new Emulator(COLS, ROWS, 1 << 20);
            original.feed(all, 0, cut);
            var copy = new Emulator(COLS, ROWS, 1 << 20);
            copy.feed(original.snapshot(0));
            Emulator copied = original.copy();
            original.feed(all, cut, all.length - cut);
            copy.feed(all, cut, all.length - cut);
            copied.feed(all, cut, all.length - cut);
            String what = "seed " + seed + ", trial " + trial + ", cut at byte " + cut;
            assertSameScreen(original, copied, what + " (copy())");
            if (hasNoLastCharacterUse(all, cut)) {
                assertSameScreen(original, copy, what + " (snapshot)");
            }
        }
    }

    /** Whether the bytes after {@code cut} start with nothing that refers to the last character printed (REP, a combining mark). */
    private static boolean hasNoLastCharacterUse(byte[] all, int cut) {
        String rest = new String(all, cut, all.length - cut, StandardCharsets.UTF_8);
        return !rest.contains("\033[3b") && !rest.contains("\u0301");
    }

    @Test
    void randomStreams_ofEverySequence_areRedrawnExactly() {
        long seed = new Random().nextLong();
        var random = new Random(seed);
        for (int trial = 0; trial < 300; trial++) {
            List<String> stream = randomPieces(random, 400);
            // REP and a combining mark refer to the last character printed, which no terminal shows: a
            // snapshot cannot carry it.
            List<String> after = randomPieces(random, 20).stream().filter(p -> !p.equals("\033[3b") && !p.equals("e\u0301")).toList();
            if (fails(stream, after) != null) {
                // Shrunk to the pieces the failure needs, one removal at a time.
                for (int i = stream.size() - 1; i >= 0; i--) {
                    var fewer = new ArrayList<>(stream);
                    fewer.remove(i);
                    if (fails(fewer, after) != null) {
                        stream = fewer;
                    }
                }
                after = new ArrayList<>(after);
                for (int i = after.size() - 1; i >= 0; i--) {
                    var fewer = new ArrayList<>(after);
                    fewer.remove(i);
                    if (fails(stream, fewer) != null) {
                        after = fewer;
                    }
                }
                throw new AssertionError("seed " + seed + ", trial " + trial + ", shrunk to the stream " + escaped(String.join("", stream))
                        + " then " + escaped(String.join("", after)) + ": " + fails(stream, after));
            }
        }
    }

    private static String fails(List<String> stream, List<String> after) {
        try {
            assertSnapshotRedraws(String.join("", stream), String.join("", after));
            return null;
        } catch (AssertionError e) {
            return e.getMessage();
        }
    }

    static List<String> randomPieces(Random random, int pieces) {
        var out = new ArrayList<String>(pieces);
        for (int i = 0; i < pieces; i++) {
            out.add(PIECES.get(random.nextInt(PIECES.size())));
        }
        return out;
    }

    static final List<String> PIECES = List.of("a", "bc", "hello ", "\u4e2d", "\u00e9", "e\u0301", "\r", "\n", "\t", "\b",
            "\033[H", "\033[2J", "\033[K", "\033[1K", "\033[2K", "\033[J", "\033[1J", "\033[A", "\033[2B", "\033[3C", "\033[D",
            "\033[5;7H", "\033[24;80H", "\033[1;80H", "\033[12d", "\033[40G", "\033[2@", "\033[3P", "\033[2X", "\033[L", "\033[2M",
            "\033[S", "\033[2T", "\033[3b", "\033[I", "\033[Z", "\033H", "\033[g", "\033[3g", "\033M", "\033D", "\033E", "\0337",
            "\0338", "\033[s", "\033[u", "\033[1m", "\033[31m", "\033[42m", "\033[38;5;200m", "\033[48;2;1;2;3m", "\033[7m",
            "\033[m", "\033[0;4;9m", "\033[5;15r", "\033[r", "\033[?6h", "\033[?6l", "\033[?7l", "\033[?7h", "\033[4h", "\033[4l",
            "\033[?1049h", "\033[?1049l", "\033[?47h", "\033[?47l", "\033[?1h", "\033=", "\033>", "\033[?2004h", "\033[?1000h",
            "\033[?1006h", "\033[?25l", "\033[?25h", "\033(0", "\033(B", "\016", "\017", "qx", "\033]2;t\007", "\033[6n",
            "\033[c", "x".repeat(85), "\033[!p", "\033#8", "\033[3 q");

    static String escaped(String s) {
        return s.replace("\033", "\\e").replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t").replace("\b", "\\b")
                .replace("\016", "\\x0e").replace("\017", "\\x0f").replace("\007", "\\a");
    }
}
