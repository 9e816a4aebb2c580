package io.tally.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.tally.core.Clock;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.connectionlog.ConnectionType;
import io.tally.store.postgres.PostgresConnectionLogStore;
import io.tally.store.postgres.PostgresSchema;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Compares two ways to upsert a connection-log batch on PostgreSQL: the shipped store (one
 * statement, array parameters with {@code unnest}) against {@code COPY} into a temporary staging
 * table followed by one {@code INSERT … SELECT … ON CONFLICT} (same upsert rules).
 *
 * <p>A plain timing harness, not JMH (the cost measured is a database round trip of several
 * milliseconds, far above JIT noise), so it is run by hand and never by {@code mvn verify}:
 *
 * <pre>
 * java -cp ... io.tally.benchmarks.ConnectionLogUpsertBenchmark [jdbcUrl] [user] [batches] [batchSize]
 * </pre>
 *
 * Each batch holds {@code batchSize} events: half connects of new sessions (inserts), half
 * disconnects of sessions connected in the previous batch (updates). Both variants run alternately
 * on their own tables in schema {@code tally_bench}, after a warm-up.
 */
public final class ConnectionLogUpsertBenchmark {
  private static final String COLUMNS =
      "id, connect_time, organization_id, workspace_owner_id, workspace_id, workspace_name,"
          + " agent_name, type, code, ip, user_agent, user_id, slug_or_port, connection_id,"
          + " disconnect_time, disconnect_reason";

  private ConnectionLogUpsertBenchmark() {}

  /**
   * Runs the comparison and prints the figures.
   *
   * @param args jdbcUrl, user, batches, batchSize (all optional)
   * @throws Exception if the database fails
   */
  public static void main(String[] args) throws Exception {
    String url = args.length > 0 ? args[0] : "jdbc:postgresql://127.0.0.1:5432/test";
    String user = args.length > 1 ? args[1] : "postgres";
    int batches = args.length > 2 ? Integer.parseInt(args[2]) : 60;
    int batchSize = args.length > 3 ? Integer.parseInt(args[3]) : 1000;
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setMaximumPoolSize(2);
    config.setConnectionInitSql("SET search_path TO tally_bench");
    try (HikariDataSource ds = new HikariDataSource(config)) {
      try (Connection c = ds.getConnection();
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS tally_bench CASCADE");
        s.execute("CREATE SCHEMA tally_bench");
      }
      PostgresConnectionLogStore unnest =
          new PostgresConnectionLogStore(ds, PostgresSchema.withTablePrefix("unnest_"));
      unnest.migrate();
      PostgresConnectionLogStore copyTarget =
          new PostgresConnectionLogStore(ds, PostgresSchema.withTablePrefix("copy_"));
      copyTarget.migrate();
      CopyUpsert copy = new CopyUpsert(ds, copyTarget.table());

      Workload a = new Workload(batchSize);
      Workload b = new Workload(batchSize);
      int warmup = Math.max(5, batches / 5);
      for (int i = 0; i < warmup; i++) {
        unnest.upsertBatch(a.next());
        copy.upsertBatch(b.next());
      }
      Clock real = Clock.system();
      long unnestNanos = 0;
      long copyNanos = 0;
      for (int i = 0; i < batches; i++) {
        List<ConnectionEvent> x = a.next();
        long t0 = real.nanoTime();
        unnest.upsertBatch(x);
        long t1 = real.nanoTime();
        copy.upsertBatch(b.next());
        long t2 = real.nanoTime();
        unnestNanos += t1 - t0;
        copyNanos += t2 - t1;
      }
      report("unnest (1 statement)", batches, batchSize, unnestNanos);
      report("COPY + INSERT…SELECT", batches, batchSize, copyNanos);
      try (Connection c = ds.getConnection();
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA tally_bench CASCADE");
      }
    }
  }

  private static void report(String what, int batches, int batchSize, long nanos) {
    double msPerBatch = nanos / 1e6 / batches;
    double rowsPerSecond = (double) batches * batchSize / (nanos / 1e9);
    System.out.printf(
        Locale.ROOT,
        "%-22s %4d batches x %5d events: %7.2f ms/batch, %9.0f events/s%n",
        what,
        batches,
        batchSize,
        msPerBatch,
        rowsPerSecond);
  }

  /** Half new connects, half disconnects of the previous batch's sessions. */
  static final class Workload {
    private final int batchSize;
    private final UUID org = UUID.randomUUID();
    private List<ConnectionEvent.Builder> open = new ArrayList<>();
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    Workload(int batchSize) {
      this.batchSize = batchSize;
    }

