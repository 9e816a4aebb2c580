package io.tally.benchmarks;

import io.tally.core.usagestats.FlushOutcome;
import io.tally.core.usagestats.ReplicaUsage;
import io.tally.core.usagestats.UsageFlush;
import io.tally.core.usagestats.UsageStatsStore;
import io.tally.core.usagestats.UsageStatsTracker;
import io.tally.core.usagestats.UsageSummary;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 * {@code UsageStatsTracker.track(workspace, user, allowed, denied)} against the approach of Coder's
 * control plane (Go), the reference design, over 10,000 workspaces and 1,000 users.
 *
 * <ul>
 *   <li>{@code tally}: the tracker with a do-nothing store, system clock, flush every second.
 *   <li>{@code referenceTwoSets}: one lock around adding to two hash sets (workspaces, users) and
 *       two counters, the delta swapped out by a flush every second: the same work as Tally's.
 *   <li>{@code referenceFourSets}: what Coder's {@code Track} literally does under its mutex:
 *       cumulative and delta sets for both, four set adds and two counters.
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
public class UsageStatsBenchmark {
  static final UUID[] WORKSPACES = Keys.uuids(Keys.WORKSPACES, 2);
  static final UUID[] USERS = Keys.uuids(Keys.USERS, 3);

  /** Creates the benchmark; JMH instantiates it. */
  public UsageStatsBenchmark() {}

  /** A store that writes nothing and reports each flush as applied. */
  static final class NoStore implements UsageStatsStore {
    @Override
    public FlushOutcome flush(UsageFlush flush) {
      return FlushOutcome.applied(flush.sequence() == 1);
    }

    @Override
    public Optional<UsageSummary> collectAndReset(
        Instant periodEnd, Duration period, Instant now, String claimedBy) {
      return Optional.empty();
    }

    @Override
    public List<ReplicaUsage> replicaUsage() {
      return List.of();
    }
  }

  /** The tracker under test, shared by all benchmark threads. */
  @State(Scope.Benchmark)
  public static class Tally {
    UsageStatsTracker tracker;

    /** Creates the state; JMH instantiates it. */
    public Tally() {}

    /** Starts the tracker. */
    @Setup(Level.Trial)
    public void start() {
      tracker =
          UsageStatsTracker.builder(new NoStore(), new UUID(0, 1))
              .flushInterval(Keys.FLUSH_INTERVAL)
              .build();
    }

    /** Closes the tracker and prints its counters. */
    @TearDown(Level.Trial)
    public void stop() {
      tracker.close();
      System.out.println("\n" + tracker.stats());
    }
  }

  /**
   * The approach of Coder's control plane (Go): a mutex around sets and counters, the delta swapped
   * by a flush.
   */
  @State(Scope.Benchmark)
  public static class Reference {
    private final Object lock = new Object();
    // guarded by lock
    private Set<UUID> workspacesDelta = new HashSet<>();
    private Set<UUID> usersDelta = new HashSet<>();
    private final Set<UUID> workspaces = new HashSet<>();
    private final Set<UUID> users = new HashSet<>();
    private long allowedRequests;
    private long deniedRequests;
    private boolean usageSinceLastFlush;
    private long flushes;

    private ScheduledExecutorService flusher;

    /** Creates the state; JMH instantiates it. */
    public Reference() {}

    void trackTwo(UUID workspaceId, UUID userId, long allowed, long denied) {
      synchronized (lock) {
        workspacesDelta.add(workspaceId);
        usersDelta.add(userId);
        allowedRequests += allowed;
        deniedRequests += denied;
        usageSinceLastFlush = true;
      }
    }

    void trackFour(UUID workspaceId, UUID userId, long allowed, long denied) {
      synchronized (lock) {
        workspaces.add(workspaceId);
        users.add(userId);
        workspacesDelta.add(workspaceId);
        usersDelta.add(userId);
        allowedRequests += allowed;
        deniedRequests += denied;
        usageSinceLastFlush = true;
      }
    }

    private void flush() {
      synchronized (lock) {
        if (!usageSinceLastFlush) {
          return;
        }
        // the snapshot Coder's tracker takes; its database write is the do-nothing store here
        workspacesDelta = new HashSet<>();
        usersDelta = new HashSet<>();
        allowedRequests = 0;
        deniedRequests = 0;
        usageSinceLastFlush = false;
        flushes++;
      }
    }

    /** Starts the flush thread. */
    @Setup(Level.Trial)
    public void start() {
      flusher = Peers.every("reference-usage-flush", this::flush);
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
      synchronized (lock) {
        System.out.println("\nreference usage flushes=" + flushes);
      }
    }
  }

  /**
   * Tally.
   *
   * @param s the tracker
   * @param c this thread's cursor
   */
  @Benchmark
  public void tally(Tally s, ThreadCursor c) {
    int k = c.next();
    s.tracker.track(WORKSPACES[k], USERS[k % Keys.USERS], 1, 0);
  }

  /**
   * Coder's lock around two sets and two counters.
   *
   * @param s Coder's tracker, as written here
   * @param c this thread's cursor
   */
  @Benchmark
  public void referenceTwoSets(Reference s, ThreadCursor c) {
    int k = c.next();
    s.trackTwo(WORKSPACES[k], USERS[k % Keys.USERS], 1, 0);
  }

  /**
   * Coder's lock around four sets and two counters, as its {@code Track} does.
   *
   * @param s Coder's tracker, as written here
   * @param c this thread's cursor
   */
  @Benchmark
  public void referenceFourSets(Reference s, ThreadCursor c) {
    int k = c.next();
    s.trackFour(WORKSPACES[k], USERS[k % Keys.USERS], 1, 0);
  }
}
