package io.tally.benchmarks;

import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.FlushListener;
import io.tally.core.FlushResult;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import io.tally.core.TallyModule;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.examples.demo.DemoParts;
import io.tally.store.h2.H2ConnectionLogStore;
import io.tally.store.h2.H2Schema;
import io.tally.store.postgres.PostgresConnectionLogStore;
import io.tally.store.postgres.PostgresSchema;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The end-to-end load harness: N writer threads drive all three components through {@link
 * Tally#start} for a given time, then the harness reads the database back and checks that nothing
 * was lost or duplicated; in the same run, the best raw strategy (the store's own one-statement
 * upsert of whole batches, on N connections at once, with no pipeline in front) writes the same
 * kind of load into the same table, and the harness prints Tally's ratio to it. A {@code main},
 * never run by {@code mvn verify}; see {@code docs/benchmarks.md} for the command.
 *
 * <p>Arguments ({@code key=value}, all optional): {@code url} (a {@code jdbc:postgresql:} or {@code
 * jdbc:h2:} URL; default: a temporary H2 file), {@code user}, {@code writers} (default 4), {@code
 * seconds} (per phase, default 20), {@code raw} (also run the raw strategy, default true), {@code
 * others} (each connection event comes with one {@code markUsed} and one {@code track}, default
 * true; false: connection events only, as the raw strategy writes), {@code parallelism} (Tally's
 * {@code tally.batch.parallelism}; default: the configuration's default), {@code rawParallelism}
 * (how many raw upserts may run at once, on as many connections; default {@code writers}: each raw
 * writer on its own connection). For the same parallelism in both phases, give {@code
 * rawParallelism} the parallelism Tally prints.
 */
public final class LoadHarness {
  /** The {@code application_name} of the harness's connections (PostgreSQL). */
  static final String APPLICATION = "tally-load";

  private static final Clock CLOCK = Clock.system();

  /** Where {@link CpuProbe} asks for the backends' pids (PostgreSQL only). */
  private static String probeUrl;

  private static String probeUser;

  private LoadHarness() {}

  /**
   * Runs the harness.
   *
   * @param args {@code key=value} arguments, see the class comment
   * @throws Exception if the database fails
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq < 1) {
        throw new IllegalArgumentException("argument '" + arg + "' must be key=value");
      }
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    String url = a.get("url");
    int writers = Integer.parseInt(a.getOrDefault("writers", "4"));
    Duration phase = Duration.ofSeconds(Long.parseLong(a.getOrDefault("seconds", "20")));
    boolean raw = Boolean.parseBoolean(a.getOrDefault("raw", "true"));
    boolean others = Boolean.parseBoolean(a.getOrDefault("others", "true"));
    Integer parallelism =
        a.containsKey("parallelism") ? Integer.valueOf(a.get("parallelism")) : null;
    int rawParallelism =
        Integer.parseInt(a.getOrDefault("rawParallelism", String.valueOf(writers)));
    if (rawParallelism < 1) {
      throw new IllegalArgumentException(
          "rawParallelism " + rawParallelism + " must be at least 1");
    }
    if (url != null && url.startsWith("jdbc:postgresql:")) {
      probeUrl = url;
      probeUser = a.getOrDefault("user", "postgres");
      url += (url.contains("?") ? "&" : "?") + "ApplicationName=" + APPLICATION;
    }
    System.out.printf(
        Locale.ROOT,
        "Load harness: %d writers, %d s per phase, %d cores, load average %s%n",
        writers,
        phase.toSeconds(),
        Runtime.getRuntime().availableProcessors(),
        loadAverage());
    try (DemoParts parts = DemoParts.open(url, a.get("user"))) {
      System.out.println(
          "Database: " + parts.storeName() + ", tables " + parts.tablePrefix() + "*");
      double rawRate = 0;
      if (raw) {
        rawRate = rawPhase(parts, writers, rawParallelism, phase);
      }
      double tallyRate = tallyPhase(parts, writers, phase, others, parallelism);
      if (raw) {
        System.out.printf(
            Locale.ROOT, "Tally / raw (connection events/s): %.2f%n", tallyRate / rawRate);
      }
    }
  }

  /** The raw strategy: each writer upserts its own coalesced batches on its own connection. */
  private static double rawPhase(DemoParts parts, int writers, int parallelism, Duration phase)
      throws Exception {
    ConnectionLogStore store =
        parts.storeName().equals("postgres")
            ? new PostgresConnectionLogStore(
                parts.dataSource(), PostgresSchema.withTablePrefix(parts.tablePrefix()))
            : new H2ConnectionLogStore(
                parts.dataSource(), H2Schema.withTablePrefix(parts.tablePrefix()));
    String table =
        store instanceof PostgresConnectionLogStore
            ? ((PostgresConnectionLogStore) store).table()
            : ((H2ConnectionLogStore) store).table();
    if (store instanceof PostgresConnectionLogStore) {
      ((PostgresConnectionLogStore) store).migrate();
    } else {
      ((H2ConnectionLogStore) store).migrate();
    }
    int batchSize = TallyConfig.DEFAULT_BATCH_SIZE;
    Semaphore connections = new Semaphore(parallelism);
    Result r =
        drive(
            parts,
            writers,
            phase,
            null,
            i -> {
              List<ConnectionEvent> batch = new ArrayList<>(batchSize);
              return e -> {
                batch.add(e);
                if (batch.size() == batchSize) {
                  List<ConnectionEvent> coalesced = ConnectionEvents.coalesceForStore(batch);
                  batch.clear();
                  connections.acquireUninterruptibly();
                  try {
                    store.upsertBatch(coalesced);
                  } finally {
                    connections.release();
                  }
                }
              };
            });
    r.print(
        "raw: store.upsertBatch of "
            + batchSize
            + "-event batches per writer, at most "
            + parallelism
            + " at once (parallelism "
            + parallelism
            + ")");
    try (Connection c = parts.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("TRUNCATE TABLE " + table); // Tally's phase starts from an empty table as well
    }
    return r.eventsPerSecond;
  }

  private static double tallyPhase(
      DemoParts parts, int writers, Duration phase, boolean others, Integer parallelism)
      throws Exception {
    Map<String, DemoParts.Latencies> flushLatency = new HashMap<>();
    FlushListener listener =
        (component, result) -> {
          if (result.outcome() == FlushResult.Outcome.SUCCESS && result.rows() > 0) {
            synchronized (flushLatency) {
              flushLatency
                  .computeIfAbsent(component, k -> new DemoParts.Latencies())
                  .record(result.duration().toNanos());
            }
          }
        };
    TallyConfig.Builder builder =
        TallyConfig.builder()
            .store(parts.storeName())
            .tablePrefix(parts.tablePrefix())
            .replicaId(new UUID(0x10adL, 1))
            .backends("db");
    if (parallelism != null) {
      builder.batchParallelism(parallelism);
    }
    TallyConfig config = builder.build();
    Tally tally =
        Tally.start(
            TallyModule.builder(config).storeProvider(parts.storeProvider()).build(),
            TallyModule.flushListener(listener));
    Result r;
    List<ComponentStats> stats;
    try {
      r = drive(parts, writers, phase, others ? tally : null, i -> tally.connectionLog()::write);
      long drainStart = CLOCK.nanoTime();
      tally.close();
      double drain = (CLOCK.nanoTime() - drainStart) / 1e9;
      stats = tally.stats();
      long rows = 0;
      for (ComponentStats s : stats) {
        if (s.component().contains("connection")) {
          rows = s.flushedRows();
        }
      }
      r.print(
          "Tally "
              + config.store()
              + ": all three components through Tally.start (tally.batch.parallelism "
              + config.batchParallelism()
              + ")");
      System.out.printf(
          Locale.ROOT,
          "  connection-log rows written: %,d (%,.0f rows/s including the %.1f s close)%n",
          rows,
          rows / (r.seconds + drain),
          drain);
      synchronized (flushLatency) {
        flushLatency.forEach(
            (component, l) -> {
              long[] p = DemoParts.Latencies.percentiles(List.of(l), 0.5, 0.99);
              System.out.printf(
                  Locale.ROOT,
                  "  flush latency %-16s p50 %6.1f ms  p99 %6.1f ms%n",
                  component,
                  p[0] / 1e6,
                  p[1] / 1e6);
            });
      }
      for (ComponentStats s : stats) {
        System.out.println("  " + s);
      }
    } finally {
      tally.close();
    }
    for (LoadWriter w : r.writers) {
      w.recordInto(parts);
    }
    for (String line : parts.verify()) {
      System.out.println("  " + line);
    }
    return r.eventsPerSecond;
  }

  /** Runs the writers for {@code phase} and measures them. */
  private static Result drive(
      DemoParts parts,
      int writers,
      Duration phase,
      Tally tally,
      Function<Integer, Consumer<ConnectionEvent>> sinks)
      throws InterruptedException {
    long heapStart = CpuProbe.heapAfterGcMib();
    Map<String, Long> threadsStart = CpuProbe.tallyThreads();
    Map<Integer, Long> backendsStart = CpuProbe.backends(probeUrl, probeUser, application(parts));
    String loadStart = loadAverage();
    long start = CLOCK.nanoTime();
    long deadline = start + phase.toNanos();
    List<LoadWriter> all = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      LoadWriter w = new LoadWriter(i, CLOCK, deadline, sinks.apply(i), tally);
      all.add(w);
      Thread t = new Thread(w, "load-writer-" + i);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    Result r = new Result(all, (CLOCK.nanoTime() - start) / 1e9);
    r.load = loadStart + " -> " + loadAverage();
    r.tallyCpu = CpuProbe.grown(threadsStart, CpuProbe.tallyThreads());
    r.perThread = CpuProbe.tallyThreads();
    Map<Integer, Long> backendsEnd = CpuProbe.backends(probeUrl, probeUser, application(parts));
    r.backendCpu = CpuProbe.grown(backendsStart, backendsEnd);
    r.backends = backendsStart.size() + " -> " + backendsEnd.size();
    r.heap = heapStart + " MiB -> " + CpuProbe.heapAfterGcMib() + " MiB";
    return r;
  }

  private static String application(DemoParts parts) {
    return parts.storeName().equals("postgres") ? APPLICATION : null;
  }

  private static String loadAverage() {
    double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    return String.format(Locale.ROOT, "%.2f", load);
  }

  /** What one phase measured. */
  private static final class Result {
    final List<LoadWriter> writers;
    final double seconds;
    final double eventsPerSecond;
    final long events;
    final long calls;
    String load;
    long tallyCpu;
    long backendCpu;
    String backends;
    Map<String, Long> perThread;
    String heap;

    Result(List<LoadWriter> writers, double seconds) {
      this.writers = writers;
      this.seconds = seconds;
      long e = 0;
      long c = 0;
      for (LoadWriter w : writers) {
        if (w.failure != null) {
          throw new IllegalStateException("writer failed", w.failure);
        }
        e += w.events;
        c += w.otherCalls;
      }
      this.events = e;
      this.calls = c;
      this.eventsPerSecond = e / seconds;
    }

    void print(String what) {
      System.out.println(what);
      System.out.printf(
          Locale.ROOT,
          "  %,d connection events in %.1f s: %,.0f events/s (+ %,.0f markUsed/track calls/s); load average %s%n",
          events,
          seconds,
          eventsPerSecond,
          calls / seconds,
          load);
      System.out.printf(
          Locale.ROOT,
          "  CPU: database backends (%s) %.1f s (%.0f%% of a core), tally-* threads %.1f s; heap after GC %s%n",
          backends,
          backendCpu / 1e9,
          backendCpu / 1e9 / seconds * 100,
          tallyCpu / 1e9,
          heap);
      perThread.forEach(
          (name, ns) ->
              System.out.printf(
                  Locale.ROOT, "    %-32s %.2f s (since it started)%n", name, ns / 1e9));
      latency("write", w -> w.writeLatency);
      if (calls > 0) {
        latency("markUsed", w -> w.markUsedLatency);
        latency("track", w -> w.trackLatency);
      }
    }

    private void latency(String call, Function<LoadWriter, DemoParts.Latencies> of) {
      List<DemoParts.Latencies> l = new ArrayList<>();
      writers.forEach(w -> l.add(of.apply(w)));
      long[] p = DemoParts.Latencies.percentiles(l, 0.5, 0.99, 0.999);
      System.out.printf(
          Locale.ROOT,
          "  %-9s latency p50 %,8d ns  p99 %,10d ns  p99.9 %,11d ns%n",
          call,
          p[0],
          p[1],
          p[2]);
    }
  }
}
