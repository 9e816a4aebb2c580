package io.tally.core.batch;

import java.util.List;

/**
 * Where a {@link Batcher} writes its batches: one call per batch.
 *
 * <p><b>Idempotence is required.</b> A batch whose outcome the batcher cannot know (the call threw
 * or timed out after the database committed) is written again, possibly merged with newer items, so
 * writing the same items twice must leave the same result as writing them once. The call may come
 * from any of the batcher's I/O threads, never two at once for one batcher unless it was built with
 * {@link Batcher.Builder#parallelism(int)} above 1: then up to that many calls run at once, never
 * two with items of the same coalescing key. A call may be interrupted when it runs past the
 * batcher's flush timeout.
 *
 * @param <T> the item type
 */
@FunctionalInterface
public interface BatchStore<T> {

  /**
   * Writes {@code batch} in as few statements as the store can (ideally one).
   *
   * @param batch the items, never empty; unmodifiable; may be kept only for the duration of the
   *     call
   * @throws RuntimeException (for the built-in stores {@code io.tally.core.StoreException}) if the
   *     batch could not be written; the batcher then retries it
   */
  void upsertBatch(List<T> batch);
}
