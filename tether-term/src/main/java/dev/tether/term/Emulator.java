package dev.tether.term;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * An xterm-compatible terminal emulator: what a terminal that saw a session's whole output shows.
 * Fed bytes, it keeps the screen (a grid of cells with their styles, the normal and the alternate
 * one), the cursor, the modes a program set, the scroll region, tab stops, character sets, the
 * title, and a scrollback bounded in bytes; it renders them as text, as ANSI ({@code tmux
 * capture-pane -p [-e]}) or as a {@link #snapshot} that redraws the same state on a fresh terminal.
 * It never answers a query (cursor position, device attributes, colours): those are for the
 * client's terminal to answer, live, and never replayed.
 *
 * <p><b>Behaviour</b> follows tmux where tmux and xterm differ (tmux is the test oracle): the
 * alternate screens (47, 1047, 1049) all start cleared; lines scrolled off a full-screen region of
 * the normal screen go to the scrollback; erasing uses the current background colour.
 *
 * <p><b>Cost.</b> The parser is a table ({@link Parser}); printable ASCII takes a fast path straight
 * into the line's arrays; a full-screen scroll rotates rows (no copying). A cell is 12 bytes (code
 * point and style); the alternate screen exists only while it is shown; scrolled-off lines are kept
 * encoded as their ANSI rendering (mostly one byte a cell), dropped oldest first past the budget.
 * Not thread-safe: one thread feeds and reads at a time.
 */
public final class Emulator {
    /** A cell's code point: nothing written (shown as a space). */
    static final int BLANK = 0;
    /** The right half of a wide character. */
    static final int WIDE_TAIL = -1;
    private static final int CELL_BYTES = 12;

    /** One row: code points, styles, and (rarely) combining marks per cell. */
    static final class Line {
        int[] cp;
        long[] st;
        String[] marks;
        /** The text ran on into the next row (autowrap), so the two are one line of text. */
        boolean wrapped;
        /**
         * Cells from here on are blank in the default style: an upper bound, so that clearing, scanning
         * and encoding a short line cost its length, not the screen's width.
         */
        int used;

        Line(int cols) {
            cp = new int[cols];
            st = new long[cols];
        }

        /** Cells up to {@code end} may be written now. */
        void touch(int end) {
            if (end > used) {
                used = Math.min(end, cp.length);
            }
        }

        Line copy() {
            Line l = new Line(0);
            l.cp = cp.clone();
            l.st = st.clone();
            l.marks = marks == null ? null : marks.clone();
            l.wrapped = wrapped;
            l.used = used;
            return l;
        }

        void clear(int from, int to, long style) {
            if (style == 0) {
                to = Math.min(to, used); // beyond used all is blank in the default style already
                if (to <= from) {
                    return;
                }
                if (to == used) {
                    used = from;
                }
            } else {
                touch(to);
            }
            Arrays.fill(cp, from, to, BLANK);
            Arrays.fill(st, from, to, style);
            if (marks != null) {
                Arrays.fill(marks, from, to, null);
            }
        }

        void resize(int cols) {
            int old = cp.length;
            cp = Arrays.copyOf(cp, cols);
            st = Arrays.copyOf(st, cols);
            if (marks != null) {
                marks = Arrays.copyOf(marks, cols);
            }
            if (cols < old && cols > 0 && cp[cols - 1] > 0 && Width.of(cp[cols - 1]) == 2) {
                cp[cols - 1] = BLANK; // half a wide character does not survive
            }
            used = Math.min(used, cols);
        }

        /** Whether every cell is blank in the default style. */
        boolean empty() {
            for (int i = 0; i < used; i++) {
                if (cp[i] != BLANK || st[i] != 0) {
                    return false;
                }
            }
            return true;
        }
    }

    /** A screen: rows kept in a circle, so that scrolling the whole screen moves an offset. */
    private static final class Grid {
        Line[] lines;
        int base;

        Grid(int cols, int rows) {
            lines = new Line[rows];
            for (int i = 0; i < rows; i++) {
                lines[i] = new Line(cols);
            }
        }

        Grid copy() {
            Grid g = new Grid(0, 0);
            g.lines = new Line[lines.length];
            for (int i = 0; i < lines.length; i++) {
                g.lines[i] = lines[i].copy();
            }
            g.base = base;
            return g;
        }

        Line row(int r) {
            int i = base + r;
            return lines[i >= lines.length ? i - lines.length : i];
        }

        /** The rows in order, with the circle undone. */
        Line[] ordered() {
            Line[] out = new Line[lines.length];
            for (int r = 0; r < lines.length; r++) {
                out[r] = row(r);
            }
            return out;
        }
    }

    /** What DECSC saves. */
    record Saved(int row, int col, long style, boolean pendingWrap, boolean origin, int[] charsets, int shift) {
    }

    private int cols;
    private int rows;
    private final int scrollbackBudget;
    /** The parser's actions, on this emulator (a private object: nobody else may call them). */
    private final Parser parser = new Parser(new Parser.Handler() {
        @Override
        public void printAscii(byte[] bytes, int from, int to) {
            Emulator.this.printAscii(bytes, from, to);
        }

        @Override
        public void print(int codePoint) {
            Emulator.this.print(codePoint);
        }

        @Override
        public void execute(int control) {
            Emulator.this.execute(control);
        }

        @Override
        public void escDispatch(int intermediates, int finalByte) {
            Emulator.this.escDispatch(intermediates, finalByte);
        }

        @Override
        public void csiDispatch(int prefix, int[] params, boolean[] sub, int count, int intermediates, int finalByte) {
            Emulator.this.csiDispatch(prefix, params, sub, count, intermediates, finalByte);
        }

        @Override
        public void oscDispatch(byte[] data, int length) {
            Emulator.this.oscDispatch(data, length);
        }
    });

    private Grid main;
    /** The alternate screen, while it is shown; else null. */
    private Grid alt;
    private Grid grid;

