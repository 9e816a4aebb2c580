package io.tally.core.batch;

import java.util.Objects;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link Batcher} folds items that describe the same thing into one before writing: a key
 * function and a merge rule. Immutable.
 *
 * <p>Items whose key is {@code null} are never coalesced. Two items with {@linkplain
 * Object#equals(Object) equal} keys are replaced by {@code merge(earlier, later)}, where {@code
 * earlier} is the item that was already pending and {@code later} the one that arrived after it (a
 * failed batch merging back into newer pending items counts as the earlier one). The merge rule
 * must not return {@code null} and must keep the key.
 *
 * @param <T> the item type
 */
public final class Coalescing<T> {
  private final @Nullable Function<? super T, ? extends @Nullable Object> key; // null: none()
  private final @Nullable BinaryOperator<T> merge;

  private Coalescing(
      @Nullable Function<? super T, ? extends @Nullable Object> key,
      @Nullable BinaryOperator<T> merge) {
    this.key = key;
    this.merge = merge;
  }

  /**
   * Creates a rule that coalesces items with equal keys.
   *
   * @param key returns an item's key, or {@code null} for an item never to coalesce; called on the
   *     batcher's worker thread, must be cheap and must not throw
   * @param merge combines the earlier and the later item of one key
   * @param <T> the item type
   * @return the rule
   * @throws NullPointerException if an argument is null
   */
  public static <T> Coalescing<T> of(
      Function<? super T, ? extends @Nullable Object> key, BinaryOperator<T> merge) {
    return new Coalescing<>(
        Objects.requireNonNull(key, "key"), Objects.requireNonNull(merge, "merge"));
  }

  /**
   * Returns the rule that never coalesces: every item is written as it is.
   *
   * @param <T> the item type
   * @return the rule
   */
  public static <T> Coalescing<T> none() {
    return new Coalescing<>(null, null);
  }

  /**
   * @return true for {@link #none()}: no item ever has a key
   */
  public boolean isNone() {
    return key == null;
  }

  /**
   * @param item the item
   * @return its key, or {@code null} when it is never coalesced
   */
  public @Nullable Object key(T item) {
    return key == null ? null : key.apply(item);
  }

  /**
   * Merges two items of one key.
   *
   * @param earlier the item that was pending first
   * @param later the item that arrived after it
   * @return the merged item
   * @throws IllegalStateException for {@link #none()}, or if the rule returned null
   */
  public T merge(T earlier, T later) {
    if (merge == null) {
      throw new IllegalStateException("Coalescing.none() merges nothing");
    }
    @Nullable T merged = merge.apply(earlier, later);
    if (merged == null) {
      throw new IllegalStateException("the merge rule returned null");
    }
    return merged;
  }

  @Override
  public String toString() {
    return isNone() ? "Coalescing.none()" : "Coalescing{key=" + key + ", merge=" + merge + '}';
  }
}
