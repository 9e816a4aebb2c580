package io.tally.benchmarks;

import io.tally.core.lastused.LastUsedTracker;
import io.tally.core.lastused.TimestampMode;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BinaryOperator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code LastUsedTracker.markUsed(id, at)} against its peers, over 10,000 workspace ids.
 *
 * <ul>
 *   <li>{@code tally} / {@code tallyFlushTime}: the tracker in {@code EVENT_TIME} mode (every call
 *       carries a later time than the one held, so every call writes) and in {@code FLUSH_TIME}
 *       mode (the flush stamps the time; a call for an id already pending only looks it up). A
 *       do-nothing store, system clock, flush every second.
 *   <li>{@code tallyClock}: {@code markUsed(id)} in {@code EVENT_TIME} mode, the time from the
 *       system clock.
 *   <li>{@code chmMerge}: the floor the design budget names, a bare {@code
 *       ConcurrentHashMap.merge(id, at, later)} into a map that is never drained.
 *   <li>{@code referenceSyncSet}: the approach of Coder's control plane (Go), a {@code HashSet.add}
 *       inside a {@code synchronized} block, the set swapped for an empty one every second.
 * </ul>
 *
 * <p>Not final: JMH subclasses benchmark classes in its generated code.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dslf4j.internal.verbosity=ERROR"})
public class LastUsedBenchmark {
  static final UUID[] IDS = Keys.uuids(Keys.WORKSPACES, 1);

  private static final BinaryOperator<Instant> LATER = (a, b) -> b.isAfter(a) ? b : a;

  /** Creates the benchmark; JMH instantiates it. */
  public LastUsedBenchmark() {}

  /** The tracker under test, shared by all benchmark threads. */
  @State(Scope.Benchmark)
  public static class Tally {
    LastUsedTracker<UUID> tracker;

    /** Creates the state; JMH instantiates it. */
    public Tally() {}

    TimestampMode mode() {
      return TimestampMode.EVENT_TIME;
    }

    /** Starts the tracker (system clock, do-nothing store). */
    @Setup(Level.Trial)
    public void start() {
      tracker =
          LastUsedTracker.<UUID>builder(batch -> {})
              .flushInterval(Keys.FLUSH_INTERVAL)
              .timestampMode(mode())
              .build();
    }

    /** Closes the tracker and prints its counters (flushes must be more than zero). */
    @TearDown(Level.Trial)
    public void stop() {
      tracker.close();
      System.out.println("\n" + tracker.stats());
    }
  }

  /** The tracker in {@code FLUSH_TIME} mode. */
  @State(Scope.Benchmark)
  public static class TallyFlushTime extends Tally {
    /** Creates the state; JMH instantiates it. */
    public TallyFlushTime() {}

    @Override
    TimestampMode mode() {
      return TimestampMode.FLUSH_TIME;
    }
  }

  /** The floor: a concurrent map that is never drained. */
  @State(Scope.Benchmark)
  public static class MergeFloor {
    final ConcurrentHashMap<UUID, Instant> map = new ConcurrentHashMap<>();

    /** Creates the state; JMH instantiates it. */
    public MergeFloor() {}
  }

  /**
   * The approach of Coder's control plane (Go): one lock around a hash set, swapped out by a flush.
   */
  @State(Scope.Benchmark)
  public static class SyncSet {
    private final Object lock = new Object();
    private Set<UUID> ids = new HashSet<>(); // guarded by lock
    private ScheduledExecutorService flusher;
    private long flushes;
    private long flushed;

    /** Creates the state; JMH instantiates it. */
    public SyncSet() {}

    boolean add(UUID id) {
      synchronized (lock) {
        return ids.add(id);
      }
    }

    private void flush() {
      Set<UUID> batch;
      synchronized (lock) {
        batch = ids;
        ids = new HashSet<>();
      }
      flushes++;
      flushed += batch.size();
    }

    /** Starts the flush thread. */
    @Setup(Level.Trial)
    public void start() {
      flusher = Peers.every("sync-set-flush", this::flush);
    }

    /**
     * Stops the flush thread and prints its counters.
     *
     * @throws InterruptedException if interrupted while waiting for the flush thread
     */
    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
      flusher.shutdown();
      flusher.awaitTermination(10, TimeUnit.SECONDS);
      System.out.println("\nsync-set flushes=" + flushes + " flushedIds=" + flushed);
    }
  }

  /**
   * Tally, {@code EVENT_TIME}.
   *
   * @param s the tracker
   * @param c this thread's cursor
   */
  @Benchmark
  public void tally(Tally s, ThreadCursor c) {
    s.tracker.markUsed(IDS[c.next()], c.now());
  }

  /**
   * Tally, {@code EVENT_TIME}, time from the tracker's clock: {@code markUsed(id)} (the system
   * clock's {@code Instant} should not be allocated: {@code -prof gc} shows it).
   *
   * @param s the tracker
   * @param c this thread's cursor
   */
  @Benchmark
  public void tallyClock(Tally s, ThreadCursor c) {
    s.tracker.markUsed(IDS[c.next()]);
  }

  /**
   * Tally, {@code FLUSH_TIME}.
   *
   * @param s the tracker
   * @param c this thread's cursor
   */
  @Benchmark
  public void tallyFlushTime(TallyFlushTime s, ThreadCursor c) {
    s.tracker.markUsed(IDS[c.next()], c.now());
  }

  /**
   * The floor: one {@code ConcurrentHashMap.merge}.
   *
   * @param s the map
   * @param c this thread's cursor
   * @return the merged value
   */
  @Benchmark
  public Instant chmMerge(MergeFloor s, ThreadCursor c) {
    return s.map.merge(IDS[c.next()], c.now(), LATER);
  }

  /**
   * Coder's approach: {@code synchronized} {@code HashSet.add}.
   *
   * @param s the set
   * @param c this thread's cursor
   * @return whether the id was new
   */
  @Benchmark
  public boolean referenceSyncSet(SyncSet s, ThreadCursor c) {
    return s.add(IDS[c.next()]);
  }
}
