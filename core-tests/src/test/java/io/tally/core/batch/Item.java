package io.tally.core.batch;

/** A test item: a key (null: keyless) and a value. */
record Item(String key, int value) {
  static Item keyless(int value) {
    return new Item(null, value);
  }

  /** Coalesces by key; the later item wins, values add up in {@code merges}. */
  static Coalescing<Item> laterWins() {
    return Coalescing.of(Item::key, (earlier, later) -> later);
  }
}
