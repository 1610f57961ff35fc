package dev.tether.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.api.NewSession;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A NewSession refuses what no session can start with when it is made, so the SDK and the server refuse alike. */
class NewSessionTest {

    @Test
    void aWindowSizeOutsideOneTo65535IsInvalidParameterNamingTheSize() {
        assertThatThrownBy(() -> new NewSession("/bin/true", null, 0, 24, null))
                .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.INVALID_PARAMETER))
                .hasMessage("the window size 0x24 is outside 1..65535");
        assertThatThrownBy(() -> NewSession.shell().withSize(100, 65536)).hasMessage("the window size 100x65536 is outside 1..65535");
        assertThatThrownBy(() -> new NewSession(null, null, null, -1, null)).hasMessage("the window size 80x-1 is outside 1..65535");
    }

    @Test
    void argumentsWithoutACommandAreInvalidParameter() {
        for (String noCommand : new String[] {null, "", "  "}) {
            assertThatThrownBy(() -> new NewSession(noCommand, List.of("-l"), null, null, null))
                    .isInstanceOfSatisfying(TetherException.class, e -> assertThat(e.code()).isEqualTo(ResultCode.INVALID_PARAMETER))
                    .hasMessage("arguments were given without a command");
        }
    }

    @Test
    void anArgvListIsTheCommandThenItsArgumentsAndAnEmptyOneIsTheLoginShell() {
        assertThat(NewSession.of(List.of("sh", "-c", "true"))).isEqualTo(NewSession.of("sh", "-c", "true"));
        assertThat(NewSession.of(List.of())).isEqualTo(NewSession.shell());
    }

    @Test
    void nullSizesTakeTheDefaultEightyByTwentyFour() {
        var spec = NewSession.shell();
        assertThat(List.of(spec.colsOrDefault(), spec.rowsOrDefault())).containsExactly(80, 24);
        var sized = spec.withSize(132, 50);
        assertThat(List.of(sized.colsOrDefault(), sized.rowsOrDefault())).containsExactly(132, 50);
    }

    @Test
    void withEnvAddsOrReplacesOneVariableAndKeepsTheRest() {
        var spec = NewSession.of("sh").withSize(100, 30).withEnv("A", "1").withEnv("B", "2").withEnv("A", "3");
        assertThat(spec.env()).isEqualTo(Map.of("A", "3", "B", "2"));
        assertThat(spec.cols()).isEqualTo(100);
        assertThat(spec.command()).isEqualTo("sh");
    }
}
