package io.tally.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.tally.core.Clock;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.store.postgres.PostgresConnectionLogStore;
import io.tally.store.postgres.PostgresSchema;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Storage settings of the PostgreSQL connection-log table, measured side by side: fillfactor (room
 * left in each page so that a disconnect's update can stay on the page: a HOT update, which touches
 * no index) and an extra index on {@code (workspace_id, connect_time)}. Every variant is the
 * shipped table (three indexes: primary key, partial unique session key, btree on {@code
 * connect_time}) with one change; batches of the {@link ConnectionLogUpsertBenchmark} workload
 * (half connects of new sessions, half disconnects of the previous batch's) go to the variants in
 * turn, so noise hits all of them alike. Prints ms per batch (median and mean), the share of HOT
 * updates and the table's and indexes' sizes. A {@code main}, never run by {@code mvn verify}.
 */
public final class ConnectionLogStorageBenchmark {
  private ConnectionLogStorageBenchmark() {}

  /** One table layout. */
  private record Variant(String name, String prefix, int fillfactor, boolean workspaceIndex) {}

  /**
   * Runs the comparison.
   *
   * @param args jdbcUrl, user, batches, batchSize (all optional)
   * @throws Exception if the database fails
   */
  public static void main(String[] args) throws Exception {
    String url = args.length > 0 ? args[0] : "jdbc:postgresql://127.0.0.1:5432/test";
    String user = args.length > 1 ? args[1] : "postgres";
    int batches = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    int batchSize = args.length > 3 ? Integer.parseInt(args[3]) : 1000;
    List<Variant> variants =
        List.of(
            new Variant("fillfactor 100 (shipped V2)", "ff100_", 100, false),
            new Variant("fillfactor 90", "ff90_", 90, false),
            new Variant("fillfactor 80", "ff80_", 80, false),
            new Variant("fillfactor 70", "ff70_", 70, false),
            new Variant("fillfactor 60", "ff60_", 60, false),
            new Variant("fillfactor 50", "ff50_", 50, false),
            new Variant("fillfactor 80 + (workspace_id, connect_time)", "ff80ws_", 80, true));
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setMaximumPoolSize(2);
    config.setConnectionInitSql("SET search_path TO tally_storage_bench");
    try (HikariDataSource ds = new HikariDataSource(config)) {
      exec(ds, "DROP SCHEMA IF EXISTS tally_storage_bench CASCADE");
      exec(ds, "CREATE SCHEMA tally_storage_bench");
      List<PostgresConnectionLogStore> stores = new ArrayList<>();
      List<ConnectionLogUpsertBenchmark.Workload> loads = new ArrayList<>();
      for (Variant v : variants) {
        PostgresConnectionLogStore s =
            new PostgresConnectionLogStore(ds, PostgresSchema.withTablePrefix(v.prefix()));
        s.migrate();
        exec(ds, "ALTER TABLE " + s.table() + " SET (fillfactor = " + v.fillfactor() + ")");
        if (v.workspaceIndex()) {
          exec(ds, "CREATE INDEX ON " + s.table() + " (workspace_id, connect_time DESC)");
        }
        stores.add(s);
        loads.add(new ConnectionLogUpsertBenchmark.Workload(batchSize));
      }
      Clock real = Clock.system();
      int warmup = Math.max(5, batches / 10);
      long[][] nanos = new long[variants.size()][batches];
      for (int i = -warmup; i < batches; i++) {
        for (int k = 0; k < variants.size(); k++) {
          int v = Math.floorMod(i + k, variants.size()); // rotate who goes first
          List<ConnectionEvent> batch = loads.get(v).next();
          long t0 = real.nanoTime();
          stores.get(v).upsertBatch(batch);
          if (i >= 0) {
            nanos[v][i] = real.nanoTime() - t0;
          }
        }
      }
      System.out.printf(
          Locale.ROOT,
          "%d batches x %d events per variant (+%d warm-up), alternating%n",
          batches,
          batchSize,
          warmup);
      for (int v = 0; v < variants.size(); v++) {
        long[] n = nanos[v].clone();
        Arrays.sort(n);
        double mean = Arrays.stream(n).average().orElse(0) / 1e6;
        System.out.printf(
            Locale.ROOT,
            "%-46s median %6.2f ms, mean %6.2f ms/batch; %s%n",
            variants.get(v).name(),
            n[n.length / 2] / 1e6,
            mean,
            tableFigures(ds, stores.get(v).table()));
      }
      exec(ds, "DROP SCHEMA tally_storage_bench CASCADE");
    }
  }

  private static String tableFigures(HikariDataSource ds, String table) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT n_tup_upd, n_tup_hot_upd, pg_relation_size(relid), pg_indexes_size(relid)"
                    + " FROM pg_stat_user_tables WHERE relid = '"
                    + table
                    + "'::regclass")) {
      rs.next();
      long upd = rs.getLong(1);
      long hot = rs.getLong(2);
      return String.format(
          Locale.ROOT,
          "HOT %5.1f%% of %,d updates; heap %,d kB, indexes %,d kB",
          upd == 0 ? 0 : 100.0 * hot / upd,
          upd,
          rs.getLong(3) >> 10,
          rs.getLong(4) >> 10);
    }
  }

  private static void exec(HikariDataSource ds, String sql) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
