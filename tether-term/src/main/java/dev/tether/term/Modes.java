package dev.tether.term;

/**
 * The terminal modes a program set that a client must have too: input encodings (cursor keys,
 * keypad, bracketed paste, mouse, focus) and screen behaviour (origin, autowrap, insert, cursor).
 *
 * @param mouse the mouse tracking mode: 0 (off), 9 (X10), 1000 (normal), 1002 (button), 1003 (any)
 * @param mouseEncoding the encoding mouse reports use: 0 (X10 bytes), 1005 (UTF-8), 1006 (SGR) or 1015
 *     (urxvt); with several set, SGR wins, then urxvt
 * @param cursorStyle DECSCUSR's parameter (0 default, 1–6)
 * @param scrollTop the scroll region's first row, 0-based
 * @param scrollBottom its last row, 0-based, inclusive
 */
public record Modes(boolean appCursor, boolean appKeypad, boolean bracketedPaste, int mouse, int mouseEncoding, boolean focus,
                    boolean origin, boolean autowrap, boolean insert, boolean newLine, boolean cursorVisible, int cursorStyle,
                    boolean reverseVideo, int scrollTop, int scrollBottom) {

    /** Whether the mouse is reported in SGR form (mode 1006). */
    public boolean mouseSgr() {
        return mouseEncoding == 1006;
    }
}
