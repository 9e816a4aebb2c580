package io.tally.testkit;

import io.tally.core.lastused.LastUsedStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link LastUsedStore} in memory, with the semantics of the real stores: a stored time never
 * moves backwards (the later of the stored and the written time is kept). It also records every
 * call, so tests can check how often and with what the store was called. Keeps full nanosecond
 * precision. Thread-safe.
 *
 * @param <K> the id type
 */
public final class InMemoryLastUsedStore<K> implements LastUsedStore<K> {
  private final ConcurrentHashMap<K, Instant> stored = new ConcurrentHashMap<>();
  private final List<Map<K, Instant>> batches = new ArrayList<>(); // guarded by this

  /** Creates an empty store. */
  public InMemoryLastUsedStore() {}

  /**
   * Keeps, for each id, the later of its stored time and the given one, and records the call.
   *
   * @param lastUsed ids and their times
   * @throws NullPointerException if the map, an id or a time is null
   */
  @Override
  public void markUsed(Map<K, Instant> lastUsed) {
    Objects.requireNonNull(lastUsed, "lastUsed");
    Map<K, Instant> copy = Map.copyOf(lastUsed); // rejects null ids and times
    for (Map.Entry<K, Instant> e : copy.entrySet()) {
      stored.merge(e.getKey(), e.getValue(), (a, b) -> a.isAfter(b) ? a : b);
    }
    synchronized (this) {
      batches.add(copy);
    }
  }

  /**
   * Returns the time stored for {@code id}.
   *
   * @param id the id
   * @return its stored time, or empty if it was never written
   */
  public Optional<Instant> lastUsed(K id) {
    return Optional.ofNullable(stored.get(Objects.requireNonNull(id, "id")));
  }

  /** @return a copy of everything stored: id to time */
  public Map<K, Instant> snapshot() {
    return new HashMap<>(stored);
  }

  /** @return how many ids are stored */
  public int size() {
    return stored.size();
  }

  /** @return how many times {@link #markUsed(Map)} was called, including with an empty map */
  public synchronized int calls() {
    return batches.size();
  }

  /** @return an immutable copy of the map passed to each call, oldest first */
  public synchronized List<Map<K, Instant>> batches() {
    return List.copyOf(batches);
  }

  /** @return the total number of entries passed over all calls */
  public synchronized long rowsWritten() {
    long n = 0;
    for (Map<K, Instant> b : batches) {
      n += b.size();
    }
    return n;
  }

  /** Forgets every stored time and every recorded call. */
  public synchronized void clear() {
    stored.clear();
    batches.clear();
  }

  @Override
  public String toString() {
    return "InMemoryLastUsedStore{ids=" + stored.size() + ", calls=" + calls() + '}';
  }
}
