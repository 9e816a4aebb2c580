package io.tally.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.tally.core.StoreException;
import io.tally.core.TallyConfig;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The HikariCP pool a SQL store provider opens from {@code tally.jdbc.*} when it is not given a
 * {@code DataSource}, set up once for every store: the pool name {@value #POOL_NAME}, the URL,
 * {@code tally.jdbc.user} and {@code tally.jdbc.password}, at most {@code tally.jdbc.pool-size}
 * connections, borrowing bounded by {@code tally.jdbc.network-timeout} (and validating an idle
 * connection by less), and failing the start at once when the database cannot be reached unless
 * {@code tally.start.require-database=false}. What only one driver knows (its socket timeout, its
 * session settings) the store adds through the {@code driverSettings} callback.
 *
 * <p>HikariCP is an optional dependency of {@code tally-jdbc}: a store that uses this class
 * declares HikariCP as its own dependency (the built-in PostgreSQL and MariaDB stores do). Use
 * {@link #softEvict(HikariDataSource)} as the {@link GuardedDataSource.Builder#afterAbort} action,
 * so that the next store call after an aborted one runs on a fresh connection.
 */
// HikariCP's types in this API are not re-exported (requires static, not transitive): HikariCP is
// optional here, and a store that calls this class requires com.zaxxer.hikari itself.
@SuppressWarnings("exports")
public final class HikariPools {
  /** The name of the pool the providers create: {@value}. */
  public static final String POOL_NAME = "tally";

  /** HikariCP's smallest connection and validation timeouts, in milliseconds. */
  static final long MIN_TIMEOUT_MS = 250;

  /** HikariCP's default validation timeout, in milliseconds. */
  static final long DEFAULT_VALIDATION_TIMEOUT_MS = 5000;

  private HikariPools() {}

  /**
   * Returns the common settings of a provider's pool, without opening it.
   *
   * @param url the JDBC URL, already checked by the provider ({@code tally.jdbc.url}, possibly with
   *     driver parameters added)
   * @param config the configuration
   * @return a new HikariCP configuration the caller may add driver settings to
   * @throws NullPointerException if an argument is null
   */
  public static HikariConfig config(String url, TallyConfig config) {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(config, "config");
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName(POOL_NAME);
    hikari.setJdbcUrl(url);
    config.jdbcUser().ifPresent(hikari::setUsername);
    config.jdbcPassword().ifPresent(hikari::setPassword);
    hikari.setMaximumPoolSize(config.poolSize());
    long network = config.jdbcNetworkTimeout().toMillis();
    // Borrowing waits at most the network timeout too, and checking an idle connection less.
    hikari.setConnectionTimeout(Math.max(MIN_TIMEOUT_MS, network));
    hikari.setValidationTimeout(
        Math.max(MIN_TIMEOUT_MS, Math.min(DEFAULT_VALIDATION_TIMEOUT_MS, network / 2)));
    // Fail the start at once when the database cannot be reached, or start without it.
    hikari.setInitializationFailTimeout(config.requireDatabaseAtStart() ? 1 : -1);
    return hikari;
  }

  /**
   * Opens a provider's pool: the settings of {@link #config(String, TallyConfig)} plus the driver's
   * own.
   *
   * @param url the JDBC URL, already checked by the provider
   * @param config the configuration
   * @param database the database's name for the failure message, e.g. {@code PostgreSQL}
   * @param driverSettings adds what only this driver knows (socket timeout, session settings,
   *     driver class)
   * @return the open pool; the caller closes it
   * @throws StoreException if the pool cannot be opened (with {@code tally.start.require-database}
   *     on: the database cannot be reached); its message and causes hold no secret of {@code
   *     config}
   * @throws NullPointerException if an argument is null
   */
  public static HikariDataSource open(
      String url, TallyConfig config, String database, Consumer<HikariConfig> driverSettings) {
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(driverSettings, "driverSettings");
    HikariConfig hikari = config(url, config);
    driverSettings.accept(hikari);
    try {
      return new HikariDataSource(hikari);
    } catch (RuntimeException e) {
      throw JdbcUrls.withoutSecrets(
          new StoreException("cannot open the " + database + " pool (see tally.jdbc.*)", e),
          config);
    }
  }

  /**
   * Evicts the pool's idle connections after a store call was abandoned on one: a network that went
   * silent on one connection has most likely silenced the others too, and checking each of them on
   * borrow would cost the next call its timeout. Does nothing before the pool has started.
   *
   * @param pool the pool
   * @throws NullPointerException if {@code pool} is null
   */
  public static void softEvict(HikariDataSource pool) {
    HikariPoolMXBean bean = pool.getHikariPoolMXBean();
    if (bean != null) {
      bean.softEvictConnections();
    }
  }
}
