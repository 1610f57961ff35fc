package dev.tether.term;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.IntConsumer;

/** Lines as text, as ANSI, as scrollback entries, and the whole state as a snapshot. */
final class Render {
    private static final byte WRAPPED = 1;

    private Render() {
    }

    /** A row as text; with {@code styled}, each change of style as an SGR sequence (from the default style, reset at the end). */
    static String text(Emulator.Line line, boolean styled) {
        return line(line, styled, false);
    }

    /**
     * @param keepTrailing keep blank cells up to the last column (a wrapped line, whose last cell the
     *     terminal must reach to wrap)
     */
    private static String line(Emulator.Line line, boolean styled, boolean keepTrailing) {
        int end = line.cp.length;
        if (!keepTrailing) { // as tmux: plain text loses every trailing blank, styled text those in the default style
            while (end > 0 && (line.cp[end - 1] == Emulator.BLANK || line.cp[end - 1] == ' ')
                    && (line.marks == null || line.marks[end - 1] == null) && (!styled || line.st[end - 1] == 0)) {
                end--;
            }
        }
        var b = new StringBuilder(end + 8);
        long current = 0;
        for (int c = 0; c < end; c++) {
            int cp = line.cp[c];
            if (cp == Emulator.WIDE_TAIL) {
                continue;
            }
            if (styled && line.st[c] != current) {
                current = line.st[c];
                b.append(sgrOf(current));
            }
            b.appendCodePoint(cp == Emulator.BLANK ? ' ' : cp);
            if (line.marks != null && line.marks[c] != null) {
                b.append(line.marks[c]);
            }
        }
        if (styled && current != 0) {
            b.append("\033[0m");
        }
        return b.toString();
    }

    /** A line scrolled off the screen, as the scrollback keeps it: a flags byte, then its ANSI rendering in UTF-8. */
    static byte[] encode(Emulator.Line line) {
        int[] cp = line.cp;
        int end = line.wrapped ? cp.length : line.used;
        if (!line.wrapped) {
            while (end > 0 && cp[end - 1] == Emulator.BLANK && line.st[end - 1] == 0) {
                end--;
            }
        }
        boolean plain = line.marks == null;
        for (int c = 0; c < end && plain; c++) {
            plain = line.st[c] == 0 && cp[c] >= 0 && cp[c] < 0x80;
        }
        if (plain) { // the common line: ASCII in the default style, one byte a cell
            byte[] out = new byte[end + 1];
            out[0] = line.wrapped ? WRAPPED : 0;
            for (int c = 0; c < end; c++) {
                out[c + 1] = cp[c] == Emulator.BLANK ? (byte) ' ' : (byte) cp[c];
            }
            return out;
        }
        // Styled or not ASCII: written straight as UTF-8 bytes, each style's SGR bytes made once.
        if (!line.wrapped) {
            while (end > 0 && (cp[end - 1] == Emulator.BLANK || cp[end - 1] == ' ') && line.st[end - 1] == 0
                    && (line.marks == null || line.marks[end - 1] == null)) {
                end--;
            }
        }
        var out = new Bytes(end * 2 + 16);
        out.add(line.wrapped ? WRAPPED : 0);
        long current = 0;
        for (int c = 0; c < end; c++) {
            int code = cp[c];
            if (code == Emulator.WIDE_TAIL) {
                continue;
            }
            if (line.st[c] != current) {
                current = line.st[c];
                out.add(sgrBytes(current));
            }
            out.addCodePoint(code == Emulator.BLANK ? ' ' : code);
            if (line.marks != null && line.marks[c] != null) {
                out.add(line.marks[c].getBytes(StandardCharsets.UTF_8));
            }
        }
        if (current != 0) {
            out.add(RESET);
        }
        return out.toArray();
    }

