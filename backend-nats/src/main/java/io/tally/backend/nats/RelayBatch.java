package io.tally.backend.nats;

import io.tally.core.batch.Coalescing;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One fetched batch after coalescing: an entry per item to write, each with the messages it covers
 * (acknowledged together once the item is written). Plain state, no threads.
 *
 * @param <T> the item type
 * @param <M> the message type
 */
final class RelayBatch<T, M> {
  private final Coalescing<T> rule;
  private final Map<Object, Entry<T, M>> byKey = new HashMap<>();
  private final List<Entry<T, M>> entries = new ArrayList<>();
  private int messages;

  RelayBatch(Coalescing<T> rule) {
    this.rule = rule;
  }

  /** Adds {@code item}, carried by {@code message}, merging it into the entry of its key. */
  void add(T item, M message) {
    messages++;
    Object key = rule.key(item);
    Entry<T, M> e = key == null ? null : byKey.get(key);
    if (e == null) {
      e = new Entry<>(item);
      entries.add(e);
      if (key != null) {
        byKey.put(key, e);
      }
    } else {
      e.item = rule.merge(e.item, item);
    }
    e.messages.add(message);
  }

  /**
   * @return the entries in first-arrival order
   */
  List<Entry<T, M>> entries() {
    return entries;
  }

  /**
   * @return the messages added
   */
  int messages() {
    return messages;
  }

  /**
   * @return the number of messages the entries cover
   */
  static <T, M> int messages(List<Entry<T, M>> entries) {
    int n = 0;
    for (Entry<T, M> e : entries) {
      n += e.messages.size();
    }
    return n;
  }

  /** One item to write and the messages it covers. */
  static final class Entry<T, M> {
    T item;
    final List<M> messages = new ArrayList<>(2);

    Entry(T item) {
      this.item = item;
    }
  }
}