    private int row;
    private int col;
    private boolean pendingWrap;
    private long style;
    private int top;
    private int bottom;
    private boolean[] tabs;
    /** G0–G3: 'B' ASCII, '0' DEC special graphics, 'A' UK. */
    private final int[] charsets = {'B', 'B', 'B', 'B'};
    private int shift;
    private Saved savedMain;
    private Saved savedAlt;

    private boolean appCursor, appKeypad, bracketedPaste, focus, origin, insert, newLine, reverseVideo;
    private boolean autowrap = true;
    private boolean cursorVisible = true;
    private int mouse, cursorStyle;
    /** The mouse encodings set, each on its own as in xterm and tmux: 1 for 1005 (UTF-8), 2 for 1006 (SGR), 4 for 1015 (urxvt). */
    private int mouseEncodings;
    private String title = "";
    /** The last character printed, for REP; -1 after a control. */
    private int last = -1;

    private final ArrayDeque<byte[]> scrollback = new ArrayDeque<>();
    private long scrollbackBytes;

    /**
     * @param scrollbackBytes the most the scrollback may keep (its lines' encoded bytes plus 16 a
     *     line); 0 keeps none
     */
    public Emulator(int cols, int rows, int scrollbackBytes) {
        if (cols < 1 || rows < 1 || cols > 4096 || rows > 4096) {
            throw new IllegalArgumentException("a terminal of " + cols + "x" + rows + " is not one of 1x1 to 4096x4096");
        }
        if (scrollbackBytes < 0) {
            throw new IllegalArgumentException("the scrollback budget " + scrollbackBytes + " is negative");
        }
        this.cols = cols;
        this.rows = rows;
        this.scrollbackBudget = scrollbackBytes;
        main = new Grid(cols, rows);
        grid = main;
        bottom = rows - 1;
        tabs = defaultTabs(cols);
    }

    private static boolean[] defaultTabs(int cols) {
        boolean[] t = new boolean[cols];
        for (int c = 8; c < cols; c += 8) {
            t[c] = true;
        }
        return t;
    }

    /** An independent copy of this emulator's whole state (the scrollback's lines are shared: they never change). */
    public Emulator copy() {
        var e = new Emulator(cols, rows, scrollbackBudget);
        e.main = main.copy();
        e.alt = alt == null ? null : alt.copy();
        e.grid = alt != null ? e.alt : e.main;
        e.row = row;
        e.col = col;
        e.pendingWrap = pendingWrap;
        e.style = style;
        e.top = top;
        e.bottom = bottom;
        e.tabs = tabs.clone();
        System.arraycopy(charsets, 0, e.charsets, 0, 4);
        e.shift = shift;
        e.savedMain = savedMain;
        e.savedAlt = savedAlt;
        e.appCursor = appCursor;
        e.appKeypad = appKeypad;
        e.bracketedPaste = bracketedPaste;
        e.focus = focus;
        e.origin = origin;
        e.insert = insert;
        e.newLine = newLine;
        e.reverseVideo = reverseVideo;
        e.autowrap = autowrap;
        e.cursorVisible = cursorVisible;
        e.mouse = mouse;
        e.mouseEncodings = mouseEncodings;
        e.cursorStyle = cursorStyle;
        e.title = title;
        e.last = last;
        e.scrollback.addAll(scrollback);
        e.scrollbackBytes = scrollbackBytes;
        e.parser.copyFrom(parser);
        return e;
    }

    // ------------------------------------------------------------------ input

    public void feed(byte[] bytes) {
        feed(bytes, 0, bytes.length);
    }

