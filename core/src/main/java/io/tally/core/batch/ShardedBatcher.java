package io.tally.core.batch;

import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.FlushResult;
import io.tally.core.Health;
import io.tally.core.internal.Fatal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Batcher} that writes on several connections at once: {@code parallelism} shards, each a
 * {@link DefaultBatcher} with its own queue, worker and I/O thread, behind one component.
 *
 * <p>An item goes to the shard its coalescing key hashes to ({@link #shardOfKey}), so the items of
 * one key always meet in the same shard: they coalesce there, and two shards never write the same
 * row at the same time. Keyless items (and items whose key function throws) are spread round-robin.
 * The shards share one memory bound ({@code maxPendingItems}, a {@link PendingBound}), one failure
 * tracker ({@link #health()}) and the flush listeners; the queue capacity is divided among them
 * (rounded up). {@link #stats()} adds up the shards' own snapshots, each of which balances, so the
 * sum balances too. {@link #flush()} flushes every shard at once and reports one result; {@link
 * #close()} closes every shard within one {@code shutdownTimeout}.
 *
 * @param <T> the item type
 */
final class ShardedBatcher<T> implements Batcher<T> {
  private static final Logger log = LoggerFactory.getLogger(Batcher.class);

  private final String name;
  private final Coalescing<T> coalescing;
  private final List<DefaultBatcher<T>> shards;
  private final AtomicInteger nextKeyless = new AtomicInteger();
  private final ShardContext shared;
  private final Clock real;

  private ShardedBatcher(
      Batcher.Builder<T> b, List<DefaultBatcher<T>> shards, ShardContext shared) {
    this.name = b.name;
    this.coalescing = b.coalescing;
    this.real = b.realTime;
    this.shards = shards;
    this.shared = shared;
  }

  /** Starts {@code builder.parallelism} shards over one shared bound. */
  static <T> ShardedBatcher<T> start(Batcher.Builder<T> builder) {
    int n = builder.parallelism;
    ShardContext shared = ShardContext.shared(builder, log, n);
    int capacity = (builder.effectiveQueueCapacity() + n - 1) / n;
    List<DefaultBatcher<T>> shards = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      shards.add(DefaultBatcher.start(builder, shared.forShard(i, capacity)));
    }
    return new ShardedBatcher<>(builder, List.copyOf(shards), shared);
  }

  /**
   * The shard for a key: a mixed hash of {@code key.hashCode()}, so keys equal by {@link
   * Object#equals} (one session's events) always get the same shard.
   *
   * @param key a non-null coalescing key
   * @param shards how many shards
   * @return the shard, from 0 to {@code shards - 1}
   */
  static int shardOfKey(Object key, int shards) {
    int h = key.hashCode();
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    return Math.floorMod(h, shards);
  }

  private DefaultBatcher<T> shardFor(T item) {
    Object key;
    try {
      key = coalescing.key(item);
    } catch (RuntimeException | Error e) {
      Fatal.rethrowIfFatal(e);
      key = null; // the shard's worker meets the same failure, counts and logs it
    }
    int i =
        key != null
            ? shardOfKey(key, shards.size())
            : Math.floorMod(nextKeyless.getAndIncrement(), shards.size());
    return shards.get(i);
  }

  @Override
  public void write(T item) {
    Objects.requireNonNull(item, "item");
    shardFor(item).write(item);
  }

  @Override
  public boolean offer(T item, Duration maxWait) {
    Objects.requireNonNull(item, "item");
    return shardFor(item).offer(item, maxWait);
  }

  /**
   * Flushes every shard at once and waits for all (bounded like one shard's flush): rows add up,
   * the duration is the longest shard's, and any failure is reported (the first shard's first).
   */
  @Override
  public FlushResult flush() {
    DefaultBatcher<T> first = shards.get(0);
    if (shards.stream().anyMatch(DefaultBatcher::isWorker)) {
      return FlushResult.empty(); // called from a flush listener
    }
    Duration wait = first.flushWait();
    long deadline = real.nanoTime() + wait.toNanos();
    List<CompletableFuture<FlushResult>> asked = new ArrayList<>(shards.size());
    for (DefaultBatcher<T> s : shards) {
      asked.add(s.requestFlush());
    }
    List<FlushResult> results = new ArrayList<>(shards.size());
    for (int i = 0; i < shards.size(); i++) {
      results.add(FlushRound.await(asked.get(i), deadline, wait, real));
    }
    return combine(results);
  }

  /** One result for the shards' flushes. */
  static FlushResult combine(List<FlushResult> results) {
    int rows = 0;
    Duration longest = Duration.ZERO;
    for (FlushResult r : results) {
      if (r.outcome() == FlushResult.Outcome.FAILED
          || r.outcome() == FlushResult.Outcome.TIMED_OUT) {
        return r;
      }
      rows += r.rows();
      longest = r.duration().compareTo(longest) > 0 ? r.duration() : longest;
    }
    boolean empty = results.stream().allMatch(r -> r.outcome() == FlushResult.Outcome.EMPTY);
    return empty ? FlushResult.empty() : FlushResult.success(rows, longest);
  }

  /** Closes every shard at once, all by the deadlines of one {@code shutdownTimeout}. */
  @Override
  public void close() {
    long now = real.nanoTime();
    List<CloseDeadlines> deadlines = new ArrayList<>(shards.size());
    for (DefaultBatcher<T> s : shards) {
      deadlines.add(s.beginClose(now));
    }
    if (shards.stream().anyMatch(DefaultBatcher::isWorker)) {
      return; // called from a flush listener; the shards close once it returns
    }
    for (int i = 0; i < shards.size(); i++) {
      shards.get(i).awaitClosed(deadlines.get(i));
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Health health() {
    return shared.failures().health();
  }

  /** The sum of the shards' snapshots; each balances, so the sum does. */
  @Override
  public ComponentStats stats() {
    ComponentStats.Builder sum = ComponentStats.builder(name);
    long accepted = 0;
    long coalesced = 0;
    long rows = 0;
    long flushes = 0;
    long failed = 0;
    long retries = 0;
    long pending = 0;
    long callbackFailures = 0;
    long truncated = 0;
    for (DefaultBatcher<T> shard : shards) {
      ComponentStats s = shard.stats();
      accepted += s.accepted();
      coalesced += s.coalesced();
      rows += s.flushedRows();
      flushes += s.flushes();
      failed += s.failedFlushes();
      retries += s.retries();
      pending += s.pending();
      callbackFailures += s.callbackFailures();
      truncated += s.truncated();
      for (Map.Entry<String, Long> e : s.dropped().entrySet()) {
        sum.dropped(e.getKey(), e.getValue());
      }
    }
    return sum.lastSuccess(shared.failures().lastSuccess())
        .accepted(accepted)
        .coalesced(coalesced)
        .flushedRows(rows)
        .flushes(flushes)
        .failedFlushes(failed)
        .retries(retries)
        .pending(pending)
        .callbackFailures(callbackFailures)
        .truncated(truncated)
        .consecutiveFailures(shared.failures().consecutiveFailures())
        .build();
  }

  /** True when every shard is idle; for tests. */
  boolean isIdle() {
    return shards.stream().allMatch(DefaultBatcher::isIdle);
  }

  @Override
  public boolean awaitIdle(Duration timeout) {
    return DefaultBatcher.awaitIdle(this::isIdle, timeout, real);
  }

  /** How many shards; for tests. */
  int parallelism() {
    return shards.size();
  }

  @Override
  public String toString() {
    return "Batcher{" + name + ", " + shards.size() + " shards, " + stats() + '}';
  }
}