    List<ConnectionEvent> next() {
      List<ConnectionEvent> batch = new ArrayList<>(batchSize);
      List<ConnectionEvent.Builder> opened = new ArrayList<>();
      now = now.plusSeconds(1);
      for (ConnectionEvent.Builder s : open) {
        batch.add(s.disconnectReason("closed").code(0).disconnect(now));
      }
      while (batch.size() < batchSize) {
        ConnectionEvent.Builder s =
            ConnectionEvent.builder()
                .organizationId(org)
                .workspaceOwnerId(org)
                .workspaceId(UUID.randomUUID())
                .workspaceName("ws")
                .agentName("main")
                .type(ConnectionType.SSH)
                .ip("10.0.0.1")
                .userAgent("OpenSSH_9.6")
                .userId(UUID.randomUUID())
                .connectionId(UUID.randomUUID());
        batch.add(s.connect(now));
        opened.add(s);
      }
      open = opened.size() > batchSize / 2 ? opened.subList(0, batchSize / 2) : opened;
      return batch;
    }
  }

  /** COPY into a temporary staging table, then one INSERT … SELECT with the same rules. */
  private static final class CopyUpsert {
    private final javax.sql.DataSource ds;
    private final String table;
    private final String upsert;

    CopyUpsert(javax.sql.DataSource ds, String table) {
      this.ds = ds;
      this.table = table;
      String newer =
          "EXCLUDED.disconnect_time IS NOT NULL AND (r.disconnect_time IS NULL"
              + " OR EXCLUDED.disconnect_time > r.disconnect_time)";
      this.upsert =
          "WITH keyed AS (INSERT INTO "
              + table
              + " AS r ("
              + COLUMNS
              + ") SELECT "
              + COLUMNS
              + " FROM staging WHERE connection_id IS NOT NULL"
              + " ON CONFLICT (connection_id, workspace_id, agent_name) WHERE connection_id IS NOT NULL"
              + " DO UPDATE SET connect_time = LEAST(r.connect_time, EXCLUDED.connect_time),"
              + " disconnect_reason = CASE WHEN "
              + newer
              + " THEN EXCLUDED.disconnect_reason ELSE r.disconnect_reason END,"
              + " code = CASE WHEN "
              + newer
              + " THEN EXCLUDED.code ELSE r.code END,"
              + " disconnect_time = GREATEST(r.disconnect_time, EXCLUDED.disconnect_time)"
              + " WHERE EXCLUDED.connect_time < r.connect_time OR ("
              + newer
              + ") RETURNING 1)"
              + " INSERT INTO "
              + table
              + " ("
              + COLUMNS
              + ") SELECT "
              + COLUMNS
              + " FROM staging WHERE connection_id IS NULL ON CONFLICT (id) DO NOTHING";
    }

    void upsertBatch(List<ConnectionEvent> batch) throws SQLException, java.io.IOException {
      List<ConnectionEvent> rows = ConnectionEvents.coalesceForStore(batch);
      StringBuilder csv = new StringBuilder(rows.size() * 300);
      for (ConnectionEvent e : rows) {
        csv.append(e.id())
            .append(',')
            .append(e.connectTime())
            .append(',')
            .append(e.organizationId())
            .append(',')
            .append(e.workspaceOwnerId())
            .append(',')
            .append(e.workspaceId())
            .append(',')
            .append(quote(e.workspaceName()))
            .append(',')
            .append(quote(e.agentName()))
            .append(',')
            .append(e.typeName())
            .append(',')
            .append(e.code() == null ? "" : e.code().toString())
            .append(',')
            .append(e.ip() == null ? "" : e.ip())
            .append(',')
            .append(quote(e.userAgent()))
            .append(',')
            .append(e.userId() == null ? "" : e.userId().toString())
            .append(',')
            .append(quote(e.slugOrPort()))
            .append(',')
            .append(e.connectionId() == null ? "" : e.connectionId().toString())
            .append(',')
            .append(e.disconnectTime() == null ? "" : e.disconnectTime().toString())
            .append(',')
            .append(quote(e.disconnectReason()))
            .append('\n');
      }
      try (Connection c = ds.getConnection()) {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
          s.execute(
              "CREATE TEMP TABLE IF NOT EXISTS staging (LIKE " + table + ") ON COMMIT DELETE ROWS");
          CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
          copy.copyIn(
              "COPY staging (" + COLUMNS + ") FROM STDIN (FORMAT csv)",
              new StringReader(csv.toString()));
          s.execute(upsert);
          c.commit();
        } finally {
          c.setAutoCommit(true);
        }
      }
    }

    private static String quote(String s) {
      return s == null ? "" : '"' + s.replace("\"", "\"\"") + '"';
    }
  }
}
