package dev.tether.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The one status enum maps to Windows codes and HTTP statuses; ids are uint32. */
class ResultCodeTest {

    @Test
    void notFoundIsErrorNotFound1168AndHresult0x80070490() {
        assertThat(ResultCode.NOT_FOUND.windowsCode()).isEqualTo(1168);
        assertThat(ResultCode.NOT_FOUND.hresult()).isEqualTo(0x80070490);
        assertThat(ResultCode.NOT_FOUND.httpStatus()).isEqualTo(404);
    }

    @Test
    void accessDeniedAndInvalidParameterAreTheirWin32Codes() {
        assertThat(ResultCode.ACCESS_DENIED.hresult()).isEqualTo(0x80070005);
        assertThat(ResultCode.INVALID_PARAMETER.hresult()).isEqualTo(0x80070057);
        assertThat(ResultCode.OK.hresult()).isZero();
    }

    @Test
    void sessionStatesUseTheWtsConnectStateNumbers() {
        assertThat(List.of(SessionState.ACTIVE.code(), SessionState.CONNECTED.code(), SessionState.DISCONNECTED.code(),
                SessionState.DOWN.code(), SessionState.INIT.code())).containsExactly(0, 1, 4, 8, 9);
    }

    @Test
    void idsAreWholeNumbersFromOneToTheLargestUint32() {
        assertThat(Ids.parse("session", "4294967295")).isEqualTo(4294967295L);
        for (String bad : List.of("0", "4294967296", "abc", "", "-1", "1.0", "99999999999", " 7", "\u0661")) {
            assertThatThrownBy(() -> Ids.parse("session", bad)).isInstanceOf(TetherException.class)
                    .hasMessageContaining("not a session id");
        }
    }
}
