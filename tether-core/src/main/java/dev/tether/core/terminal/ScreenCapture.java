package dev.tether.core.terminal;

import java.util.List;
import java.util.Map;

/**
 * A terminal's screen as a terminal that saw its whole output shows it, at output offset
 * {@code offset}: like {@code tmux capture-pane}.
 *
 * @param cursorRow 0-based, on the visible screen
 * @param modes the modes a program set (appCursor, bracketedPaste, mouse …), by name
 * @param scrollback the last lines of the scrollback asked for, oldest first
 * @param lines every row of the visible screen, trailing blanks trimmed; as text, or with SGR
 *     sequences when ANSI was asked for
 * @param svg the screen as an SVG image when asked for, else null
 */
public record ScreenCapture(long offset, int cols, int rows, int cursorRow, int cursorCol, boolean cursorVisible,
                            boolean alternateScreen, String title, Map<String, Object> modes, List<String> scrollback,
                            List<String> lines, String svg) {
    public ScreenCapture {
        modes = Map.copyOf(modes);
        scrollback = List.copyOf(scrollback);
        lines = List.copyOf(lines);
    }

    /** What to render: {@code scrollback} lines of it (-1 for all), ANSI instead of text, an SVG too. */
    public record Request(int scrollback, boolean ansi, boolean svg) {
        public static final Request TEXT = new Request(0, false, false);
    }
}
