package dev.tether.term;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random bytes and random mixes of valid sequences never make the emulator throw, leave the cursor
 * off the screen, or hold more memory than its bound. The seed is printed; run again with
 * {@code -Dtether.fuzz.seed=N} to replay a run.
 *
 * <p>The bound: the two screens (normal and alternate) of {@code cols x rows} cells at no more than
 * {@link #BYTES_PER_CELL} each, plus the scrollback budget, plus {@link #FIXED} for everything that
 * does not grow with the screen (tab stops, title, parser state). 64 bytes a cell is generous for a
 * code point and a style (12 bytes) and leaves room for a few combining marks: an emulator that lets
 * marks pile up on one cell without a limit, or keeps scrollback past its budget, goes over it.
 */
class EmulatorFuzzTest {
    private static final int BYTES_PER_CELL = 64;
    private static final int FIXED = 64 * 1024;
    private static final String[] CSI_FINALS = "@ABCDEFGHIJKLMPSTXZ`abcdefghlmnpqrstux".split("");
    private static final int[] DEC_MODES = {1, 3, 5, 6, 7, 9, 12, 25, 47, 66, 1000, 1002, 1003, 1004, 1005, 1006, 1015,
        1047, 1048, 1049, 2004, 2026};
    private static final String[] TEXT = {"a", "hello ", "中", "文字", "😀", "e\u0301", "\u0301", "\u0308\u0323", "👨\u200d👩",
        "\u2764\ufe0f", "ｆ", " ", "~", "\t", "\r\n", "\n", "\b", "\r", "\u000b", "\f", "\u0007", "\u000e", "\u000f"};

    private static long bound(int cols, int rows, int scrollbackBytes) {
        return 2L * cols * rows * BYTES_PER_CELL + scrollbackBytes + FIXED;
    }

    @Test
    void randomBytesNeverThrowAndNeverHoldMoreThanTheBound() {
        long seed = seed();
        var random = new Random(seed);
        for (int[] size : new int[][] {{80, 24, 4 << 20}, {10, 5, 1024}, {200, 60, 64 * 1024}}) {
            var emulator = new Emulator(size[0], size[1], size[2]);
            byte[] bytes = new byte[100_000];
            random.nextBytes(bytes);
            feedInChunks(emulator, size, bytes, random, seed);
            check(emulator, size, seed);
        }
    }

    @Test
    void randomMixesOfValidSequencesNeverThrowAndNeverHoldMoreThanTheBound() {
        long seed = seed();
        var random = new Random(seed);
        for (int[] size : new int[][] {{80, 24, 4 << 20}, {10, 5, 1024}, {132, 43, 16 * 1024}}) {
            var emulator = new Emulator(size[0], size[1], size[2]);
            byte[] bytes = mix(random, 150_000);
            feedInChunks(emulator, size, bytes, random, seed);
            check(emulator, size, seed);
        }
    }

    @Test
    void combiningMarksPiledOnOneCellStayWithinTheBound() {
        var emulator = new Emulator(80, 24, 4096);
        byte[] mark = "\u0301".getBytes(StandardCharsets.UTF_8);
        emulator.feed("e".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 100_000; i++) {
            emulator.feed(mark);
        }
        assertThat(emulator.retainedBytes()).as("100000 combining marks on one cell").isLessThanOrEqualTo(bound(80, 24, 4096));
        assertThat(emulator.cell(0, 0)).startsWith("e");
    }

    /**
     * The bound above only means something if {@code retainedBytes} counts what the emulator holds: a
     * screen whose every cell carries combining marks holds more than the same screen without them.
     */
    @Test
    void retainedBytesCountsTheCombiningMarksTheScreenHolds() {
        var plain = new Emulator(80, 24, 4096);
        var marked = new Emulator(80, 24, 4096);
        byte[] cell = "e".getBytes(StandardCharsets.UTF_8);
        byte[] markedCell = ("e" + "\u0301\u0323\u0308".repeat(5)).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 80 * 24 - 1; i++) {
            plain.feed(cell);
            marked.feed(markedCell);
        }
        assertThat(marked.cell(0, 0)).as("the marks are kept").hasSizeGreaterThan(1);

        assertThat(marked.retainedBytes()).as("1919 cells with 15 marks each").isGreaterThan(plain.retainedBytes());
    }

    @Test
    void scrollbackStaysWithinItsBudgetWhateverScrolls() {
        var emulator = new Emulator(80, 24, 16 * 1024);
        byte[] line = ("\033[31m" + "x".repeat(79) + "\033[m\r\n").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 20_000; i++) {
            emulator.feed(line);
        }
        assertThat(emulator.retainedBytes()).isLessThanOrEqualTo(bound(80, 24, 16 * 1024));
        assertThat(emulator.scrollbackLines()).as("some lines were kept").isPositive();
        assertThat(emulator.text(emulator.scrollbackLines())).isNotNull();
    }

    private static long seed() {
        long seed = Long.getLong("tether.fuzz.seed", System.nanoTime());
        System.out.println("EmulatorFuzzTest seed " + seed + " (replay with -Dtether.fuzz.seed=" + seed + ")");
        return seed;
    }

    private static void feedInChunks(Emulator emulator, int[] size, byte[] bytes, Random random, long seed) {
        long bound = bound(size[0], size[1], size[2]);
        for (int at = 0; at < bytes.length; ) {
            int length = Math.min(1 + random.nextInt(512), bytes.length - at);
            try {
                emulator.feed(bytes, at, length);
            } catch (RuntimeException e) {
                throw new AssertionError("feed threw at byte " + at + " of " + bytes.length + " (seed " + seed + ")", e);
            }
            at += length;
            if (emulator.retainedBytes() > bound) {
                throw new AssertionError("after " + at + " bytes (seed " + seed + ") the emulator holds "
                        + emulator.retainedBytes() + " bytes, more than its bound " + bound);
            }
        }
    }

    private static void check(Emulator emulator, int[] size, long seed) {
        String where = size[0] + "x" + size[1] + " with " + size[2] + " bytes of scrollback (seed " + seed + ")";
        assertThat(emulator.retainedBytes()).as("retained bytes, " + where).isLessThanOrEqualTo(bound(size[0], size[1], size[2]));
        assertThat(emulator.cursorRow()).as("cursor row, " + where).isBetween(0, size[1] - 1);
        // cols itself: past the last column, with a wrap pending (as tmux has it)
        assertThat(emulator.cursorCol()).as("cursor column, " + where).isBetween(0, size[0]);
        for (int row = 0; row < size[1]; row++) {
            for (int col = 0; col < size[0]; col++) {
                assertThat(emulator.cell(row, col)).as("cell " + row + "," + col + ", " + where).isNotNull();
                emulator.style(row, col);
            }
        }
        assertThat(emulator.text(emulator.scrollbackLines())).as("text, " + where).isNotNull();
        assertThat(emulator.modes()).isNotNull();
        assertThat(emulator.title()).isNotNull();
    }

    /** Valid sequences of every kind with random parameters, text, controls, and a little noise. */
    private static byte[] mix(Random random, int size) {
        var out = new ByteArrayOutputStream();
        while (out.size() < size) {
            String piece = switch (random.nextInt(12)) {
                case 0, 1, 2 -> TEXT[random.nextInt(TEXT.length)];
                case 3, 4 -> "\033[" + params(random) + CSI_FINALS[random.nextInt(CSI_FINALS.length)];
                case 5 -> "\033[?" + DEC_MODES[random.nextInt(DEC_MODES.length)] + (random.nextBoolean() ? "h" : "l");
                case 6 -> "\033[" + sgr(random) + "m";
                case 7 -> "\033" + "78DEHMc=>NOZ".charAt(random.nextInt(12));
                case 8 -> "\033" + "()*+".charAt(random.nextInt(4)) + "0BA<".charAt(random.nextInt(4))
                        + (random.nextInt(4) == 0 ? "\033#8" : "");
                case 9 -> "\033]" + random.nextInt(3) + ";" + "title ".repeat(random.nextInt(40)) + (random.nextBoolean() ? "\007" : "\033\\");
                case 10 -> "\033[" + random.nextInt(30) + ";" + random.nextInt(90) + "H" + "\033[" + random.nextInt(30) + ";"
                        + random.nextInt(30) + "r";
                default -> {
                    byte[] noise = new byte[1 + random.nextInt(8)];
                    random.nextBytes(noise);
                    out.writeBytes(noise);
                    yield "";
                }
            };
            out.writeBytes(piece.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private static String params(Random random) {
        var b = new StringBuilder();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
            if (i > 0) b.append(random.nextInt(10) == 0 ? ':' : ';');
            int kind = random.nextInt(10);
            b.append(kind == 0 ? "" : kind == 1 ? Long.toString(random.nextLong() & Long.MAX_VALUE) : Integer.toString(random.nextInt(300)));
        }
        return b.toString();
    }

    private static String sgr(Random random) {
        return switch (random.nextInt(5)) {
            case 0 -> "38;5;" + random.nextInt(300);
            case 1 -> "48;2;" + random.nextInt(300) + ";" + random.nextInt(256) + ";" + random.nextInt(256);
            case 2 -> "38:2::" + random.nextInt(256) + ":" + random.nextInt(256) + ":" + random.nextInt(256);
            case 3 -> "4:" + random.nextInt(6);
            default -> Integer.toString(random.nextInt(110));
        };
    }
}