    private static final byte[] RESET = "\033[0m".getBytes(StandardCharsets.US_ASCII);
    /** The SGR sequence of each style met lately, per thread (the emulators' workers are few). */
    private static final ThreadLocal<java.util.LinkedHashMap<Long, byte[]>> SGR = ThreadLocal.withInitial(
            () -> new java.util.LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<Long, byte[]> eldest) {
                    return size() > 256;
                }
            });

    /** {@code ESC [ 0 ; ... m} for {@code style} ({@code ESC [ 0 m} for the default). */
    private static byte[] sgrBytes(long style) {
        return SGR.get().computeIfAbsent(style, st -> {
            return sgrOf(st).getBytes(StandardCharsets.US_ASCII);
        });
    }

    /** A growing byte array. */
    private static final class Bytes {
        private byte[] data;
        private int size;

        Bytes(int capacity) {
            data = new byte[capacity];
        }

        void add(int b) {
            if (size == data.length) {
                data = java.util.Arrays.copyOf(data, data.length * 2);
            }
            data[size++] = (byte) b;
        }

        void add(byte[] bytes) {
            if (size + bytes.length > data.length) {
                data = java.util.Arrays.copyOf(data, Math.max(data.length * 2, size + bytes.length));
            }
            System.arraycopy(bytes, 0, data, size, bytes.length);
            size += bytes.length;
        }

        void addCodePoint(int cp) {
            if (cp < 0x80) {
                add(cp);
            } else if (cp < 0x800) {
                add(0xC0 | cp >> 6);
                add(0x80 | cp & 0x3F);
            } else if (cp < 0x10000) {
                add(0xE0 | cp >> 12);
                add(0x80 | cp >> 6 & 0x3F);
                add(0x80 | cp & 0x3F);
            } else {
                add(0xF0 | cp >> 18);
                add(0x80 | cp >> 12 & 0x3F);
                add(0x80 | cp >> 6 & 0x3F);
                add(0x80 | cp & 0x3F);
            }
        }

        byte[] toArray() {
            return java.util.Arrays.copyOf(data, size);
        }
    }

    /** {@code ESC [ 0 ; ... m}: the SGR sequence that sets {@code style} from any other ({@code ESC [ 0 m} for the default). */
    static String sgrOf(long style) {
        String sgr = Style.sgr(style);
        return sgr.isEmpty() ? "\033[0m" : "\033[0;" + sgr + "m";
    }

    /** A scrollback entry as plain text. */
    static String plain(byte[] encoded) {
        String s = new String(encoded, 1, encoded.length - 1, StandardCharsets.UTF_8);
        if (s.indexOf('\033') < 0) {
            return s.stripTrailing();
        }
        var b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\033') {
                while (i < s.length() && s.charAt(i) != 'm') {
                    i++;
                }
            } else {
                b.append(ch);
            }
        }
        return b.toString().stripTrailing();
    }

    /** A scrollback entry back as a row of {@code cols} cells (a taller screen takes it back). */
    static Emulator.Line decode(byte[] encoded, int cols, IntConsumer forget) {
        var one = new Emulator(cols, 1, 0);
        one.feed("\033[?7l".getBytes(StandardCharsets.US_ASCII));
        one.feed(encoded, 1, encoded.length - 1);
        Emulator.Line line = one.mainLines()[0];
        line.wrapped = (encoded[0] & WRAPPED) != 0;
        forget.accept(encoded.length + 16);
        return line;
    }

    static byte[] snapshot(Emulator e, List<byte[]> scrollback) {
        var out = new StringBuilder(4096);
        out.append("\033c"); // from a terminal just reset
        int rows = e.rows();
        int cols = e.cols();
        Emulator.Line[] main = e.mainLines();
        // The scrollback and the normal screen, written top to bottom so that the scrollback scrolls
        // into the terminal's own. A wrapped line runs on into the next, as it did, when the next
        // has text to wrap (else a line break takes the terminal there).
        int total = scrollback.size() + rows;
        int i = 0;
        String[] sb = new String[scrollback.size()];
        boolean[] sbWrapped = new boolean[sb.length];
        for (byte[] entry : scrollback) {
            sb[i] = new String(entry, 1, entry.length - 1, StandardCharsets.UTF_8);
            sbWrapped[i] = (entry[0] & WRAPPED) != 0 && plainWidth(entry) >= cols;
            i++;
        }
        for (i = 0; i < total; i++) {
            String text;
            boolean wrapped;
            if (i < sb.length) {
                text = sb[i];
                wrapped = sbWrapped[i];
            } else {
                Emulator.Line line = main[i - sb.length];
                wrapped = line.wrapped && line.cp[cols - 1] != Emulator.BLANK;
                text = line(line, true, wrapped);
            }
            out.append(text);
            if (i == total - 1) {
                break;
            }
            String next = i + 1 < sb.length ? sb[i + 1] : line(main[i + 1 - sb.length], true, false);
            if (!wrapped || next.isEmpty()) {
                out.append("\r\n");
            }
        }
        Emulator.Line[] alt = e.altLines();
        if (alt != null) {
            // The normal screen's saved cursor (1049 saved it as the program switched): 1049 saves it
            // again here; with none, 1047 switches without saving.
            Emulator.Saved savedMain = e.savedMain();
            if (savedMain != null) {
                save(out, savedMain, "\033[?1049h", 0, main); // no scroll region yet
            } else {
                out.append("\033[?1047h");
            }
            for (int r = 0; r < rows; r++) {
                out.append("\033[").append(r + 1).append(";1H").append(line(alt[r], true, false));
            }
        }
        Modes m = e.modes();
        Emulator.Saved saved = e.saved();
        if (saved != null) {
            save(out, saved, "\0337", 0, alt != null ? alt : main); // before the scroll region: origin mode counts from the top row
        }
        if (m.scrollTop() != 0 || m.scrollBottom() != rows - 1) {
            out.append("\033[").append(m.scrollTop() + 1).append(';').append(m.scrollBottom() + 1).append('r');
        }
        boolean[] tabs = e.tabStops();
        if (!defaultTabs(tabs)) {
            out.append("\033[3g");
            for (int c = 0; c < tabs.length; c++) {
                if (tabs[c]) {
                    out.append("\033[1;").append(c + 1).append("H\033H");
                }
            }
        }
        if (m.origin()) {
            out.append("\033[?6h");
        }
        int row = e.cursorRow() - (m.origin() ? m.scrollTop() : 0);
        if (e.pendingWrap()) {
            // At the last column with the wrap pending: write that cell again, as the program did.
            rewriteLastCell(out, alt != null ? alt[e.cursorRow()] : main[e.cursorRow()], row);
        } else {
            out.append("\033[").append(row + 1).append(';').append(e.cursorCol() + 1).append('H');
        }
        out.append(sgrOf(e.currentStyle()));
        designate(out, e.charsets());
        if (e.shift() == 1) {
            out.append('\016');
        }
        if (m.insert()) out.append("\033[4h");
        if (m.newLine()) out.append("\033[20h");
        if (!m.autowrap()) out.append("\033[?7l");
        if (!m.cursorVisible()) out.append("\033[?25l");
        if (m.appCursor()) out.append("\033[?1h");
        if (m.appKeypad()) out.append("\033=");
        if (m.bracketedPaste()) out.append("\033[?2004h");
        if (m.mouse() != 0) out.append("\033[?").append(m.mouse()).append('h');
        if ((e.mouseEncodings() & 1) != 0) out.append("\033[?1005h");
        if ((e.mouseEncodings() & 4) != 0) out.append("\033[?1015h");
        if ((e.mouseEncodings() & 2) != 0) out.append("\033[?1006h");
        if (m.focus()) out.append("\033[?1004h");
        if (m.reverseVideo()) out.append("\033[?5h");
        if (m.cursorStyle() != 0) out.append("\033[").append(m.cursorStyle()).append(" q");
        if (!e.title().isEmpty()) out.append("\033]2;").append(e.title()).append('\007');
        byte[] drawn = out.toString().getBytes(StandardCharsets.UTF_8);
        byte[] unfinished = e.unfinished(); // the output that follows completes it
        if (unfinished.length == 0) {
            return drawn;
        }
        byte[] all = java.util.Arrays.copyOf(drawn, drawn.length + unfinished.length);
        System.arraycopy(unfinished, 0, all, drawn.length, unfinished.length);
        return all;
    }

    private static int plainWidth(byte[] entry) {
        int w = 0;
        String s = plain(entry);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            w += Width.of(cp);
            i += Character.charCount(cp);
        }
        return w;
    }

    private static boolean defaultTabs(boolean[] tabs) {
        for (int c = 0; c < tabs.length; c++) {
            if (tabs[c] != (c > 0 && c % 8 == 0)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Sets the cursor, style, origin mode and character sets {@code saved} holds, saves them with
     * {@code op} (DECSC, or 1049 which saves as it switches), and puts the origin mode and the
     * character sets back as a reset terminal has them, and the style to the default one.
     *
     * @param top the first row of the scroll region the terminal has now (origin mode counts from it)
     */
    private static void save(StringBuilder out, Emulator.Saved saved, String op, int top, Emulator.Line[] screen) {
        if (saved.origin()) {
            out.append("\033[?6h"); // first: it moves the cursor home
        }
        int row = saved.row() - (saved.origin() ? top : 0);
        out.append("\033[").append(row + 1).append(';').append(saved.col() + 1).append('H');
        if (saved.pendingWrap()) { // past the last column: write that cell again, as for the cursor itself
            rewriteLastCell(out, screen[saved.row()], row);
        }
        out.append(sgrOf(saved.style()));
        designate(out, saved.charsets());
        if (saved.shift() == 1) {
            out.append('\016');
        }
        out.append(op).append("\033[0m");
        if (saved.origin()) {
            out.append("\033[?6l");
        }
        if (saved.shift() == 1) {
            out.append('\017');
        }
        for (int g = 0; g < 4; g++) {
            if (saved.charsets()[g] != 'B') {
                out.append('\033').append("()*+".charAt(g)).append('B');
            }
        }
    }

    private static final String[] ANSI16 = {"#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd",
        "#e5e5e5", "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff"};
    private static final String DEFAULT_FG = "#d0d0d0";
    private static final String DEFAULT_BG = "#000000";

    /** A colour as CSS: xterm's 256-colour palette, or the RGB value. */
    static String css(int colour, String dflt) {
        int v = colour & 0xFFFFFF;
        if ((colour & Style.RGB) != 0) {
            return String.format("#%06x", v);
        }
        if ((colour & Style.PALETTE) == 0) {
            return dflt;
        }
        if (v < 16) {
            return ANSI16[v];
        }
        if (v < 232) {
            int i = v - 16;
            int[] level = {0, 95, 135, 175, 215, 255};
            return String.format("#%02x%02x%02x", level[i / 36], level[(i / 6) % 6], level[i % 6]);
        }
        int grey = 8 + (v - 232) * 10;
        return String.format("#%02x%02x%02x", grey, grey, grey);
    }

    static String svg(Emulator e) {
        int cols = e.cols();
        int rows = e.rows();
        var out = new StringBuilder(cols * rows + 512);
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(cols * 8).append(' ').append(rows * 16)
                .append("\" font-family=\"monospace\" font-size=\"14\"><rect width=\"100%\" height=\"100%\" fill=\"")
                .append(DEFAULT_BG).append("\"/>");
        for (int r = 0; r < rows; r++) {
            int c = 0;
            while (c < cols) {
                long st = e.style(r, c);
                int end = c;
                var text = new StringBuilder();
                while (end < cols && e.style(r, end) == st) {
                    text.append(e.cell(r, end));
                    end++;
                }
                String fg = css(Style.fg(st), DEFAULT_FG);
                String bg = css(Style.bg(st), DEFAULT_BG);
                if ((Style.flags(st) & Style.INVERSE) != 0) {
                    String t = fg;
                    fg = bg;
                    bg = t;
                }
                if (!bg.equals(DEFAULT_BG)) {
                    out.append("<rect x=\"").append(c * 8).append("\" y=\"").append(r * 16).append("\" width=\"")
                            .append((end - c) * 8).append("\" height=\"16\" fill=\"").append(bg).append("\"/>");
                }
                String shown = text.toString().stripTrailing();
                if (!shown.isEmpty() && (Style.flags(st) & Style.HIDDEN) == 0) {
                    out.append("<text x=\"").append(c * 8).append("\" y=\"").append(r * 16 + 12).append("\" fill=\"").append(fg)
                            .append('"');
                    if ((Style.flags(st) & Style.BOLD) != 0) {
                        out.append(" font-weight=\"bold\"");
                    }
                    out.append(" xml:space=\"preserve\">").append(xml(shown)).append("</text>");
                }
                c = end;
            }
        }
        return out.append("</svg>").toString();
    }

    private static String xml(String s) {
        var b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> {
                    if (ch >= 0x20 || ch == '\t') {
                        b.append(ch);
                    }
                }
            }
        }
        return b.toString();
    }

    /** Writes the last cell of {@code line} (on terminal row {@code row}) again: the cursor is then past the last column. */
    private static void rewriteLastCell(StringBuilder out, Emulator.Line line, int row) {
        int c = line.cp.length - 1;
        if (line.cp[c] == Emulator.WIDE_TAIL && c > 0) {
            c--;
        }
        out.append("\033[").append(row + 1).append(';').append(c + 1).append('H');
        out.append(sgrOf(line.st[c]));
        out.appendCodePoint(line.cp[c] <= 0 ? ' ' : line.cp[c]);
        if (line.marks != null && line.marks[c] != null) {
            out.append(line.marks[c]);
        }
    }

    /** Designates the character sets that are not ASCII (a terminal just reset has ASCII in G0–G3). */
    private static void designate(StringBuilder out, int[] charsets) {
        char[] g = {'(', ')', '*', '+'};
        for (int i = 0; i < 4; i++) {
            if (charsets[i] != 'B') {
                out.append('\033').append(g[i]).append((char) charsets[i]);
            }
        }
    }
}
