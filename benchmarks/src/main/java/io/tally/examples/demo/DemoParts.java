package io.tally.examples.demo;

import io.tally.core.spi.StoreProvider;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The demo's database set-up, ground truth and verification, opened to the load harness (in the
 * {@code benchmarks} module, which reuses them instead of copying them; the demo keeps them
 * package-private). Not part of any published API.
 */
public final class DemoParts implements AutoCloseable {
  private final DemoDatabase db;
  private final GroundTruth truth = new GroundTruth();

  private DemoParts(DemoDatabase db) {
    this.db = db;
  }

  /**
   * Opens the database as the demo does: a fresh H2 file when {@code jdbcUrl} is null, else the
   * given database with tables of a random prefix, dropped by {@link #close()}.
   *
   * @param jdbcUrl the database, or null
   * @param user the user, or null for the demo's default
   * @return the parts
   * @throws Exception if the options are invalid or the database cannot be opened
   */
  public static DemoParts open(String jdbcUrl, String user) throws Exception {
    List<String> args = new ArrayList<>();
    if (jdbcUrl != null) {
      args.add("--jdbc-url");
      args.add(jdbcUrl);
    }
    if (user != null) {
      args.add("--jdbc-user");
      args.add(user);
    }
    return new DemoParts(DemoDatabase.open(DemoOptions.parse(args.toArray(new String[0]))));
  }

  /**
   * Returns the store's name.
   *
   * @return "postgres" or "h2"
   */
  public String storeName() {
    return db.storeName;
  }

  /**
   * Returns the table prefix of this run.
   *
   * @return the prefix
   */
  public String tablePrefix() {
    return db.tablePrefix;
  }

  /**
   * Returns the pooled data source.
   *
   * @return the data source
   */
  public DataSource dataSource() {
    return db.dataSource();
  }

  /**
   * Returns a store provider writing through the pool.
   *
   * @return the provider
   */
  public StoreProvider storeProvider() {
    return db.storeProvider(db.dataSource());
  }

  /**
   * Records one session as the connection log must hold it.
   *
   * @param connectionId the session's connection id
   * @param workspaceId its workspace
   * @param agentName its agent
   * @param connect its connect time
   * @param disconnect its disconnect time, or null
   */
  public void session(
      UUID connectionId, UUID workspaceId, String agentName, Instant connect, Instant disconnect) {
    GroundTruth.Session s = new GroundTruth.Session(connectionId, workspaceId, agentName);
    s.connectTime = connect;
    s.disconnectTime = disconnect;
    truth.sessions.put(connectionId, s);
  }

  /**
   * Records a workspace's latest use.
   *
   * @param workspaceId the workspace
   * @param at the latest time it was marked with
   */
  public void lastUsed(UUID workspaceId, Instant at) {
    truth.lastUsed.merge(workspaceId, at, (a, b) -> a.isAfter(b) ? a : b);
  }

  /**
   * Reads the database back and compares it with what was recorded.
   *
   * @return one line per check ("ok" or "FAILED" first), the connection log first
   * @throws SQLException if reading fails
   */
  public List<String> verify() throws SQLException {
    Verifier v = new Verifier(db.dataSource(), db.tablePrefix);
    List<String> lines = new ArrayList<>();
    for (Verifier.Check c : List.of(v.connectionLog(truth), v.lastUsed(truth))) {
      lines.add(
          (c.ok() ? "ok     " : "FAILED ")
              + c.name
              + ": expected "
              + c.expected
              + ", found "
              + c.found
              + ", lost "
              + c.lost
              + ", duplicated "
              + c.duplicated
              + ", mismatched "
              + c.mismatched
              + (c.examples.isEmpty() ? "" : " e.g. " + c.examples));
    }
    return lines;
  }

  /** The demo's latency sample (the newest {@code 2^16} values), for one thread. */
  public static final class Latencies {
    private final LatencyRecorder recorder = new LatencyRecorder();

    /** Creates an empty sample. */
    public Latencies() {}

    /**
     * Records one latency.
     *
     * @param nanos the latency in nanoseconds
     */
    public void record(long nanos) {
      recorder.record(nanos);
    }

    /**
     * Returns percentiles over several samples.
     *
     * @param all the samples
     * @param quantiles e.g. 0.5, 0.99
     * @return the latencies at those quantiles, in nanoseconds
     */
    public static long[] percentiles(List<Latencies> all, double... quantiles) {
      List<LatencyRecorder> recorders = new ArrayList<>();
      for (Latencies l : all) {
        recorders.add(l.recorder);
      }
      return LatencyRecorder.percentiles(recorders, quantiles);
    }
  }

  /** Drops the run's tables (or the temporary H2 database) and closes the pool. */
  @Override
  public void close() throws SQLException, IOException {
    db.close();
  }
}
