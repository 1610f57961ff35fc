package dev.tether.term;

import java.util.Arrays;
import java.util.function.IntUnaryOperator;

/**
 * Reads tmux 3.3a's {@code capture-pane -p -e -N} into cells. What tmux writes, from its
 * {@code grid_string_cells_code}: per line the cells up to the last one written (cells erased past it
 * are not written, so their style is {@link TmuxOracle#UNOBSERVED}), a wide character once (its padding
 * cell is skipped), and before a cell the SGR that changes the previous cell's style into it, the
 * state running on across lines. Its SGR: {@code 0} then every attribute when one is removed;
 * {@code 1 2 3 4 5 7 8 9}; the underline styles and overline as {@code 4:2}…{@code 4:5} and
 * {@code 5:3} (tmux prints its code 53 as {@code 5:3}, so here {@code 5:3} is overline, not blink);
 * {@code 30–37 90–97 39}, {@code 38;5;n}, {@code 38;2;r;g;b} and the same for the background;
 * {@code 58;…} underline colours (not in tether-term's styles, so ignored); and SO/SI around cells in
 * the DEC special graphics set, whose ASCII tmux keeps (the cells here get the characters the set
 * draws). tmux 3.3a puts the character after a zero width joiner (U+200D) in the joiner's cell, whatever
 * its width: so does this parser.
 */
final class CaptureParser {
    record Cells(String[][] text, long[][] style) {
    }

    /** DEC special graphics for {@code 0x60}–{@code 0x7e}, as xterm draws them. */
    private static final String GRAPHICS = "◆▒␉␌␍␊°±␤␋┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·";

    private final int cols;
    private final int rows;
    private final IntUnaryOperator widths;
    private final String[][] text;
    private final long[][] style;
    private int fg;
    private int bg;
    private int flags;
    private boolean graphics;
    private boolean joiner;

    CaptureParser(int cols, int rows, IntUnaryOperator widths) {
        this.cols = cols;
        this.rows = rows;
        this.widths = widths;
        text = new String[rows][cols];
        style = new long[rows][cols];
        for (int r = 0; r < rows; r++) {
            Arrays.fill(text[r], " ");
            Arrays.fill(style[r], TmuxOracle.UNOBSERVED);
        }
    }

    Cells parse(String capture) {
        String[] lines = capture.split("\n", -1);
        if (lines.length != rows + 1 || !lines[rows].isEmpty()) {
            throw new AssertionError("tmux captured " + (lines.length - 1) + " lines, not " + rows + ":\n" + capture);
        }
        for (int row = 0; row < rows; row++) {
            line(row, lines[row]);
        }
        return new Cells(text, style);
    }

    private void line(int row, String line) {
        int col = 0;
        int i = 0;
        joiner = false;
        while (i < line.length()) {
            int c = line.codePointAt(i);
            if (c == 0x1b) {
                int end = line.indexOf('m', i);
                if (end < 0 || line.charAt(i + 1) != '[') {
                    throw new AssertionError("tmux captured an escape the oracle cannot read at " + row + ":" + col + ": " + line);
                }
                sgr(line.substring(i + 2, end));
                i = end + 1;
                continue;
            }
            i += Character.charCount(c);
            if (c == 0x0e || c == 0x0f) {
                graphics = c == 0x0e;
                continue;
            }
            int width = c < 0x80 ? 1 : widths.applyAsInt(c);
            String cell = graphics && c >= 0x60 && c <= 0x7e ? String.valueOf(GRAPHICS.charAt(c - 0x60))
                    : Character.toString(c);
            boolean joined = joiner;
            joiner = c == 0x200d;
            if (width == 0 || joined) {
                if (col == 0) {
                    throw new AssertionError("tmux captured a combining character first on row " + row + ": " + line);
                }
                int base = text[row][col - 1].isEmpty() ? col - 2 : col - 1;
                text[row][base] += cell;
                continue;
            }
            if (col + width > cols) {
                throw new AssertionError("tmux captured more than " + cols + " columns on row " + row + ": " + line);
            }
            long packed = Style.of(fg, bg, flags);
            text[row][col] = cell;
            style[row][col] = packed;
            if (width == 2) {
                text[row][col + 1] = "";
                style[row][col + 1] = packed;
            }
            col += width;
        }
    }

    private void sgr(String params) {
        String[] p = params.split(";", -1);
        for (int i = 0; i < p.length; i++) {
            String code = p[i];
            switch (code) {
                case "", "0" -> {
                    fg = Style.DEFAULT;
                    bg = Style.DEFAULT;
                    flags = 0;
                }
                case "1" -> flags |= Style.BOLD;
                case "2" -> flags |= Style.DIM;
                case "3" -> flags |= Style.ITALIC;
                case "4", "4:3", "4:4", "4:5" -> flags |= Style.UNDERLINE; // curly, dotted, dashed: underlined here
                case "4:2" -> flags |= Style.DOUBLE_UNDERLINE;
                case "5" -> flags |= Style.BLINK;
                case "5:3", "53" -> flags |= Style.OVERLINE;
                case "7" -> flags |= Style.INVERSE;
                case "8" -> flags |= Style.HIDDEN;
                case "9" -> flags |= Style.STRIKE;
                case "39" -> fg = Style.DEFAULT;
                case "49" -> bg = Style.DEFAULT;
                case "38", "48" -> {
                    int colour;
                    if (p[i + 1].equals("5")) {
                        colour = Style.PALETTE | Integer.parseInt(p[i + 2]);
                        i += 2;
                    } else if (p[i + 1].equals("2")) {
                        colour = Style.RGB | Integer.parseInt(p[i + 2]) << 16 | Integer.parseInt(p[i + 3]) << 8
                                | Integer.parseInt(p[i + 4]);
                        i += 4;
                    } else {
                        throw new AssertionError("tmux captured an SGR the oracle cannot read: " + params);
                    }
                    if (code.equals("38")) fg = colour;
                    else bg = colour;
                }
                case "58" -> i += p[i + 1].equals("5") ? 2 : 4;
                default -> {
                    int n = Integer.parseInt(code);
                    if (n >= 30 && n <= 37) fg = Style.PALETTE | (n - 30);
                    else if (n >= 90 && n <= 97) fg = Style.PALETTE | (n - 90 + 8);
                    else if (n >= 40 && n <= 47) bg = Style.PALETTE | (n - 40);
                    else if (n >= 100 && n <= 107) bg = Style.PALETTE | (n - 100 + 8);
                    else throw new AssertionError("tmux captured an SGR the oracle cannot read: " + params);
                }
            }
        }
    }
}
