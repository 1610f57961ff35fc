package dev.tether.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tether.api.Selection;
import dev.tether.api.TetherException;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** A Selection names ids or all, never both and never neither, with at most 10,000 valid ids. */
class SelectionTest {

    @Test
    void idsAndAllTogetherOrNeitherAreInvalidParameter() {
        assertThatThrownBy(() -> new Selection(List.of(1L), true, false)).hasMessageContaining("not both");
        assertThatThrownBy(() -> new Selection(List.of(), false, false)).isInstanceOf(TetherException.class);
    }

    @Test
    void idsOutsideUint32AndMoreThanTenThousandIdsAreInvalidParameter() {
        assertThatThrownBy(() -> Selection.of(1, 4_294_967_296L)).hasMessageContaining("not a session id");
        List<Long> tooMany = LongStream.rangeClosed(1, Selection.MAX_IDS + 1).boxed().toList();
        assertThatThrownBy(() -> Selection.of(tooMany)).hasMessageContaining("10001 ids");
    }

    @Test
    void aCollectionOfIdsSelectsTheSameAsTheIdsThemselves() {
        assertThat(Selection.of(Set.of(7L))).isEqualTo(Selection.of(7));
        assertThat(Selection.of(3, 4).asWhatIf().whatIf()).isTrue();
        assertThat(Selection.everything().all()).isTrue();
    }
}
