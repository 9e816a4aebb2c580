package io.tally.examples.demo;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.tally.core.spi.StoreProvider;
import io.tally.store.h2.H2StoreProvider;
import io.tally.store.postgres.PostgresStoreProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * The database the demo's replicas share: by default a fresh H2 file database in a temporary
 * folder, deleted afterwards; with {@code --jdbc-url}, the given database, where the demo's tables
 * get a prefix of their own ({@code demo_<random>_}) and are dropped afterwards.
 */
final class DemoDatabase implements AutoCloseable {
  final String storeName;
  final String tablePrefix;
  final String description;
  private final DataSource dataSource;
  private final AutoCloseable pool;
  private final Path tempDir; // null unless the demo created the database
  private final boolean dropTables;

  private DemoDatabase(
      String storeName,
      String tablePrefix,
      String description,
      DataSource dataSource,
      AutoCloseable pool,
      Path tempDir,
      boolean dropTables) {
    this.storeName = storeName;
    this.tablePrefix = tablePrefix;
    this.description = description;
    this.dataSource = dataSource;
    this.pool = pool;
    this.tempDir = tempDir;
    this.dropTables = dropTables;
  }

  static DemoDatabase open(DemoOptions o) throws IOException {
    String runPrefix = "demo_" + UUID.randomUUID().toString().substring(0, 8) + "_";
    if (o.jdbcUrl == null) {
      Path dir = Files.createTempDirectory("tally-demo-");
      JdbcConnectionPool pool =
          // async: H2's interrupt-safe file channel. Tally interrupts a store call that exceeds
          // its timeout; with the default NIO channel an interrupt closes the whole database.
          JdbcConnectionPool.create("jdbc:h2:async:" + dir.resolve("tally"), "sa", "");
      pool.setMaxConnections(32);
      return new DemoDatabase(
          "h2", "tally_", "H2 (embedded file in " + dir + ")", pool, pool::dispose, dir, false);
    }
    if (o.isPostgres()) {
      HikariConfig hc = new HikariConfig();
      hc.setJdbcUrl(o.jdbcUrl);
      hc.setUsername(o.jdbcUser != null ? o.jdbcUser : "postgres");
      if (o.jdbcPassword != null) {
        hc.setPassword(o.jdbcPassword);
      }
      hc.setMaximumPoolSize(16);
      hc.setPoolName("tally-demo");
      HikariDataSource pool = new HikariDataSource(hc);
      return new DemoDatabase(
          "postgres", runPrefix, "PostgreSQL (tables " + runPrefix + "*)", pool, pool, null, true);
    }
    JdbcConnectionPool pool =
        JdbcConnectionPool.create(
            o.jdbcUrl,
            o.jdbcUser != null ? o.jdbcUser : "sa",
            o.jdbcPassword != null ? o.jdbcPassword : "");
    pool.setMaxConnections(32);
    return new DemoDatabase(
        "h2", runPrefix, "H2 (tables " + runPrefix + "*)", pool, pool::dispose, null, true);
  }

  /**
   * @return the real data source, for reading results back
   */
  DataSource dataSource() {
    return dataSource;
  }

  /**
   * @param through the data source the replicas use (the outage switch in front of the real one)
   * @return a store provider that uses it, winning over the discovered one of the same name
   */
  StoreProvider storeProvider(DataSource through) {
    return storeName.equals("postgres")
        ? new PostgresStoreProvider(through)
        : new H2StoreProvider(through);
  }

  @Override
  public void close() throws SQLException, IOException {
    try {
      if (dropTables) {
        dropDemoTables();
      }
    } finally {
      closePool();
      if (tempDir != null) {
        deleteRecursively(tempDir);
      }
    }
  }

  private void closePool() {
    try {
      pool.close();
    } catch (Exception e) {
      throw new IllegalStateException("closing the demo's connection pool failed", e);
    }
  }

  private void dropDemoTables() throws SQLException {
    List<String> tables = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      try (ResultSet rs =
          s.executeQuery(
              "SELECT table_name FROM information_schema.tables WHERE LOWER(table_name) LIKE '"
                  + tablePrefix.replace("_", "\\_")
                  + "%'")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      for (String table : tables) {
        // names come from the catalogue and match the validated prefix
        s.execute("DROP TABLE IF EXISTS " + table.toLowerCase(Locale.ROOT) + " CASCADE");
      }
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
