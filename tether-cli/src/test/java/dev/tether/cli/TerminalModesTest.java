package dev.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What {@link TerminalModes} reads from a program's output and what it undoes; the terminal itself is checked in {@link AttachRestoresTheTerminalTest}. */
class TerminalModesTest {
    @Test
    void aProgramThatPutsItsModesBackLeavesNothingToUndo() {
        var modes = new TerminalModes();
        modes.scan(("\u001b[?1049h\u001b[?25l\u001b=\u001b[1m\u001b[3;5r" + "\u001b[?2004h\u001b[?20").getBytes());
        assertThat(modes.betweenSequences()).as("a sequence cut between two chunks").isFalse();
        modes.scan("04l\u001b[?25h\u001b>\u001b[m\u001b[r\u001b[?1049l".getBytes());

        assertThat(modes.betweenSequences()).isTrue();
        assertThat(modes.resets()).isEmpty();
    }

    @Test
    void aFullResetOrASoftResetUndoesWhatItResets() {
        var modes = new TerminalModes();
        modes.scan("\u001b[?1049h\u001b[?1000h\u001b[?25l\u001b[1m\u001b=\u001b[!p".getBytes());
        assertThat(modes.resets()).isEqualTo("\u001b[?1049l\u001b[?1000l");
        modes.scan("\u001bc".getBytes());
        assertThat(modes.resets()).isEmpty();
    }

    @Test
    void theResetsUndoEachChangeOnce_theAlternateScreenAfterTheScrollRegion() {
        var modes = new TerminalModes();
        modes.scan("\u001b[?1049h\u001b[?1;1000;2004h\u001b[?25l\u001b[2;9r\u001b[31m\u001b(0\u001b[>4;2m".getBytes());

        assertThat(modes.alternateScreen()).isTrue();
        assertThat(modes.resets()).isEqualTo("\u001b[0m\u000f\u001b(B\u001b[r\u001b[?1049l\u001b[?1l\u001b[?25h\u001b[?1000l\u001b[?2004l\u001b[>4m");
    }

    @Test
    void aScrollRegionOnTheMainScreenIsResetWithTheCursorKept_andStringsAreSkipped() {
        var modes = new TerminalModes();
        modes.scan("\u001b]0;title \u001b[?1049h\u0007\u001b[5;10r".getBytes());

        assertThat(modes.resets()).isEqualTo("\u001b7\u001b[r\u001b8");
    }
}
