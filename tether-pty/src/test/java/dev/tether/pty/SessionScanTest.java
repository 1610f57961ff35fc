package dev.tether.pty;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Reading session and process group out of /proc/PID/stat. */
class SessionScanTest {

    @Test
    void aCommandNameWithSpacesAndParenthesesDoesNotShiftTheFields() {
        long ids = SessionScan.parse("4242 (evil ) 1 2 (x) S 100 4243 4200 34816 4243 4194304 0 0");
        assertThat(ids >>> 32).isEqualTo(4200);
        assertThat((int) ids).isEqualTo(4243);
    }

    @Test
    void garbageIsReportedAsUnreadable() {
        assertThat(SessionScan.parse("nonsense")).isEqualTo(-1);
        assertThat(SessionScan.parse("1 (x) S 1")).isEqualTo(-1);
    }
}
