package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tally.core.InputRules;
import io.tally.core.StoreException;
import io.tally.core.lastused.LastUsedStore;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tests every {@link LastUsedStore} must pass. Subclass it, say how to create the store, how to
 * make a fresh id and how to read a stored time back, and JUnit runs the whole contract:
 *
 * <pre>{@code
 * class MyStoreContractTest extends LastUsedStoreContract<UUID> {
 *   private final MyStore store = new MyStore(dataSource);
 *
 *   protected LastUsedStore<UUID> createStore() { return store; }
 *   protected UUID newKey() { return UUID.randomUUID(); }
 *   protected Map<UUID, Instant> storedTimes(Collection<UUID> ids) { return store.read(ids); }
 * }
 * }</pre>
 *
 * <p>The contract never assumes an empty database: every test works on ids from {@link #newKey()},
 * which must differ from every id returned before (in a store that updates an existing table,
 * {@code newKey()} is also the place to insert the row the store will update).
 *
 * <p><b>Precision rule.</b> A store keeps at least millisecond precision and never rounds up: for a
 * written time {@code t} the stored time {@code s} satisfies {@code t.truncatedTo(MILLIS) <= s <=
 * t}. Every comparison here uses that rule (see {@link #assertStored(Object, Instant)}), so stores
 * with millisecond, microsecond (PostgreSQL) or nanosecond precision all pass, and a store that
 * rounds {@code .999999999} up to the next millisecond fails.
 *
 * <p><b>Input rules.</b> A store holds every value the {@link InputRules} allow: times from {@link
 * InputRules#MIN_TIME} to {@link InputRules#MAX_TIME}, {@code String} ids of up to {@value
 * InputRules#MAX_ID_LENGTH} UTF-16 code units of any Unicode but NUL. A value outside them (which
 * the tracker never passes on) is refused with a {@link StoreException} of kind {@link
 * StoreException.Kind#DATA}, as {@link InputRules#checkLastUsedBatch(Map)} does, so a caller can
 * isolate it.
 *
 * @param <K> the id type
 */
public abstract class LastUsedStoreContract<K> {
  /** The ids written by {@link #largeBatchInOneCall()}: {@value}. */
  public static final int LARGE_BATCH = 10_000;

  /** A fixed base time; the contract reads no clock. */
  protected static final Instant BASE = Instant.parse("2026-03-01T12:00:00Z");

  /** The store under test, from {@link #createStore()} before each test. */
  protected LastUsedStore<K> store;

  /** Creates the contract. */
  protected LastUsedStoreContract() {}

  /**
   * Returns the store to test; called before each test. May return the same instance each time.
   *
   * @return the store
   */
  protected abstract LastUsedStore<K> createStore();

  /**
   * Returns an id never returned before, ready to be written by the store.
   *
   * @return a fresh id
   */
  protected abstract K newKey();

  /**
   * Reads back the time stored for {@code id}, bypassing the store's write path if possible. By
   * default one {@link #storedTimes(Collection)} call for the one id. Override this method or
   * {@link #storedTimes(Collection)}, or both.
   *
   * @param id the id
   * @return the stored time, or empty if none is stored
   * @throws IllegalStateException if the subclass overrides neither read-back method
   */
  protected Optional<Instant> storedTime(K id) {
    return Optional.ofNullable(storedTimes(List.of(id)).get(id));
  }

  /**
   * Reads back many stored times, bypassing the store's write path if possible. Override this one
   * with a single query for all the ids ({@code WHERE id = ANY(?)}): the contract reads back
   * {@value #LARGE_BATCH} ids at once, and one query per id costs minutes on a real server. By
   * default {@link #storedTime(Object)} per id, for subclasses that override only that one.
   *
   * @param ids the ids
   * @return id to stored time, for the ids that have one
   * @throws IllegalStateException if the subclass overrides neither read-back method
   */
  protected Map<K, Instant> storedTimes(Collection<K> ids) {
    if (!overrides("storedTime", Object.class)) {
      throw new IllegalStateException(
          getClass().getName()
              + " must override storedTimes(Collection) (preferred: one query for many ids)"
              + " or storedTime(K), to read stored times back");
    }
    Map<K, Instant> out = new HashMap<>();
    for (K id : ids) {
      storedTime(id).ifPresent(t -> out.put(id, t));
    }
    return out;
  }

  /**
   * @return whether a subclass declares {@code name(parameter)} (a bridge counts)
   */
  private boolean overrides(String name, Class<?> parameter) {
    for (Class<?> c = getClass(); c != LastUsedStoreContract.class; c = c.getSuperclass()) {
      try {
        c.getDeclaredMethod(name, parameter);
        return true;
      } catch (NoSuchMethodException e) {
        // look further up
      }
    }
    return false;
  }

  /** Calls {@link #createStore()}. */
  @BeforeEach
  protected void setUpStore() {
    store = createStore();
    assertThat(store).as("createStore()").isNotNull();
  }

  /**
   * Asserts that {@code id} holds {@code expected} under the precision rule.
   *
   * @param id the id
   * @param expected the time written last (the greatest written)
   */
  protected void assertStored(K id, Instant expected) {
    Optional<Instant> stored = storedTime(id);
    assertThat(stored).as("stored time of %s", id).isPresent();
    assertWithinPrecision(id, stored.get(), expected);
  }

  private static void assertWithinPrecision(Object id, Instant stored, Instant expected) {
    assertThat(stored)
        .as(
            "stored time of %s (expected %s, at least millisecond precision, never rounded up)",
            id, expected)
        .isBetween(expected.truncatedTo(ChronoUnit.MILLIS), expected);
  }

  /**
   * Returns {@code n} fresh ids; override to create them in bulk when {@link #newKey()} is slow
   * (for example when each id needs a row inserted first).
   *
   * @param n how many
   * @return {@code n} ids never returned before
   */
  protected List<K> newKeys(int n) {
    List<K> keys = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      keys.add(newKey());
    }
    return keys;
  }

  /** Written times read back, each id with its own time. */
  @Test
  protected void writesAndReadsBack() {
    K a = newKey();
    K b = newKey();
    K c = newKey();
    Map<K, Instant> batch = new LinkedHashMap<>();
    batch.put(a, BASE);
    batch.put(b, BASE.plusSeconds(1));
    batch.put(c, BASE.plusMillis(2_500));
    store.markUsed(batch);
    assertStored(a, BASE);
    assertStored(b, BASE.plusSeconds(1));
    assertStored(c, BASE.plusMillis(2_500));
  }

  /** An id never written has no stored time, and writing others does not create it. */
  @Test
  protected void unwrittenIdHasNoTime() {
    K written = newKey();
    K other = newKey();
    store.markUsed(Map.of(written, BASE));
    assertThat(storedTime(other)).isEmpty();
  }

  /** A stored time never moves backwards, in separate calls and within one call. */
  @Test
  protected void timeNeverMovesBackwards() {
    K a = newKey();
    K b = newKey();
    store.markUsed(Map.of(a, BASE.plusSeconds(10), b, BASE.plusSeconds(10)));
    store.markUsed(Map.of(a, BASE.plusSeconds(5), b, BASE.plusSeconds(20)));
    assertStored(a, BASE.plusSeconds(10));
    assertStored(b, BASE.plusSeconds(20));
    store.markUsed(Map.of(a, BASE.plusSeconds(10).minusMillis(1)));
    assertStored(a, BASE.plusSeconds(10));
  }

  /** One call with {@value #LARGE_BATCH} ids writes every one of them. */
  @Test
  protected void largeBatchInOneCall() {
    List<K> keys = newKeys(LARGE_BATCH);
    Map<K, Instant> batch = new HashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      batch.put(keys.get(i), BASE.plusMillis(i));
    }
    store.markUsed(batch);
    Map<K, Instant> stored = storedTimes(keys);
    assertThat(stored).hasSize(LARGE_BATCH);
    for (int i = 0; i < keys.size(); i++) {
      assertWithinPrecision(keys.get(i), stored.get(keys.get(i)), BASE.plusMillis(i));
    }
  }

  /** An empty map is accepted and changes nothing. */
  @Test
  protected void emptyMapIsNoOp() {
    K a = newKey();
    store.markUsed(Map.of(a, BASE));
    assertThatCode(() -> store.markUsed(Map.of())).doesNotThrowAnyException();
    assertStored(a, BASE);
  }

  /** Repeating a call (as after an unknown outcome) leaves the same result. */
  @Test
  protected void repeatedCallIsIdempotent() {
    K a = newKey();
    K b = newKey();
    Map<K, Instant> batch = Map.of(a, BASE.plusSeconds(1), b, BASE.plusSeconds(2));
    store.markUsed(batch);
    store.markUsed(batch);
    store.markUsed(batch);
    assertStored(a, BASE.plusSeconds(1));
    assertStored(b, BASE.plusSeconds(2));
  }

  /** Sub-millisecond times keep at least millisecond precision and are never rounded up. */
  @Test
  protected void keepsAtLeastMillisecondsAndNeverRoundsUp() {
    K micros = newKey();
    K nanos = newKey();
    K almostNextMilli = newKey();
    Instant t1 = BASE.plusNanos(123_456_000);
    Instant t2 = BASE.plusNanos(123_456_789);
    Instant t3 = BASE.plusNanos(999_999_999);
    store.markUsed(Map.of(micros, t1, nanos, t2, almostNextMilli, t3));
    assertStored(micros, t1);
    assertStored(nanos, t2);
    assertStored(almostNextMilli, t3);
    assertThat(storedTime(almostNextMilli).orElseThrow())
        .as("a time just before a whole second must not be rounded up to it")
        .isBefore(BASE.plusSeconds(1));
  }

  /** Times far from now (the epoch's neighbourhood, the far future) round-trip. */
  @Test
  protected void keepsTimesFarFromNow() {
    K old = newKey();
    K future = newKey();
    Instant t1 = Instant.parse("1970-01-01T00:00:01.001Z");
    Instant t2 = Instant.parse("2999-12-31T23:59:59.999Z");
    store.markUsed(Map.of(old, t1, future, t2));
    assertStored(old, t1);
    assertStored(future, t2);
  }

  /**
   * Several callers writing the same ids at once (as replicas do) leave each id with the greatest
   * time any of them wrote, and none of them fails.
   *
   * @throws Exception if a caller failed
   */
  @Test
  protected void concurrentCallersKeepTheGreatestTime() throws Exception {
    int threads = 4;
    int rounds = 5;
    List<K> keys = newKeys(200);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  go.await(10, TimeUnit.SECONDS);
                  // interleave: each thread writes its rounds in an order that crosses the others
                  for (int r = 0; r < rounds; r++) {
                    int round = thread % 2 == 0 ? r : rounds - 1 - r;
                    Map<K, Instant> batch = new HashMap<>();
                    for (int i = 0; i < keys.size(); i++) {
                      batch.put(keys.get(i), time(round, thread, i, threads));
                    }
                    store.markUsed(batch);
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    Map<K, Instant> stored = storedTimes(keys);
    for (int i = 0; i < keys.size(); i++) {
      Instant max = time(rounds - 1, threads - 1, i, threads);
      assertWithinPrecision(keys.get(i), stored.get(keys.get(i)), max);
    }
  }

  private static Instant time(int round, int thread, int key, int threads) {
    return BASE.plus(Duration.ofSeconds((long) round * threads + thread)).plusMillis(key);
  }

  /**
   * Returns {@code text} as an id of this store, for the tests of {@code String} ids; empty when
   * ids are not strings. The default works for stores of {@code String} ids in their own table (it
   * checks {@link #newKey()}); a store that updates an existing table overrides it to insert the
   * row.
   *
   * @param text the id's text
   * @return the id, or empty if this store's ids are not strings
   */
  @SuppressWarnings("unchecked")
  protected Optional<K> stringKey(String text) {
    return newKey() instanceof String ? Optional.of((K) text) : Optional.empty();
  }

  /** The first and last times of the storable range are stored (under the precision rule). */
  @Test
  protected void keepsTimesAtTheEdgesOfTheStorableRange() {
    K first = newKey();
    K last = newKey();
    store.markUsed(Map.of(first, InputRules.MIN_TIME, last, InputRules.MAX_TIME));
    assertStored(first, InputRules.MIN_TIME);
    assertStored(last, InputRules.MAX_TIME);
  }

  /**
   * A time outside the storable range is refused as a data error; good entries still go in alone.
   */
  @Test
  protected void refusesTimesOutsideTheRangeAsDataErrors() {
    K good = newKey();
    for (Instant bad : HostileValues.TIMES_OUTSIDE_THE_RANGE) {
      K poison = newKey();
      Throwable failure = catchThrowable(() -> store.markUsed(Map.of(poison, bad, good, BASE)));
      assertThat(failure).as("writing %s", bad).isInstanceOf(StoreException.class);
      assertThat(StoreException.kindOf(failure))
          .as("kind for %s", bad)
          .isEqualTo(StoreException.Kind.DATA);
      assertThat(storedTime(poison)).isEmpty();
    }
    store.markUsed(Map.of(good, BASE));
    assertStored(good, BASE);
  }

  /**
   * String ids at the length limit, of any Unicode but NUL, are stored exactly; bad ones refused.
   */
  @Test
  protected void storesLongestStringIdsExactlyAndRefusesBadOnes() {
    Optional<K> longest = stringKey(HostileValues.unicode(InputRules.MAX_ID_LENGTH, 7));
    if (longest.isEmpty()) {
      return; // ids are not strings
    }
    store.markUsed(Map.of(longest.get(), BASE));
    assertStored(longest.get(), BASE);
    for (String bad :
        List.of(
            "nul\u0000inside",
            "lone\uD800",
            "\uDC00lone",
            "x".repeat(InputRules.MAX_ID_LENGTH + 1))) {
      K poison = stringKey(bad).orElseThrow();
      Throwable failure = catchThrowable(() -> store.markUsed(Map.of(poison, BASE)));
      assertThat(StoreException.kindOf(failure))
          .as("kind for a bad id")
          .isEqualTo(StoreException.Kind.DATA);
    }
  }
}
