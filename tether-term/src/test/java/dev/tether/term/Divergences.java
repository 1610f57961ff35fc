package dev.tether.term;

import java.util.Map;
import java.util.Set;

/**
 * Where the oracles of {@link DifferentialTest} and the emulator part, each with its reason: the
 * streams in which tmux departs from xterm (xterm.js is their oracle), and the quirks of xterm.js
 * (its own, and where the emulator follows tmux). The lists describe what is right, never an
 * emulator bug: a stream that differs for a bug fails.
 */
final class Divergences {
    /** The streams in which tmux 3.3a departs from xterm, and the emulator follows xterm: xterm.js is their oracle. */
    static final Set<String> TMUX_DIFFERS = Set.of(
            // tmux ignores CHT (CSI n I, forward n tab stops); xterm moves the cursor to the n-th next stop
            "cht",
            // tmux takes APC (ESC _ ... ST) as the pane title and drops a CSI whole when a parameter exceeds
            // INT_MAX; xterm ignores APC and takes a huge parameter as the largest it knows
            "controls-tmux-differs",
            // tmux drops a CSI whole when it has more than 24 parameters; xterm keeps the first ones
            "csi-33-params",
            // tmux does not implement DECSTR (CSI ! p); xterm resets modes, margins, style and the saved cursor
            "decstr",
            // tmux drops invalid UTF-8; xterm prints U+FFFD for each bad sequence
            "invalid-utf8",
            // tmux has no X10 mouse (mode 9) and ignores ?9h; xterm reports button presses in X10 form
            "mouse-x10",
            // tmux cuts REP (CSI n b) at the line's end; xterm repeats the character as if printed, wrapping
            "rep-wraps");

    /**
     * Where xterm.js shows something else than the emulator: its quirks, and where the emulator follows
     * tmux. A stream listed here must differ in exactly as many cells and problems as said (and is
     * printed with the reason), so a new difference in it still fails, and so does an entry no longer
     * needed. Never an emulator bug: those fail.
     */
    static final Map<String, Quirk> XTERMJS_DIFFERS = Map.ofEntries(
            Map.entry("autowrap-off", new Quirk(2, 2, "BS right after the last column was written (a wrap pending):"
                    + " xterm.js takes the cursor to the column before the last, tmux and the emulator to the last one")),
            Map.entry("combining", new Quirk(38, 2, "a combining mark after CSI D replaces the cell under the cursor in"
                    + " xterm.js (tmux and the emulator join it to the cell left of the cursor); a mark first on a line"
                    + " takes a column of its own in xterm.js (tmux and the emulator drop it); a ZWJ sequence is two cells and U+2764 U+FE0F one narrow cell in"
                    + " xterm.js's Unicode 11 widths, one wide cell each in tmux and the emulator")),
            Map.entry("dec-graphics", new Quirk(4, 1, "ESC * 0 then LS2 (ESC n): xterm.js draws from G2 in DEC special"
                    + " graphics, tmux and the emulator ignore G2 and LS2 and print ASCII")),
            Map.entry("decaln", new Quirk(0, 2, "DECALN (ESC # 8) resets the scroll region in tmux and the emulator;"
                    + " xterm.js keeps it (5;10r stays)")),
            Map.entry("invalid-utf8", new Quirk(83, 2, "xterm.js drops invalid UTF-8, as tmux does, where xterm (and"
                    + " the emulator) print U+FFFD: no oracle here follows xterm; and xterm.js takes U+009B, C1 CSI"
                    + " encoded in UTF-8, as a CSI (eating ' i'), where tmux drops it")),
            Map.entry("save-restore", new Quirk(0, 1, "DECSC/DECRC (ESC 7, ESC 8) save and restore origin mode in tmux"
                    + " and the emulator (as DEC's terminals do); xterm.js leaves origin mode as it is")),
            Map.entry("scroll-region", new Quirk(0, 1, "tmux and the emulator keep the lines scrolled off any scroll"
                    + " region as history; xterm.js only those of a region that starts on the first row (6 lines, not"
                    + " 11)")),
            Map.entry("sgr-forms", new Quirk(35, 1, "malformed SGR colours: xterm.js reads 38:2:40:50:60 as colour"
                    + " space 40 and rgb(50,60,0) (tmux and the emulator as rgb(40,50,60)), takes 38;5;300 and"
                    + " 38;2;300;0;0 modulo 256 (tmux and the emulator ignore them), fills a truncated 38;5 / 38;2;1 /"
                    + " 48;5; with zeros (tmux and the emulator take only the kind and read what follows as SGR)")),
            Map.entry("wide-chars", new Quirk(1, 1, "writing over the right half of a wide character leaves the left"
                    + " half blank in the current style in xterm.js (red here), in the default style in tmux and the"
                    + " emulator")));

    /**
     * Where the emulator's snapshot, redrawn in xterm.js, shows something else than the emulator: where the
     * two give characters different widths, no sequence can draw the same line in both.
     */
    static final Map<String, Quirk> XTERMJS_REDRAWS_OTHERWISE = Map.of(
            "combining", new Quirk(17, 1, "a ZWJ sequence is two cells and U+2764 U+FE0F one narrow cell in"
                    + " xterm.js's Unicode 11 widths, so the rest of the line after them moves"));

    /** How a stream differs from xterm.js: the differing cells, the number of problems in all, and why. */
    record Quirk(int cells, int problems, String reason) {
    }

    private Divergences() {
    }
}
