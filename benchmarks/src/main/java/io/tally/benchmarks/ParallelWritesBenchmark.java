package io.tally.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.batch.Batcher;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.store.postgres.PostgresConnectionLogStore;
import io.tally.store.postgres.PostgresSchema;
import io.tally.testkit.ConnectionLogStoreContract;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The connection log's batcher on PostgreSQL with {@code parallelism} 1, 2, … in alternating runs:
 * {@code writers} threads write connect/disconnect events (each disconnect closes a session opened
 * 2,000 events earlier by the same thread, so most disconnects update a row written in an earlier
 * batch) for {@code seconds}, then the batcher is closed. Prints events/s accepted, rows/s written,
 * and the CPU of the batcher's I/O threads as a share of the time its store calls took (the
 * client-side part of a call: coalescing, sorting and encoding the batch, decoding the reply, which
 * is what overlapping preparation could hide). A {@code main}, not part of {@code mvn verify}.
 *
 * <pre>
 * java -cp "$(cat /tmp/cp.txt):benchmarks/target/classes" io.tally.benchmarks.ParallelWritesBenchmark \
 *   jdbc:postgresql://127.0.0.1:5432/test postgres 20 4 1,2,1,2
 * </pre>
 */
public final class ParallelWritesBenchmark {
  private ParallelWritesBenchmark() {}

  /**
   * Runs the comparison.
   *
   * @param args JDBC URL, user, seconds per run, writer threads, parallelism of each run
   *     (comma-separated)
   * @throws Exception on a database failure
   */
  public static void main(String[] args) throws Exception {
    String url = args.length > 0 ? args[0] : "jdbc:postgresql://127.0.0.1:5432/test";
    String user = args.length > 1 ? args[1] : "postgres";
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    int writers = args.length > 3 ? Integer.parseInt(args[3]) : 4;
    String[] runs = (args.length > 4 ? args[4] : "1,2,1,2").split(",");
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setMaximumPoolSize(8);
    config.setConnectionInitSql("SET search_path TO tally_bench_par");
    try (HikariDataSource ds = new HikariDataSource(config)) {
      exec(ds, "DROP SCHEMA IF EXISTS tally_bench_par CASCADE");
      exec(ds, "CREATE SCHEMA tally_bench_par");
      PostgresConnectionLogStore store =
          new PostgresConnectionLogStore(ds, PostgresSchema.withTablePrefix("par_"));
      store.migrate();
      for (String run : runs) {
        exec(ds, "TRUNCATE " + store.table());
        exec(ds, "CHECKPOINT");
        run(store, Integer.parseInt(run.trim()), writers, Duration.ofSeconds(seconds));
      }
      exec(ds, "DROP SCHEMA tally_bench_par CASCADE");
    }
  }

  private static void exec(HikariDataSource ds, String sql) throws Exception {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static void run(
      PostgresConnectionLogStore store, int parallelism, int writers, Duration length)
      throws Exception {
    Clock real = Clock.system();
    AtomicLong callNanos = new AtomicLong();
    Batcher<ConnectionEvent> batcher =
        Batcher.builder(store)
            .coalescing(ConnectionEvents.coalescing())
            .parallelism(parallelism)
            .flushInterval(Duration.ofSeconds(1))
            .writeTimeout(Duration.ofSeconds(60))
            .flushListener((name, r) -> callNanos.addAndGet(r.duration().toNanos()))
            .name("bench")
            .build();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch done = new CountDownLatch(writers);
    for (int w = 0; w < writers; w++) {
      Thread t =
          new Thread(
              () -> {
                try {
                  write(batcher, stop);
                } finally {
                  done.countDown();
                }
              },
              "writer-" + w);
      t.setDaemon(true);
      t.start();
    }
    long start = real.nanoTime();
    double load0 = loadAverage();
    new CountDownLatch(1).await(length.toMillis(), TimeUnit.MILLISECONDS); // the run's length
    ComponentStats atEnd = batcher.stats();
    long window = real.nanoTime() - start;
    long ioCpu = cpuOf("tally-bench-io-");
    long workerCpu = cpuOf("tally-bench-") - ioCpu;
    stop.set(true);
    done.await();
    batcher.close();
    ComponentStats closed = batcher.stats();
    double secs = window / 1e9;
    System.out.printf(
        Locale.ROOT,
        "parallelism %d: %9.0f events/s accepted, %9.0f rows/s written, %6d calls, io-thread CPU"
            + " %4.1f%% of store-call time, worker CPU %5.1f s, load %.1f; after close: %s%n",
        parallelism,
        atEnd.accepted() / secs,
        atEnd.flushedRows() / secs,
        atEnd.flushes(),
        100.0 * ioCpu / Math.max(1, callNanos.get()),
        workerCpu / 1e9,
        load0,
        closed);
  }

  private static void write(Batcher<ConnectionEvent> batcher, AtomicBoolean stop) {
    int ring = 2_000;
    ConnectionEvent.Builder[] open = new ConnectionEvent.Builder[ring];
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    for (long i = 0; !stop.get(); i++) {
      int slot = (int) (i % ring);
      if ((i & 1023) == 0) {
        now = now.plusMillis(1);
      }
      if (open[slot] != null) {
        batcher.write(open[slot].disconnectReason("closed").code(0).disconnect(now));
      }
      ConnectionEvent.Builder s = ConnectionLogStoreContract.session();
      batcher.write(s.connect(now));
      open[slot] = s;
    }
  }

  /** CPU nanos of the live threads whose name starts with {@code prefix}. */
  private static long cpuOf(String prefix) {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith(prefix)) {
        long cpu = mx.getThreadCpuTime(t.getId());
        sum += Math.max(0, cpu);
      }
    }
    return sum;
  }

  private static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (Exception e) {
      return -1;
    }
  }
}
