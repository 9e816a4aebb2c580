package io.tally.store.mariadb;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.tally.core.TallyConfig;
import io.tally.core.spi.Stores;
import io.tally.jdbc.GuardedDataSource;
import io.tally.jdbc.HikariPools;
import io.tally.jdbc.JdbcStoreProvider;
import io.tally.jdbc.JdbcUrls;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The {@code mariadb} store provider: the MariaDB/MySQL stores over a HikariCP pool named {@code
 * tally} on {@code tally.jdbc.url} ({@code jdbc:mariadb:}, or {@code jdbc:mysql:}, to which {@code
 * permitMysqlScheme} is added so that the MariaDB driver takes it), with {@code tally.jdbc.user},
 * {@code tally.jdbc.password} and at most {@code tally.jdbc.pool-size} connections. Chosen from the
 * URL when {@code tally.store} is not set. Every connection is bounded by {@code
 * tally.jdbc.network-timeout} (the driver's {@code socketTimeout} and {@link GuardedDataSource}); a
 * session waits for a row lock at most the longest flush timeout ({@code
 * innodb_lock_wait_timeout}). Constructed with a {@link DataSource}, it uses that and leaves it
 * open. Closing the stores closes the pool.
 */
public final class MariaDbStoreProvider extends JdbcStoreProvider {
  /** The provider's name: {@value}. */
  public static final String NAME = "mariadb";

  /** Creates the provider that opens its own pool when asked; does no I/O. */
  public MariaDbStoreProvider() {}

  /**
   * Creates the provider that uses {@code dataSource} and never closes it.
   *
   * @param dataSource the MariaDB/MySQL database
   * @throws NullPointerException if {@code dataSource} is null
   */
  public MariaDbStoreProvider(DataSource dataSource) {
    super(dataSource);
  }

  @Override
  public String name() {
    return NAME;
  }

  /** Accepts {@code jdbc:mariadb:} and {@code jdbc:mysql:} URLs. */
  @Override
  public boolean acceptsJdbcUrl(String jdbcUrl) {
    return jdbcUrl.startsWith("jdbc:mariadb:") || jdbcUrl.startsWith("jdbc:mysql:");
  }

  @Override
  protected Stores openOn(DataSource given, TallyConfig config) {
    MariaDbSchema schema = MariaDbSchema.withTablePrefix(config.tablePrefix());
    return stores(given, schema, config, () -> {}, () -> {});
  }

  @Override
  protected Stores openOwnPool(TallyConfig config) {
    MariaDbSchema schema = MariaDbSchema.withTablePrefix(config.tablePrefix());
    String url = requireUrl(config);
    if (!acceptsJdbcUrl(url)) {
      JdbcUrls.requireScheme(url, NAME, "jdbc:mariadb:");
    }
    HikariDataSource pool =
        HikariPools.open(
            withMysqlScheme(url), config, "MariaDB", hikari -> driverSettings(hikari, config));
    return Stores.closingOnFailure(
        pool, () -> stores(pool, schema, config, () -> HikariPools.softEvict(pool), pool::close));
  }

  /**
   * Adds {@code permitMysqlScheme} to a {@code jdbc:mysql:} URL: the MariaDB driver (3.x) takes
   * such a URL only with it, and checks the URL itself, before any property applies.
   */
  static String withMysqlScheme(String url) {
    if (!url.startsWith("jdbc:mysql:") || url.contains("permitMysqlScheme")) {
      return url;
    }
    return url + (url.indexOf('?') < 0 ? "?" : "&") + "permitMysqlScheme";
  }

  /**
   * The MariaDB driver's own settings: its socket timeout (in milliseconds) is the network timeout,
   * and a session waits for a row lock at most the longest flush timeout (in whole seconds, at
   * least one).
   */
  private static void driverSettings(HikariConfig hikari, TallyConfig config) {
    hikari.setDriverClassName("org.mariadb.jdbc.Driver");
    hikari.addDataSourceProperty(
        "socketTimeout", String.valueOf(config.jdbcNetworkTimeout().toMillis()));
    long lockWait = Math.max(1, (config.longestFlushTimeout().toMillis() + 999) / 1000);
    hikari.addDataSourceProperty("sessionVariables", "innodb_lock_wait_timeout=" + lockWait);
  }

  private static Stores stores(
      DataSource target,
      MariaDbSchema schema,
      TallyConfig config,
      Runnable afterAbort,
      AutoCloseable onClose) {
    DataSource migrations =
        GuardedDataSource.builder(target).networkTimeout(config.jdbcMigrationTimeout()).build();
    GuardedDataSource.Builder guarded =
        GuardedDataSource.builder(target)
            .networkTimeout(config.jdbcNetworkTimeout())
            .afterAbort(afterAbort);
    DataSource ds = storesDataSource(guarded, config, () -> schema.migrate(migrations));
    return Stores.of(
        MariaDbLastUsedStore.builder(ds, UUID.class).schema(schema).build(),
        new MariaDbUsageStatsStore(ds, schema),
        new MariaDbConnectionLogStore(ds, schema),
        () -> schema.migrate(migrations),
        new MariaDbPrivileges(migrations, schema),
        onClose);
  }
}
