package io.tally.core.batch;

import io.tally.core.internal.Fatal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The items a batcher holds for its next store calls: keyed items (one per key, coalesced as they
 * arrive) and keyless ones, in arrival order. Plain state, no threads: the worker owns it.
 *
 * <p>A key function or merge rule that throws never loses an item: the item is kept keyless (or
 * both items are kept), and the failure is reported to the {@link CallbackFailures} sink.
 *
 * @param <T> the item type
 */
final class PendingBatch<T> {
  /** Where callback failures go (counted and logged by the owner). */
  @FunctionalInterface
  interface CallbackFailures {
    void failed(String what, Throwable e);
  }

  private final Coalescing<T> coalescing;
  private final CallbackFailures callbackFailures;
  private final LinkedHashMap<Object, T> keyed = new LinkedHashMap<>();
  private final ArrayDeque<T> keyless = new ArrayDeque<>();

  /** The last item whose key was computed while it was still queued, and that key. */
  private T peeked;

  private Object peekedKey;

  PendingBatch(Coalescing<T> coalescing, CallbackFailures callbackFailures) {
    this.coalescing = coalescing;
    this.callbackFailures = callbackFailures;
  }

  int size() {
    return keyed.size() + keyless.size();
  }

  boolean isEmpty() {
    return keyed.isEmpty() && keyless.isEmpty();
  }

  /**
   * Adds a new item, merging it into the pending item of its key as the later one.
   *
   * @return true if it merged (the batch did not grow)
   */
  boolean add(T item) {
    Object key;
    if (item == peeked) {
      key = peekedKey;
      peeked = null;
    } else {
      key = keyOf(item);
    }
    if (key == null) {
      keyless.add(item);
      return false;
    }
    T existing = keyed.get(key);
    if (existing == null) {
      keyed.put(key, item);
      return false;
    }
    T merged = mergeOf(existing, item);
    if (merged == null) {
      keyless.add(item); // the rule threw: write both rather than lose one
      return false;
    }
    keyed.put(key, merged);
    return true;
  }

  /**
   * Puts back an item of a failed store call; a pending item of its key is newer and wins through
   * the merge rule. Keyless items go back to the front, ahead of newer ones.
   *
   * @return true if it merged (the batch did not grow)
   */
  boolean mergeBack(T item) {
    Object key = keyOf(item);
    if (key == null) {
      keyless.addFirst(item);
      return false;
    }
    T newer = keyed.get(key);
    if (newer == null) {
      keyed.put(key, item);
      return false;
    }
    T merged = mergeOf(item, newer);
    if (merged == null) {
      keyless.addFirst(item);
      return false;
    }
    keyed.put(key, merged);
    return true;
  }

  /**
   * Merges {@code head} (an item still queued) into the pending item of its key, if there is one;
   * the batch does not grow. The key is computed once: {@link #add} reuses it for the same item.
   *
   * @return true if it merged; the caller then takes it off the queue
   */
  boolean mergeIfKeyPending(T head) {
    if (head != peeked) {
      peeked = head;
      peekedKey = keyOf(head);
    }
    T existing = peekedKey == null ? null : keyed.get(peekedKey);
    T merged = existing == null ? null : mergeOf(existing, head);
    if (merged == null) {
      return false;
    }
    keyed.put(peekedKey, merged);
    peeked = null;
    return true;
  }

  /** Takes up to {@code max} items, keyed ones first (oldest key first), then keyless ones. */
  List<T> take(int max) {
    List<T> chunk = new ArrayList<>(Math.min(max, size()));
    if (!keyed.isEmpty() && keyed.size() <= max) {
      chunk.addAll(keyed.values());
      keyed.clear();
    } else {
      Iterator<T> it = keyed.values().iterator();
      while (chunk.size() < max && it.hasNext()) {
        chunk.add(it.next());
        it.remove();
      }
    }
    while (chunk.size() < max && !keyless.isEmpty()) {
      chunk.add(keyless.poll());
    }
    return chunk;
  }

  /**
   * @return the item's coalescing key, or null (also when the key function threw)
   */
  @Nullable Object keyOf(T item) {
    try {
      return coalescing.key(item);
    } catch (RuntimeException | Error e) {
      Fatal.rethrowIfFatal(e);
      callbackFailures.failed("the coalescing key function", e);
      return null;
    }
  }

  private T mergeOf(T earlier, T later) {
    try {
      return coalescing.merge(earlier, later);
    } catch (RuntimeException | Error e) {
      Fatal.rethrowIfFatal(e);
      callbackFailures.failed("the coalescing merge rule", e);
      return null;
    }
  }
}
