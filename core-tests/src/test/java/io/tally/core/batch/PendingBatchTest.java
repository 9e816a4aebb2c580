package io.tally.core.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pending batch alone: plain state, no threads. */
class PendingBatchTest {
  private final List<String> callbackFailures = new ArrayList<>();
  private final PendingBatch<Item> batch =
      new PendingBatch<>(Item.laterWins(), (what, e) -> callbackFailures.add(what));

  @Test
  void coalescesByKeyAndKeepsKeylessItemsInOrder() {
    assertThat(batch.add(new Item("a", 1))).isFalse();
    assertThat(batch.add(Item.keyless(7))).isFalse();
    assertThat(batch.add(new Item("a", 2))).isTrue(); // merged: the later wins
    assertThat(batch.add(Item.keyless(8))).isFalse();
    assertThat(batch.size()).isEqualTo(3);
    assertThat(batch.take(10)).containsExactly(new Item("a", 2), Item.keyless(7), Item.keyless(8));
    assertThat(batch.isEmpty()).isTrue();
  }

  @Test
  void takeChunksKeyedItemsOldestKeyFirstThenKeyless() {
    for (int i = 0; i < 5; i++) {
      batch.add(new Item("k" + i, i));
      batch.add(Item.keyless(100 + i));
    }
    assertThat(batch.take(3))
        .containsExactly(new Item("k0", 0), new Item("k1", 1), new Item("k2", 2));
    assertThat(batch.take(3))
        .containsExactly(new Item("k3", 3), new Item("k4", 4), Item.keyless(100));
    assertThat(batch.size()).isEqualTo(4);
  }

  @Test
  void mergeBackLetsNewerPendingItemsWinAndPutsKeylessItemsFirst() {
    batch.add(new Item("a", 2));
    batch.add(Item.keyless(9));
    assertThat(batch.mergeBack(new Item("a", 1))).isTrue(); // the pending one is newer
    assertThat(batch.mergeBack(new Item("b", 1))).isFalse();
    assertThat(batch.mergeBack(Item.keyless(8))).isFalse();
    assertThat(batch.take(10))
        .containsExactly(new Item("a", 2), new Item("b", 1), Item.keyless(8), Item.keyless(9));
  }

  @Test
  void atTheBoundOnlyAnItemOfAPendingKeyMerges() {
    batch.add(new Item("a", 1));
    assertThat(batch.mergeIfKeyPending(new Item("b", 1))).isFalse();
    assertThat(batch.mergeIfKeyPending(Item.keyless(1))).isFalse();
    Item later = new Item("a", 5);
    assertThat(batch.mergeIfKeyPending(later)).isTrue();
    assertThat(batch.size()).isEqualTo(1);
    assertThat(batch.take(1)).containsExactly(later);
  }

  @Test
  void aThrowingKeyFunctionOrMergeRuleNeverLosesAnItem() {
    PendingBatch<Item> b =
        new PendingBatch<>(
            Coalescing.of(
                item -> {
                  if (item.value() < 0) {
                    throw new IllegalStateException("key");
                  }
                  return item.key();
                },
                (x, y) -> {
                  throw new IllegalStateException("merge");
                }),
            (what, e) -> callbackFailures.add(what));
    b.add(new Item("a", 1));
    b.add(new Item("a", 2)); // the merge throws: both kept
    b.add(new Item("c", -1)); // the key throws: kept keyless
    assertThat(b.take(10))
        .containsExactlyInAnyOrder(new Item("a", 1), new Item("a", 2), new Item("c", -1));
    assertThat(callbackFailures)
        .containsExactly("the coalescing merge rule", "the coalescing key function");
  }
}
