package dev.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fuzz runner itself: it finds a planted defect, names the input and the seed, and the seed replays the run. */
class FuzzRunnerTest {
    @AfterEach
    void forgetTheSeed() {
        System.clearProperty("tether.fuzz.seed");
    }

    @Test
    void aPropertyThatFailsForSomeInputsIsReportedWithTheInputAndTheSeedThatReplaysIt() {
        System.setProperty("tether.fuzz.seed", "42");
        var failing = new ArrayList<Integer>();
        assertThatThrownBy(() -> Fuzz.check("ids", Gen.ints(0, 1000), n -> {
            if (n % 7 == 3) {
                failing.add(n);
                throw new AssertionError("planted defect for " + n);
            }
        })).isInstanceOf(AssertionError.class)
                .hasMessageContaining("fuzz property 'ids' failed at case")
                .hasMessageContaining("-Dtether.fuzz.seed=42")
                .hasMessageContaining("planted defect for " + failing.getFirst());
        var again = new ArrayList<Integer>();
        assertThatThrownBy(() -> Fuzz.check("ids", Gen.ints(0, 1000), n -> {
            if (n % 7 == 3) {
                again.add(n);
                throw new AssertionError("planted defect for " + n);
            }
        })).isInstanceOf(AssertionError.class);
        assertThat(again).as("the same seed fails at the same input").isEqualTo(failing);
    }

    @Test
    void theInvariantRunsAfterEveryBatchAndAfterTheLastCase() {
        List<Integer> seen = new ArrayList<>();
        var checks = new ArrayList<Integer>();
        int tries = Fuzz.check("ids", Gen.ints(0, 9), seen::add, 100, () -> checks.add(seen.size()));
        assertThat(seen).hasSize(tries);
        assertThat(checks).last().isEqualTo(tries);
        assertThat(checks).hasSize((tries + 99) / 100);
    }

    @Test
    void everyPropertyHasAShareAndTheSharesAddUpToTheWhole() {
        assertThat(Fuzz.SHARES.values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThatThrownBy(() -> Fuzz.tries("no such property")).hasMessageContaining("no share");
    }
}
