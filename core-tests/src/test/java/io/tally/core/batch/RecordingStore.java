package io.tally.core.batch;

import java.util.ArrayList;
import java.util.List;

/** A store that records every batch it is given. */
final class RecordingStore<T> implements BatchStore<T> {
  private final List<List<T>> batches = new ArrayList<>();

  @Override
  public synchronized void upsertBatch(List<T> batch) {
    batches.add(List.copyOf(batch));
  }

  synchronized List<List<T>> batches() {
    return List.copyOf(batches);
  }

  synchronized List<T> items() {
    List<T> all = new ArrayList<>();
    batches.forEach(all::addAll);
    return all;
  }

  synchronized int batchCount() {
    return batches.size();
  }
}
