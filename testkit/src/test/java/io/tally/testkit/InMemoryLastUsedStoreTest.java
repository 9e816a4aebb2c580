package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InMemoryLastUsedStoreTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void recordsEveryCallAndItsBatch() {
    InMemoryLastUsedStore<String> store = new InMemoryLastUsedStore<>();
    Map<String, Instant> batch = new HashMap<>();
    batch.put("a", T);
    store.markUsed(batch);
    batch.put("b", T.plusSeconds(1)); // later changes to the caller's map are not seen
    store.markUsed(Map.of());
    store.markUsed(Map.of("a", T.minusSeconds(5)));

    assertThat(store.calls()).isEqualTo(3);
    assertThat(store.batches())
        .containsExactly(Map.of("a", T), Map.of(), Map.of("a", T.minusSeconds(5)));
    assertThat(store.rowsWritten()).isEqualTo(2);
    assertThat(store.snapshot()).isEqualTo(Map.of("a", T));
    assertThat(store.size()).isEqualTo(1);
    assertThat(store.lastUsed("b")).isEmpty();
  }

  @Test
  void clearForgetsEverything() {
    InMemoryLastUsedStore<Long> store = new InMemoryLastUsedStore<>();
    store.markUsed(Map.of(1L, T));
    store.clear();
    assertThat(store.calls()).isZero();
    assertThat(store.snapshot()).isEmpty();
  }

  @Test
  void rejectsNullMapsAndEntries() {
    InMemoryLastUsedStore<String> store = new InMemoryLastUsedStore<>();
    assertThatThrownBy(() -> store.markUsed(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("lastUsed");
    Map<String, Instant> withNull = new HashMap<>();
    withNull.put("a", null);
    assertThatThrownBy(() -> store.markUsed(withNull)).isInstanceOf(NullPointerException.class);
    assertThat(store.calls()).isZero();
  }
}
