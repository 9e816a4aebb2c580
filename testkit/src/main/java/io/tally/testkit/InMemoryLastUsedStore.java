package io.tally.testkit;

import io.tally.core.InputRules;
import io.tally.core.StoreException;
import io.tally.core.lastused.LastUsedStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * A {@link LastUsedStore} in memory, with the semantics of the real stores: a stored time never
 * moves backwards (the later of the stored and the written time is kept), and a batch that breaks
 * the {@link InputRules} is refused whole with a {@link StoreException} of kind {@code DATA}. It
 * also records every call, so tests can check how often and with what the store was called. Keeps
 * full nanosecond precision. Thread-safe.
 *
 * <p>{@link #rejecting(Predicate, StoreException.Kind)} makes it behave like a database that
 * refuses some values: a call whose map holds a matching id writes nothing and throws.
 *
 * @param <K> the id type
 */
public final class InMemoryLastUsedStore<K> implements LastUsedStore<K> {
  private final ConcurrentHashMap<K, Instant> stored = new ConcurrentHashMap<>();
  private final List<Map<K, Instant>> batches = new ArrayList<>(); // guarded by this
  private volatile Predicate<? super K> poison = id -> false;
  private volatile StoreException.Kind poisonKind = StoreException.Kind.DATA;

  /** Creates an empty store. */
  public InMemoryLastUsedStore() {}

  /**
   * Makes every later call whose map holds an id matching {@code poison} write nothing and throw a
   * {@link StoreException} of {@code kind}, as a database rejecting a value would (use {@code
   * UNKNOWN} for a store that does not classify its failures).
   *
   * @param poison which ids the store refuses
   * @param kind the kind of the exception thrown
   * @return this
   */
  public InMemoryLastUsedStore<K> rejecting(Predicate<? super K> poison, StoreException.Kind kind) {
    this.poisonKind = Objects.requireNonNull(kind, "kind");
    this.poison = Objects.requireNonNull(poison, "poison");
    return this;
  }

  /**
   * Keeps, for each id, the later of its stored time and the given one, and records the call.
   *
   * @param lastUsed ids and their times
   * @throws NullPointerException if the map, an id or a time is null
   * @throws StoreException of kind {@code DATA} if an entry breaks the {@link InputRules}, or of
   *     the configured kind if it holds an id set by {@link #rejecting}; nothing is written then
   */
  @Override
  public void markUsed(Map<K, Instant> lastUsed) {
    Objects.requireNonNull(lastUsed, "lastUsed");
    Map<K, Instant> copy = Map.copyOf(lastUsed); // rejects null ids and times
    InputRules.checkLastUsedBatch(copy);
    Predicate<? super K> p = poison;
    for (K id : copy.keySet()) {
      if (p.test(id)) {
        throw new StoreException(
            "the store refuses id '" + InputRules.shorten(id.toString()) + "' (injected)",
            null,
            poisonKind);
      }
    }
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

  /**
   * @return a copy of everything stored: id to time
   */
  public Map<K, Instant> snapshot() {
    return new HashMap<>(stored);
  }

  /**
   * @return how many ids are stored
   */
  public int size() {
    return stored.size();
  }

  /**
   * @return how many times {@link #markUsed(Map)} was called, including with an empty map
   */
  public synchronized int calls() {
    return batches.size();
  }

  /**
   * @return an immutable copy of the map passed to each call, oldest first
   */
  public synchronized List<Map<K, Instant>> batches() {
    return List.copyOf(batches);
  }

  /**
   * @return the total number of entries passed over all calls
   */
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