    public void feed(byte[] bytes, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, bytes.length);
        parser.feed(bytes, offset, length);
    }

    // ------------------------------------------------------------------ reading

    public int cols() {
        return cols;
    }

    public int rows() {
        return rows;
    }

    public int cursorRow() {
        return row;
    }

    /** 0-based; {@code cols()} when the cursor is past the last column (it was just written: a wrap is pending), as tmux has it. */
    public int cursorCol() {
        return pendingWrap ? cols : col;
    }

    public boolean alternateScreen() {
        return alt != null;
    }

    public String title() {
        return title;
    }

    public Modes modes() {
        int mouseEncoding = (mouseEncodings & 2) != 0 ? 1006 : (mouseEncodings & 4) != 0 ? 1015 : (mouseEncodings & 1) != 0 ? 1005 : 0;
        return new Modes(appCursor, appKeypad, bracketedPaste, mouse, mouseEncoding, focus, origin, autowrap, insert, newLine,
                cursorVisible, cursorStyle, reverseVideo, top, bottom);
    }

    /** The visible cell: " " when blank, "" for the right half of a wide character, else its character and marks. */
    public String cell(int r, int c) {
        Line line = grid.row(r);
        return cellText(line, c);
    }

    private static String cellText(Line line, int c) {
        int cp = line.cp[c];
        if (cp == WIDE_TAIL) {
            return "";
        }
        String s = cp == BLANK ? " " : Character.toString(cp);
        return line.marks != null && line.marks[c] != null ? s + line.marks[c] : s;
    }

    public long style(int r, int c) {
        return grid.row(r).st[c];
    }

    public int scrollbackLines() {
        return scrollback.size();
    }

    /** Memory this emulator holds for its screens and scrollback, in bytes (an estimate of the arrays). */
    public long retainedBytes() {
        long screens = (long) rows * cols * CELL_BYTES * (alt != null ? 2 : 1);
        return screens + marksBytes(main) + (alt != null ? marksBytes(alt) : 0) + scrollbackBytes;
    }

    /** The combining marks a screen holds: an array for each row that has any, and 40 bytes plus two a char for each mark. */
    private static long marksBytes(Grid g) {
        long bytes = 0;
        for (Line l : g.lines) {
            if (l.marks != null) {
                bytes += 16 + 4L * l.marks.length;
                for (String m : l.marks) {
                    bytes += m == null ? 0 : 40 + 2L * m.length();
                }
            }
        }
        return bytes;
    }

    /**
     * The screen as text, like {@code tmux capture-pane -p -S -N}: the last {@code scrollback} lines
     * of the scrollback, then every row of the visible screen, trailing blanks trimmed, joined by
     * newlines (with a final one).
     */
    public String text(int scrollback) {
        var out = new StringBuilder();
        for (byte[] line : lastScrollback(scrollback)) {
            out.append(Render.plain(line)).append('\n');
        }
        for (int r = 0; r < rows; r++) {
            out.append(Render.text(grid.row(r), false)).append('\n');
        }
        return out.toString();
    }

    /** As {@link #text}, with each cell's style as SGR sequences, like {@code tmux capture-pane -p -e}. */
    public String ansi(int scrollback) {
        var out = new StringBuilder();
        for (byte[] line : lastScrollback(scrollback)) {
            out.append(new String(line, 1, line.length - 1, StandardCharsets.UTF_8)).append('\n');
        }
        for (int r = 0; r < rows; r++) {
            out.append(Render.text(grid.row(r), true)).append('\n');
        }
        return out.toString();
    }

    /**
     * The visible screen as an SVG image, for thumbnails: a cell is 8×16 units, text in a monospace
     * font with its colours (xterm's palette; default colours light grey on black), bold, inverse.
     */
    public String svg() {
        return Render.svg(this);
    }

    /** The scrollback's lines as text, oldest first (for search). */
    public List<String> scrollbackText() {
        var out = new ArrayList<String>(scrollback.size());
        for (byte[] line : scrollback) {
            out.add(Render.plain(line));
        }
        return out;
    }

    private List<byte[]> lastScrollback(int n) {
        int skip = Math.max(0, scrollback.size() - Math.max(0, n));
        var out = new ArrayList<byte[]>(scrollback.size() - skip);
        Iterator<byte[]> it = scrollback.iterator();
        for (int i = 0; it.hasNext(); i++) {
            byte[] line = it.next();
            if (i >= skip) {
                out.add(line);
            }
        }
        return out;
    }

    /**
     * Bytes that, written to a terminal of this size that was just reset, make it show what this one
     * shows: the last {@code scrollback} lines of the scrollback (they scroll into the terminal's own),
     * the normal screen, the alternate one when it is shown, the scroll region, tab stops, the saved
     * cursor, the cursor, the current style, the character sets, the modes and the title. No query.
     */
    public byte[] snapshot(int scrollback) {
        return Render.snapshot(this, lastScrollback(scrollback));
    }

    // ------------------------------------------------------------------ state the renderer reads

    Line[] mainLines() {
        return main.ordered();
    }

    Line[] altLines() {
        return alt == null ? null : alt.ordered();
    }

    boolean pendingWrap() {
        return pendingWrap;
    }

    long currentStyle() {
        return style;
    }

    boolean[] tabStops() {
        return tabs;
    }

    int[] charsets() {
        return charsets;
    }

    int shift() {
        return shift;
    }

    /** What DECSC saved on the screen shown; null if nothing (a restore then goes home with the default style). */
    Saved saved() {
        return alt != null ? savedAlt : savedMain;
    }

    /** The normal screen's saved cursor (entering 1049 saves it); null if none. */
    Saved savedMain() {
        return savedMain;
    }

    /** The mouse encodings set: 1 for 1005, 2 for 1006, 4 for 1015. */
    int mouseEncodings() {
        return mouseEncodings;
    }

    /** Whether the parser is between characters and sequences. */
    public boolean idle() {
        return parser.idle();
    }

    /** The raw bytes of the sequence or character the output stopped in the middle of (empty when none). */
    byte[] unfinished() {
        return parser.pending();
    }

    // ------------------------------------------------------------------ resize

    /**
     * Gives the terminal a new size, as tmux does without reflow: rows keep their text (cut or
     * padded); a smaller screen first loses blank rows below the cursor, then pushes rows from the top
     * into the scrollback; a taller one takes rows back from the scrollback.
     */
    public void resize(int newCols, int newRows) {
        if (newCols < 1 || newRows < 1 || newCols > 4096 || newRows > 4096) {
            throw new IllegalArgumentException("a terminal of " + newCols + "x" + newRows + " is not one of 1x1 to 4096x4096");
        }
        if (newCols == cols && newRows == rows) {
            return;
        }
        main = resized(main, newCols, newRows, alt == null);
        if (alt != null) {
            alt = resized(alt, newCols, newRows, true);
            grid = alt;
        } else {
            grid = main;
        }
        boolean[] t = Arrays.copyOf(tabs, newCols);
        for (int c = (cols / 8 + 1) * 8; c < newCols; c += 8) {
            t[c] = true;
        }
        tabs = t;
        cols = newCols;
        rows = newRows;
        top = 0;
        bottom = rows - 1;
        row = Math.min(row, rows - 1);
        col = Math.min(col, cols - 1);
        pendingWrap = false;
        savedMain = clampSaved(savedMain);
        savedAlt = clampSaved(savedAlt);
    }

    private Saved clampSaved(Saved s) {
        return s == null ? null : new Saved(Math.min(s.row(), rows - 1), Math.min(s.col(), cols - 1), s.style(), false,
                s.origin(), s.charsets(), s.shift());
    }

    /** @param moveCursor whether this is the shown screen, whose cursor row moves with its rows */
    private Grid resized(Grid g, int newCols, int newRows, boolean moveCursor) {
        var lines = new ArrayList<>(Arrays.asList(g.ordered()));
        boolean history = g == main;
        int cursor = moveCursor ? row : lines.size() - 1;
        while (lines.size() > newRows) {
            if (lines.size() - 1 > cursor && lines.getLast().empty()) {
                lines.removeLast();
            } else {
                Line gone = lines.removeFirst();
                if (history) {
                    pushScrollback(gone);
                }
                cursor--;
            }
        }
        while (lines.size() < newRows) {
            if (history && !scrollback.isEmpty() && g == grid) {
                lines.addFirst(Render.decode(scrollback.removeLast(), cols, this::forget));
                cursor++;
            } else {
                lines.add(new Line(newCols));
            }
        }
        if (moveCursor) {
            row = Math.max(0, cursor);
        }
        Grid out = new Grid(newCols, 0);
        out.lines = lines.toArray(Line[]::new);
        for (Line l : out.lines) {
            l.resize(newCols);
        }
        return out;
    }

    private void forget(int bytes) {
        scrollbackBytes -= bytes;
    }

    // ------------------------------------------------------------------ the parser's actions

    private void printAscii(byte[] bytes, int from, int to) {
        if (insert || charsets[shift] != 'B') {
            for (int i = from; i < to; i++) {
                print(bytes[i]);
            }
            return;
        }
        int i = from;
        while (i < to) {
            if (pendingWrap) {
                if (autowrap) {
                    wrap();
                } else {
                    pendingWrap = false; // without autowrap the last column is written again
                }
            }
            Line line = grid.row(row);
            int room = cols - col;
            int n = Math.min(room, to - i);
            if (line.cp[col] == WIDE_TAIL && col > 0) {
                line.cp[col - 1] = BLANK;
            }
            int end = col + n;
            if (end < cols && line.cp[end] == WIDE_TAIL) {
                line.cp[end] = BLANK;
            }
            line.touch(end);
            for (int k = 0; k < n; k++) {
                line.cp[col + k] = bytes[i + k];
            }
            last = bytes[i + n - 1];
            Arrays.fill(line.st, col, end, style);
            if (line.marks != null) {
                Arrays.fill(line.marks, col, end, null);
            }
            i += n;
            if (end >= cols) {
                col = cols - 1;
                pendingWrap = true;
                if (!autowrap && i < to) {
                    // without autowrap the rest overwrites the last column: only the last character stays
                    line.cp[cols - 1] = bytes[to - 1];
                    last = bytes[to - 1];
                    i = to;
                }
            } else {
                col = end;
            }
        }
    }

    private void print(int cp) {
        if (cp >= 0x80 && cp < 0xA0) {
            return; // a C1 control encoded in UTF-8: dropped, as tmux does; kept, a snapshot would send it to run
        }
        if (cp < 0x80 && charsets[shift] == '0' && cp >= 0x5F && cp <= 0x7E) {
            cp = DEC_GRAPHICS[cp - 0x5F];
        } else if (cp == '#' && charsets[shift] == 'A') {
            cp = 0xA3;
        }
        int w = Width.of(cp);
        if (w == 0) {
            combine(cp);
            return;
        }
        if (zwjBefore()) { // the next character of an emoji joined by U+200D joins its cell, as in tmux
            combine(cp);
            return;
        }
        last = cp;
        if (pendingWrap) {
            if (autowrap) {
                wrap();
            } else {
                pendingWrap = false;
            }
        }
        if (w == 2 && col == cols - 1) {
            if (!autowrap) {
                return; // tmux drops a wide character that cannot fit
            }
            grid.row(row).clear(col, cols, Style.erased(style));
            grid.row(row).wrapped = true;
            index();
            col = 0;
        }
        if (w == 2 && cols < 2) {
            return;
        }
        Line line = grid.row(row);
        if (insert) {
            insertCells(line, col, w);
        }
        if (line.cp[col] == WIDE_TAIL && col > 0) {
            line.cp[col - 1] = BLANK;
        }
        if (col + w < cols && line.cp[col + w] == WIDE_TAIL) {
            line.cp[col + w] = BLANK;
        }
        line.touch(col + w);
        line.cp[col] = cp;
        line.st[col] = style;
        if (line.marks != null) {
            line.marks[col] = null;
        }
        if (w == 2) {
            line.cp[col + 1] = WIDE_TAIL;
            line.st[col + 1] = style;
            if (line.marks != null) {
                line.marks[col + 1] = null;
            }
        }
        if (col + w >= cols) {
            col = cols - 1;
            pendingWrap = true;
        } else {
            col += w;
        }
    }

    /** Whether the cell left of the cursor ends with a zero width joiner. */
    private boolean zwjBefore() {
        int c = pendingWrap ? col : col - 1;
        if (c < 0) {
            return false;
        }
        Line line = grid.row(row);
        if (line.cp[c] == WIDE_TAIL && c > 0) {
            c--;
        }
        String m = line.marks == null ? null : line.marks[c];
        return m != null && m.endsWith("\u200d");
    }

    /** A zero-width character joins the cell left of the cursor (the cursor's own with a wrap pending), as in tmux. */
    private void combine(int cp) {
        Line line = grid.row(row);
        int c = pendingWrap ? col : col - 1;
        if (c < 0) {
            return;
        }
        if (line.cp[c] == WIDE_TAIL && c > 0) {
            c--;
        }
        if (line.marks == null) {
            line.marks = new String[cols];
        }
        line.touch(c + 1);
        String m = line.marks[c];
        if (m == null || m.length() < 16) { // bounded: a flood of marks on one cell stops growing it
            line.marks[c] = m == null ? Character.toString(cp) : m + Character.toString(cp);
        }
    }

    private void wrap() {
        grid.row(row).wrapped = true;
        pendingWrap = false;
        index();
        col = 0;
    }

    private static final int[] DEC_GRAPHICS = {
        0x00A0, 0x25C6, 0x2592, 0x2409, 0x240C, 0x240D, 0x240A, 0x00B0, 0x00B1, 0x2424, 0x240B, 0x2518, 0x2510, 0x250C,
        0x2514, 0x253C, 0x23BA, 0x23BB, 0x2500, 0x23BC, 0x23BD, 0x251C, 0x2524, 0x2534, 0x252C, 0x2502, 0x2264, 0x2265,
        0x03C0, 0x2260, 0x00A3, 0x00B7,
    };

    private void execute(int c) {
        last = -1;
        switch (c) {
            case 0x08 -> { // BS
                if (pendingWrap) {
                    pendingWrap = false;
                } else if (col > 0) {
                    col--;
                }
            }
            case 0x09 -> tab(1);
            case 0x0A, 0x0B, 0x0C -> {
                index();
                if (newLine) {
                    col = 0;
                }
                pendingWrap = false;
            }
            case 0x0D -> {
                col = 0;
                pendingWrap = false;
            }
            case 0x0E -> shift = 1;
            case 0x0F -> shift = 0;
            default -> { } // BEL and the rest change nothing on the screen
        }
    }

    private void escDispatch(int intermediates, int f) {
        last = -1;
        if (intermediates == 0) {
            switch (f) {
                case '7' -> saveCursor();
                case '8' -> restoreCursor();
                case 'D' -> {
                    index();
                    pendingWrap = false;
                }
                case 'E' -> {
                    index();
                    col = 0;
                    pendingWrap = false;
                }
                case 'H' -> tabs[col] = true;
                case 'M' -> {
                    reverseIndex();
                    pendingWrap = false;
                }
                case 'c' -> reset(true);
                case '=' -> appKeypad = true;
                case '>' -> appKeypad = false;
                default -> { }
            }
            return;
        }
        switch (intermediates) {
            case '(' -> charsets[0] = charset(f);
            case ')' -> charsets[1] = charset(f);
            case '*' -> charsets[2] = charset(f);
            case '+' -> charsets[3] = charset(f);
            case '#' -> {
                if (f == '8') {
                    alignment();
                }
            }
            default -> { }
        }
    }

    private static int charset(int f) {
        return f == '0' ? '0' : f == 'A' ? 'A' : 'B';
    }

    private void oscDispatch(byte[] data, int length) {
        int semi = -1;
        for (int i = 0; i < length; i++) {
            if (data[i] == ';') {
                semi = i;
                break;
            }
            if (data[i] < '0' || data[i] > '9') {
                return;
            }
        }
        if (semi <= 0) {
            return;
        }
        String code = new String(data, 0, semi, StandardCharsets.ISO_8859_1);
        if (code.equals("0") || code.equals("2")) {
            String t = new String(data, semi + 1, length - semi - 1, StandardCharsets.UTF_8);
            title = t.codePoints().filter(cp -> cp >= 0x20 && cp != 0x7F).collect(StringBuilder::new, StringBuilder::appendCodePoint,
                    StringBuilder::append).toString();
        }
    }

    private void csiDispatch(int prefix, int[] p, boolean[] sub, int n, int intermediates, int f) {
        if (f != 'b' && f != 'm') {
            last = -1; // what moves or changes cells ends what REP repeats
        }
        if (prefix == '?') {
            if (intermediates == 0 && (f == 'h' || f == 'l')) {
                for (int i = 0; i < Math.max(n, 1); i++) {
                    if (!sub[i]) {
                        privateMode(n == 0 ? -1 : p[i], f == 'h');
                    }
                }
            }
            return;
        }
        if (prefix != 0) {
            return; // CSI > … and CSI = … are queries or settings of the client's terminal
        }
        if (intermediates != 0) {
            if (intermediates == ' ' && f == 'q') {
                int v = arg(p, n, 0, 0);
                cursorStyle = v <= 6 ? v : cursorStyle;
            } else if (intermediates == '!' && f == 'p') {
                softReset();
            }
            return;
        }
        switch (f) {
            case '@' -> {
                if (!pendingWrap) { // past the last column there is nothing to move
                    insertCells(grid.row(row), col, arg(p, n, 0, 1));
                }
            }
            case 'A' -> cursorUp(arg(p, n, 0, 1));
            case 'B', 'e' -> cursorDown(arg(p, n, 0, 1));
            case 'C', 'a' -> moveTo(row, col + arg(p, n, 0, 1));
            case 'D' -> moveTo(row, cursorCol() - arg(p, n, 0, 1));
            case 'E' -> {
                cursorDown(arg(p, n, 0, 1));
                col = 0;
            }
            case 'F' -> {
                cursorUp(arg(p, n, 0, 1));
                col = 0;
            }
            case 'G', '`' -> moveTo(row, arg(p, n, 0, 1) - 1);
            case 'H', 'f' -> position(arg(p, n, 0, 1) - 1, arg(p, n, 1, 1) - 1);
            case 'I' -> tab(arg(p, n, 0, 1));
            case 'J' -> eraseDisplay(arg(p, n, 0, 0));
            case 'K' -> eraseLine(arg(p, n, 0, 0));
            case 'L' -> insertLines(arg(p, n, 0, 1));
            case 'M' -> deleteLines(arg(p, n, 0, 1));
            case 'P' -> deleteCells(arg(p, n, 0, 1));
            case 'S' -> {
                if (n <= 1) {
                    scrollUp(top, bottom, arg(p, n, 0, 1), true);
                }
            }
            case 'T' -> {
                if (n <= 1) {
                    scrollDown(top, bottom, arg(p, n, 0, 1));
                }
            }
            case 'X' -> {
                int count = Math.min(arg(p, n, 0, 1), pendingWrap ? 0 : cols - col);
                Line line = grid.row(row);
                fixWide(line, col, col + count);
                line.clear(col, col + count, Style.erased(style));
                pendingWrap = false;
            }
            case 'Z' -> backTab(arg(p, n, 0, 1));
            case 'b' -> repeat(arg(p, n, 0, 1));
            case 'd' -> position(arg(p, n, 0, 1) - 1, col, false);
            case 'g' -> {
                int v = arg(p, n, 0, 0);
                if (v == 0) {
                    tabs[col] = false;
                } else if (v == 3) {
                    Arrays.fill(tabs, false);
                }
            }
            case 'h', 'l' -> {
                for (int i = 0; i < n; i++) {
                    if (p[i] == 4) {
                        insert = f == 'h';
                    } else if (p[i] == 20) {
                        newLine = f == 'h';
                    }
                }
            }
            case 'm' -> sgr(p, sub, n);
            case 'r' -> {
                int t = arg(p, n, 0, 1) - 1;
                int b = (n > 1 && p[1] > 0 ? p[1] : rows) - 1;
                b = Math.min(b, rows - 1);
                if (t < b) {
                    top = Math.max(0, t);
                    bottom = b;
                    position(0, 0);
                }
            }
            case 's' -> saveCursor();
            case 'u' -> restoreCursor();
            default -> { } // queries (n, c, t …) and what a screen does not keep
        }
    }

    private static int arg(int[] p, int n, int i, int dflt) {
        if (i >= n || p[i] < 0) {
            return dflt;
        }
        return p[i] == 0 && dflt == 1 ? 1 : p[i];
    }

    // ------------------------------------------------------------------ modes

    private void privateMode(int mode, boolean on) {
        switch (mode) {
            case 1 -> appCursor = on;
            case 5 -> reverseVideo = on;
            case 6 -> {
                origin = on;
                position(0, 0);
            }
            case 7 -> autowrap = on;
            case 25 -> cursorVisible = on;
            case 66 -> appKeypad = on;
            case 9, 1000, 1002, 1003 -> mouse = on ? mode : 0;
            case 1004 -> focus = on;
            case 1005, 1006, 1015 -> {
                int bit = mode == 1005 ? 1 : mode == 1006 ? 2 : 4;
                mouseEncodings = on ? mouseEncodings | bit : mouseEncodings & ~bit;
            }
            case 2004 -> bracketedPaste = on;
            case 47, 1047 -> alternate(on, false);
            case 1048 -> {
                if (on) {
                    saveCursor();
                } else {
                    restoreCursor();
                }
            }
            case 1049 -> alternate(on, true);
            default -> { }
        }
    }

    private void alternate(boolean on, boolean cursor) {
        if (on == (alt != null)) {
            return;
        }
        if (on) {
            if (cursor) {
                saveCursor();
            }
            alt = new Grid(cols, rows); // blank in the default style, whatever the current one (as tmux)
            grid = alt;
            savedAlt = null;
        } else {
            alt = null;
            grid = main;
            if (cursor) {
                restoreCursor();
            }
        }
        pendingWrap = false;
    }

    private void saveCursor() {
        Saved s = new Saved(row, col, style, pendingWrap, origin, charsets.clone(), shift);
        if (alt != null) {
            savedAlt = s;
        } else {
            savedMain = s;
        }
    }

    private void restoreCursor() {
        Saved s = alt != null ? savedAlt : savedMain;
        if (s == null) {
            row = 0;
            col = 0;
            style = 0;
            origin = false;
            pendingWrap = false;
            Arrays.fill(charsets, 'B');
            shift = 0;
            return;
        }
        origin = s.origin();
        // As xterm: in origin mode the cursor comes back inside the scroll region.
        row = origin ? Math.max(top, Math.min(bottom, s.row())) : Math.min(s.row(), rows - 1);
        col = Math.min(s.col(), cols - 1);
        style = s.style();
        pendingWrap = s.pendingWrap();
        System.arraycopy(s.charsets(), 0, charsets, 0, 4);
        shift = s.shift();
    }

    private void softReset() {
        insert = false;
        origin = false;
        autowrap = true;
        cursorVisible = true;
        appCursor = false;
        appKeypad = false;
        top = 0;
        bottom = rows - 1;
        style = 0;
        Arrays.fill(charsets, 'B');
        shift = 0;
        savedMain = null;
        savedAlt = null;
        pendingWrap = false;
    }

    /** RIS: everything but the scrollback back to how it started. */
    private void reset(boolean clear) {
        softReset();
        alt = null;
        grid = main;
        if (clear) {
            for (Line l : main.lines) {
                l.clear(0, cols, 0);
                l.wrapped = false;
            }
        }
        bracketedPaste = false;
        focus = false;
        mouse = 0;
        mouseEncodings = 0;
        newLine = false;
        reverseVideo = false;
        cursorStyle = 0;
        tabs = defaultTabs(cols); // the title stays, as in tmux
        row = 0;
        col = 0;
    }

    private void alignment() {
        for (int r = 0; r < rows; r++) {
            Line l = grid.row(r);
            Arrays.fill(l.cp, 'E');
            l.used = cols;
            Arrays.fill(l.st, 0);
            l.marks = null;
            l.wrapped = false;
        }
        top = 0;
        bottom = rows - 1;
        origin = false;
        row = 0;
        col = 0;
        pendingWrap = false;
    }

    // ------------------------------------------------------------------ SGR

    private void sgr(int[] p, boolean[] sub, int n) {
        if (n == 0) {
            style = 0;
            return;
        }
        long s = style;
        for (int i = 0; i < n; i++) {
            int v = p[i] < 0 ? 0 : p[i];
            int flags = Style.flags(s);
            switch (v) {
                case 0 -> s = 0;
                case 1 -> s = Style.withFlags(s, flags | Style.BOLD);
                case 2 -> s = Style.withFlags(s, flags | Style.DIM);
                case 3 -> s = Style.withFlags(s, flags | Style.ITALIC);
                case 4 -> {
                    int kind = i + 1 < n && sub[i + 1] ? p[++i] : 1;
                    while (i + 1 < n && sub[i + 1]) {
                        i++;
                    }
                    int cleared = flags & ~(Style.UNDERLINE | Style.DOUBLE_UNDERLINE);
                    s = Style.withFlags(s, kind == 0 ? cleared : kind == 2 ? cleared | Style.DOUBLE_UNDERLINE : cleared | Style.UNDERLINE);
                }
                case 5, 6 -> s = Style.withFlags(s, flags | Style.BLINK);
                case 7 -> s = Style.withFlags(s, flags | Style.INVERSE);
                case 8 -> s = Style.withFlags(s, flags | Style.HIDDEN);
                case 9 -> s = Style.withFlags(s, flags | Style.STRIKE);
                case 21 -> s = Style.withFlags(s, (flags & ~Style.UNDERLINE) | Style.DOUBLE_UNDERLINE);
                case 22 -> s = Style.withFlags(s, flags & ~(Style.BOLD | Style.DIM));
                case 23 -> s = Style.withFlags(s, flags & ~Style.ITALIC);
                case 24 -> s = Style.withFlags(s, flags & ~(Style.UNDERLINE | Style.DOUBLE_UNDERLINE));
                case 25 -> s = Style.withFlags(s, flags & ~Style.BLINK);
                case 27 -> s = Style.withFlags(s, flags & ~Style.INVERSE);
                case 28 -> s = Style.withFlags(s, flags & ~Style.HIDDEN);
                case 29 -> s = Style.withFlags(s, flags & ~Style.STRIKE);
                case 39 -> s = Style.withFg(s, Style.DEFAULT);
                case 49 -> s = Style.withBg(s, Style.DEFAULT);
                case 53 -> s = Style.withFlags(s, flags | Style.OVERLINE);
                case 55 -> s = Style.withFlags(s, flags & ~Style.OVERLINE);
                case 38, 48, 58 -> {
                    int[] colour = new int[1];
                    i = extendedColour(p, sub, n, i, colour);
                    if (colour[0] >= 0) {
                        s = v == 38 ? Style.withFg(s, colour[0]) : v == 48 ? Style.withBg(s, colour[0]) : s;
                    }
                }
                default -> {
                    if (v >= 30 && v <= 37) s = Style.withFg(s, Style.PALETTE | (v - 30));
                    else if (v >= 40 && v <= 47) s = Style.withBg(s, Style.PALETTE | (v - 40));
                    else if (v >= 90 && v <= 97) s = Style.withFg(s, Style.PALETTE | (v - 90 + 8));
                    else if (v >= 100 && v <= 107) s = Style.withBg(s, Style.PALETTE | (v - 100 + 8));
                }
            }
        }
        style = s;
    }

    /**
     * Reads {@code 38;5;N}, {@code 38;2;R;G;B} and their colon forms ({@code 38:5:N},
     * {@code 38:2::R:G:B}, {@code 38:2:R:G:B}) from p[i]; returns the index of the last parameter
     * used, and the colour in out[0] (-1 when malformed).
     */
    private static int extendedColour(int[] p, boolean[] sub, int n, int i, int[] out) {
        out[0] = -1;
        if (i + 1 < n && sub[i + 1]) { // colon form: every sub-parameter belongs to this one
            int end = i + 1;
            while (end + 1 < n && sub[end + 1]) {
                end++;
            }
            int kind = p[i + 1];
            int count = end - (i + 1); // sub-parameters after the kind
            if (kind == 5 && count >= 1) {
                out[0] = palette(p[i + 2]);
            } else if (kind == 2 && count >= 3) {
                int first = count >= 4 ? i + 3 : i + 2; // 38:2:CS:R:G:B or 38:2:R:G:B
                out[0] = rgb(p[first], p[first + 1], p[first + 2]);
            }
            return end;
        }
        if (i + 1 >= n) {
            return i;
        }
        // As tmux: a colour that is missing or out of range takes only its kind; the parameters after
        // it are read as SGR parameters of their own.
        int kind = p[i + 1];
        if (kind == 5 && i + 2 < n && palette(p[i + 2]) >= 0) {
            out[0] = palette(p[i + 2]);
            return i + 2;
        }
        if (kind == 2 && i + 4 < n && p[i + 2] >= 0 && p[i + 3] >= 0 && p[i + 4] >= 0 && rgb(p[i + 2], p[i + 3], p[i + 4]) >= 0) {
            out[0] = rgb(p[i + 2], p[i + 3], p[i + 4]);
            return i + 4;
        }
        return i + 1;
    }

    private static int palette(int v) {
        return v < 0 || v > 255 ? -1 : Style.PALETTE | v;
    }

    private static int rgb(int r, int g, int b) {
        if (r > 255 || g > 255 || b > 255) {
            return -1;
        }
        return Style.RGB | Math.max(r, 0) << 16 | Math.max(g, 0) << 8 | Math.max(b, 0);
    }

    // ------------------------------------------------------------------ cursor

    private void cursorUp(int n) {
        int min = row >= top ? top : 0;
        row = Math.max(min, row - n);
        pendingWrap = false;
    }

    private void cursorDown(int n) {
        int max = row <= bottom ? bottom : rows - 1;
        row = Math.min(max, row + n);
        pendingWrap = false;
    }

    private void moveTo(int r, int c) {
        row = Math.max(0, Math.min(rows - 1, r));
        col = Math.max(0, Math.min(cols - 1, c));
        pendingWrap = false;
    }

    /** CUP: in origin mode relative to (and kept in) the scroll region. */
    private void position(int r, int c) {
        position(r, c, true);
    }

    private void position(int r, int c, boolean setCol) {
        if (origin) {
            row = Math.max(top, Math.min(bottom, top + r));
        } else {
            row = Math.max(0, Math.min(rows - 1, r));
        }
        if (setCol) {
            col = Math.max(0, Math.min(cols - 1, c));
        }
        pendingWrap = false;
    }

    private void tab(int n) {
        for (int k = 0; k < n && col < cols - 1; k++) {
            do {
                col++;
            } while (col < cols - 1 && !tabs[col]);
        }
        pendingWrap = false;
    }

    private void backTab(int n) {
        for (int k = 0; k < n && col > 0; k++) {
            do {
                col--;
            } while (col > 0 && !tabs[col]);
        }
        pendingWrap = false;
    }

    /** REP: the last character printed, again, {@code n} times (as xterm and tmux: not the cell before the cursor). */
    private void repeat(int n) {
        if (last < 0) {
            return;
        }
        int cp = last;
        for (int k = 0; k < Math.min(n, 65535); k++) {
            print(cp);
        }
    }

    // ------------------------------------------------------------------ scrolling

    private void index() {
        if (row == bottom) {
            scrollUp(top, bottom, 1, true);
        } else if (row < rows - 1) {
            row++;
        }
    }

    private void reverseIndex() {
        if (row == top) {
            scrollDown(top, bottom, 1);
        } else if (row > 0) {
            row--;
        }
    }

    /**
     * Scrolls rows [from, to] up by {@code n}. With {@code history} (a line feed or SU, not a deleted
     * line) the rows that leave the top of the normal screen's region go to the scrollback, as tmux
     * keeps them, whatever the region.
     */
    private void scrollUp(int from, int to, int n, boolean history) {
        n = Math.min(n, to - from + 1);
        long blank = Style.erased(style);
        if (from == 0 && to == rows - 1) {
            for (int k = 0; k < n; k++) {
                Line gone = grid.row(0);
                if (history && grid == main) {
                    pushScrollback(gone);
                }
                grid.base = grid.base + 1 == rows ? 0 : grid.base + 1;
                Line fresh = grid.row(rows - 1); // the same object, now at the bottom
                fresh.clear(0, cols, blank);
                fresh.wrapped = false;
            }
            return;
        }
        Line[] moved = new Line[n];
        for (int k = 0; k < n; k++) {
            moved[k] = grid.row(from + k);
            if (history && grid == main) {
                pushScrollback(moved[k]);
            }
        }
        for (int r = from; r + n <= to; r++) {
            setRow(r, grid.row(r + n));
        }
        for (int k = 0; k < n; k++) {
            moved[k].clear(0, cols, blank);
            moved[k].wrapped = false;
            setRow(to - n + 1 + k, moved[k]);
        }
    }

    private void scrollDown(int from, int to, int n) {
        n = Math.min(n, to - from + 1);
        long blank = Style.erased(style);
        Line[] moved = new Line[n];
        for (int k = 0; k < n; k++) {
            moved[k] = grid.row(to - k);
        }
        for (int r = to; r - n >= from; r--) {
            setRow(r, grid.row(r - n));
        }
        for (int k = 0; k < n; k++) {
            moved[k].clear(0, cols, blank);
            moved[k].wrapped = false;
            setRow(from + k, moved[k]);
        }
    }

    private void setRow(int r, Line line) {
        int i = grid.base + r;
        grid.lines[i >= rows ? i - rows : i] = line;
    }

    private void pushScrollback(Line line) {
        if (scrollbackBudget == 0) {
            return;
        }
        byte[] encoded = Render.encode(line);
        scrollback.addLast(encoded);
        scrollbackBytes += encoded.length + 16;
        while (scrollbackBytes > scrollbackBudget && !scrollback.isEmpty()) {
            scrollbackBytes -= scrollback.removeFirst().length + 16;
        }
    }

    private void insertLines(int n) {
        if (row < top || row > bottom) {
            return;
        }
        scrollDown(row, bottom, n);
        col = 0;
        pendingWrap = false;
    }

    private void deleteLines(int n) {
        if (row < top || row > bottom) {
            return;
        }
        scrollUp(row, bottom, n, false);
        col = 0;
        pendingWrap = false;
    }

    // ------------------------------------------------------------------ erasing and editing

    private void eraseDisplay(int mode) {
        long blank = Style.erased(style);
        switch (mode) {
            case 0 -> {
                eraseLine(0);
                for (int r = row + 1; r < rows; r++) {
                    grid.row(r).clear(0, cols, blank);
                    grid.row(r).wrapped = false;
                }
            }
            case 1 -> {
                eraseLine(1);
                for (int r = 0; r < row; r++) {
                    grid.row(r).clear(0, cols, blank);
                    grid.row(r).wrapped = false;
                }
            }
            case 2 -> {
                for (int r = 0; r < rows; r++) {
                    grid.row(r).clear(0, cols, blank);
                    grid.row(r).wrapped = false;
                }
            }
            case 3 -> {
                scrollback.clear();
                scrollbackBytes = 0;
            }
            default -> { }
        }
        pendingWrap = false;
    }

    private void eraseLine(int mode) {
        Line line = grid.row(row);
        long blank = Style.erased(style);
        int from = mode == 0 ? (pendingWrap ? cols : col) : 0; // past the last column: nothing is left to erase
        int to = mode == 1 ? col + 1 : cols;
        if (mode > 2) {
            return;
        }
        fixWide(line, from, to);
        line.clear(from, to, blank);
        if (mode != 1) {
            line.wrapped = false;
        }
        pendingWrap = false;
    }

    /** Before cells [from, to) change, the wide characters cut in half at either edge lose their other half. */
    private static void fixWide(Line line, int from, int to) {
        if (from > 0 && from < line.cp.length && line.cp[from] == WIDE_TAIL) {
            line.cp[from - 1] = BLANK;
        }
        if (to < line.cp.length && line.cp[to] == WIDE_TAIL) {
            line.cp[to] = BLANK;
        }
    }

    private void insertCells(Line line, int at, int n) {
        n = Math.min(n, cols - at);
        fixWide(line, at, at);
        line.touch(line.used + n);
        System.arraycopy(line.cp, at, line.cp, at + n, cols - at - n);
        System.arraycopy(line.st, at, line.st, at + n, cols - at - n);
        if (line.marks != null) {
            System.arraycopy(line.marks, at, line.marks, at + n, cols - at - n);
        }
        line.clear(at, at + n, Style.erased(style));
        if (line.cp[cols - 1] > 0 && Width.of(line.cp[cols - 1]) == 2) {
            line.cp[cols - 1] = BLANK; // pushed half off the edge
        }
    }

    private void deleteCells(int n) {
        if (pendingWrap) {
            return; // past the last column there is nothing to delete
        }
        Line line = grid.row(row);
        n = Math.min(n, cols - col);
        fixWide(line, col, col + n);
        System.arraycopy(line.cp, col + n, line.cp, col, cols - col - n);
        System.arraycopy(line.st, col + n, line.st, col, cols - col - n);
        if (line.marks != null) {
            System.arraycopy(line.marks, col + n, line.marks, col, cols - col - n);
        }
        line.clear(cols - n, cols, Style.erased(style));
        if (line.cp[col] == WIDE_TAIL) {
            line.cp[col] = BLANK;
        }
        pendingWrap = false;
    }
}
