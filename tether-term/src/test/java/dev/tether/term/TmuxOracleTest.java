package dev.tether.term;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The oracle itself: what it reads back from tmux for streams whose screen is known. */
class TmuxOracleTest {
    private static TmuxOracle.Screen run(String stream) {
        return TmuxOracle.run(stream.getBytes(StandardCharsets.UTF_8), 80, 24);
    }

    @Test
    void plainTextLandsInItsCellsWithTheDefaultStyleAndTheRestIsBlank() {
        var screen = run("ab\r\ncd");

        assertThat(screen.text()[0][0]).isEqualTo("a");
        assertThat(screen.text()[1][1]).isEqualTo("d");
        assertThat(screen.style()[1][1]).isZero();
        assertThat(screen.text()[5][5]).isEqualTo(" ");
        assertThat(screen.cursorRow()).isEqualTo(1);
        assertThat(screen.cursorCol()).isEqualTo(2);
        assertThat(screen.alternate()).isFalse();
    }

    @Test
    void sgrColoursAndAttributesComeBackInStylesPacking() {
        var screen = run("\033[1;31ma\033[0;38;5;200;48;2;1;2;3mb\033[0;2;3;5;7;8;9;92;104mc\033[0;21md\033[0;53me\033[0;4:3mf");

        assertThat(screen.style()[0][0]).isEqualTo(Style.of(Style.PALETTE | 1, 0, Style.BOLD));
        assertThat(screen.style()[0][1]).isEqualTo(Style.of(Style.PALETTE | 200, Style.RGB | 0x010203, 0));
        assertThat(screen.style()[0][2]).isEqualTo(Style.of(Style.PALETTE | 10, Style.PALETTE | 12, Style.DIM | Style.ITALIC
                | Style.BLINK | Style.INVERSE | Style.HIDDEN | Style.STRIKE));
        assertThat(screen.style()[0][3]).isEqualTo(Style.of(0, 0, Style.DOUBLE_UNDERLINE));
        assertThat(screen.style()[0][4]).as("tmux writes overline as 5:3").isEqualTo(Style.of(0, 0, Style.OVERLINE));
        assertThat(screen.style()[0][5]).as("curly underline").isEqualTo(Style.of(0, 0, Style.UNDERLINE));
    }

    @Test
    void wideCharactersTakeTwoCellsAndCombiningMarksStayOnTheirBase() {
        var screen = run("中e\u0301x😀y");

        assertThat(screen.text()[0]).startsWith("中", "", "e\u0301", "x", "😀", "", "y");
        assertThat(screen.cursorCol()).isEqualTo(7);
    }

    @Test
    void aZeroWidthJoinerPutsTheNextCharacterInItsCellAsTmuxDoes() {
        var screen = run("👨\u200d👩x\u2764\ufe0fy");

        assertThat(screen.text()[0]).startsWith("👨\u200d👩", "", "x", "\u2764\ufe0f", "y");
        assertThat(screen.cursorCol()).isEqualTo(5);
    }

    @Test
    void decSpecialGraphicsAreReadAsTheLinesTheyDraw() {
        var screen = run("\033(0lqk\033(B x");

        assertThat(screen.text()[0]).startsWith("┌", "─", "┐", " ", "x");
    }

    @Test
    void cellsErasedWithAColourPastTheLastWrittenOneGetTheirStyleFromARedraw() {
        var screen = run("\033[41mab\033[K\033[m\r\n\033[44m\033[2K\033[m\r\nc");

        long red = Style.of(0, Style.PALETTE | 1, 0);
        assertThat(screen.style()[0][1]).isEqualTo(red);
        assertThat(screen.style()[0][2]).as("erased, not in capture-pane's line").isEqualTo(red);
        assertThat(screen.style()[0][79]).isEqualTo(red);
        assertThat(screen.style()[1][40]).isEqualTo(Style.of(0, Style.PALETTE | 4, 0));
        assertThat(screen.style()[2][1]).as("never written").isZero();
        assertThat(screen.style()[23][79]).isZero();
    }

    @Test
    void modesTitleAndAlternateScreenAreRead() {
        var screen = run("\033[?1049h\033[?1h\033=\033[?2004h\033[?1002h\033[?1006h\033[6n\033[?6h\033[?7l\033[4h\033[?25l"
                + "\033[3;20r\033]2;a title\007");

        assertThat(screen.alternate()).isTrue();
        assertThat(screen.title()).isEqualTo("a title");
        assertThat(screen.modes()).isEqualTo(new TmuxOracle.TmuxModes(/* appCursor= */ true, /* appKeypad= */ true,
                /* bracketedPaste= */ true, 1002, /* mouseSgr= */ true, /* origin= */ true, /* autowrap= */ false,
                /* insert= */ true, /* cursorVisible= */ false, 2, 19));
    }

    @Test
    void aFreshPaneHasTheDefaultModes() {
        var screen = run("");

        assertThat(screen.modes()).isEqualTo(new TmuxOracle.TmuxModes(false, false, false, 0, false, false, true, false,
                true, 0, 23));
        assertThat(screen.title()).isEmpty();
    }

    @Test
    void linesScrolledOffTheTopAreInTheScrollback() {
        var text = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            text.append("line ").append(i).append("\r\n");
        }
        var screen = run(text.toString());

        assertThat(screen.historySize()).isEqualTo(7);
        assertThat(screen.scrollback()).startsWith("line 0\nline 1\n");
        assertThat(screen.text()[0]).startsWith("l", "i", "n", "e", " ", "7");
    }
}
