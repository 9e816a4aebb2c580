package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.ComponentStats;
import org.junit.jupiter.api.Test;

class ConservationCheckTest {

  @Test
  void balancedBooksPass() {
    ComponentStats s =
        ComponentStats.builder("x")
            .accepted(10)
            .flushedRows(5)
            .coalesced(2)
            .pending(1)
            .dropped("retries_exhausted", 2)
            .build();
    assertThatCode(() -> ConservationCheck.assertConserved(s)).doesNotThrowAnyException();
  }

  @Test
  void lostItemsFail() {
    ComponentStats s = ComponentStats.builder("x").accepted(10).flushedRows(9).build();
    assertThatThrownBy(() -> ConservationCheck.assertConserved(s))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("items lost")
        .hasMessageContaining("accepted 10");
  }

  @Test
  void doubleCountedItemsFail() {
    ComponentStats s = ComponentStats.builder("x").accepted(10).flushedRows(11).build();
    assertThatThrownBy(() -> ConservationCheck.assertConserved(s))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("counted twice");
  }
}
