package io.tally.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.tally.core.ConfigException;
import io.tally.core.TallyConfig;
import io.tally.core.spi.Stores;
import io.tally.jdbc.GuardedDataSource;
import io.tally.jdbc.HikariPools;
import io.tally.jdbc.JdbcStoreProvider;
import io.tally.jdbc.JdbcUrls;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.Driver;

/**
 * The {@code postgres} store provider: the PostgreSQL stores over a HikariCP pool.
 *
 * <p>Discovered through {@code META-INF/services}, it opens a pool named {@code tally} on {@code
 * tally.jdbc.url} (required) with {@code tally.jdbc.user}, {@code tally.jdbc.password} and at most
 * {@code tally.jdbc.pool-size} connections. The URL must be one the PostgreSQL driver accepts,
 * starting with {@code jdbc:postgresql:} and without user information ({@code user:password@});
 * otherwise a {@link ConfigException} says so without showing the URL. The pool is created when
 * Tally starts and fails the start at once if the database cannot be reached; with {@code
 * tally.start.require-database=false} it starts without connecting, and the migrations run before
 * the first store call that reaches the database. Tables are named with {@code tally.table-prefix}.
 * Closing the stores closes the pool.
 *
 * <p>Every connection is bounded (see {@link GuardedDataSource}): the driver's socket timeout and
 * each connection's network timeout are {@code tally.jdbc.network-timeout}; each session starts
 * with {@code statement_timeout} and {@code idle_in_transaction_session_timeout} of that value and
 * a {@code lock_timeout} of the longest flush timeout, so a backend whose client went silent
 * releases its locks; the migrations use {@code tally.jdbc.migration-timeout} instead. A store call
 * a component abandons at its timeout has its connection aborted and the pool's idle connections
 * evicted, so the next call runs on a fresh connection.
 *
 * <p>Constructed with a {@link DataSource} (your application's pool), it uses that instead and
 * leaves it open; pass it to {@code TallyModule.builder(config).storeProvider(..)}, where it wins
 * over the discovered one. The JDBC settings are then ignored, except the timeouts JDBC lets a
 * borrower set: each connection gets the network timeout while Tally holds it and is aborted when a
 * component abandons its call. Session settings (statement, lock and idle-in-transaction timeouts)
 * are yours to set, for example with the driver's {@code options} property or {@code ALTER ROLE}.
 */
public final class PostgresStoreProvider extends JdbcStoreProvider {
  /** The provider's name: {@value}. */
  public static final String NAME = "postgres";

  /** The name of the pool this provider creates: {@value}. */
  public static final String POOL_NAME = HikariPools.POOL_NAME;

  private static final String URL_SCHEME = "jdbc:postgresql:";

  /** Creates the provider that opens its own pool when asked; does no I/O. */
  public PostgresStoreProvider() {}

  /**
   * Creates the provider that uses {@code dataSource} and never closes it.
   *
   * @param dataSource the PostgreSQL database
   * @throws NullPointerException if {@code dataSource} is null
   */
  public PostgresStoreProvider(DataSource dataSource) {
    super(dataSource);
  }

  @Override
  public String name() {
    return NAME;
  }

  /** Accepts {@code jdbc:postgresql:} URLs. */
  @Override
  public boolean acceptsJdbcUrl(String jdbcUrl) {
    return jdbcUrl.startsWith(URL_SCHEME);
  }

  @Override
  protected Stores openOn(DataSource given, TallyConfig config) {
    PostgresSchema schema = PostgresSchema.withTablePrefix(config.tablePrefix());
    return stores(given, schema, config, () -> {}, () -> {});
  }

  @Override
  protected Stores openOwnPool(TallyConfig config) {
    PostgresSchema schema = PostgresSchema.withTablePrefix(config.tablePrefix());
    String url = requireUrl(config);
    requireUsableUrl(url);
    HikariDataSource pool =
        HikariPools.open(
            url, config, "PostgreSQL", hikari -> configureTimeouts(hikari, url, config));
    return Stores.closingOnFailure(
        pool, () -> stores(pool, schema, config, () -> HikariPools.softEvict(pool), pool::close));
  }

  /**
   * Bounds every wait on the database (see {@link io.tally.jdbc.GuardedDataSource}): the driver's
   * socket timeout, which also bounds logging in, is the network timeout; each session starts with
   * a statement timeout of the network timeout, a lock timeout of the longest flush timeout and an
   * {@code idle_in_transaction_session_timeout} of the network timeout, so a backend whose client
   * went silent gives up its locks and transaction by itself; the server's TCP keepalive probes
   * such a client after the network timeout too (three probes a second apart), which frees a
   * backend that waits for the rest of a message. Settings the URL gives in its own {@code options}
   * are kept and win.
   */
  private static void configureTimeouts(HikariConfig hikari, String url, TallyConfig config) {
    long network = config.jdbcNetworkTimeout().toMillis();
    hikari.addDataSourceProperty("socketTimeout", String.valueOf(ceilSeconds(network)));
    hikari.addDataSourceProperty("tcpKeepAlive", "true");
    String options =
        "-c statement_timeout="
            + network
            + " -c lock_timeout="
            + config.longestFlushTimeout().toMillis()
            + " -c idle_in_transaction_session_timeout="
            + network
            // A backend waiting for the rest of a message from a client that vanished (no FIN
            // reached it) is neither idle in a transaction nor in a statement that a timeout
            // can cancel: only TCP keepalive frees it (the server's default waits two hours).
            + " -c tcp_keepalives_idle="
            + ceilSeconds(network)
            + " -c tcp_keepalives_interval=1 -c tcp_keepalives_count=3";
    String own = Driver.parseURL(url, null).getProperty("options");
    hikari.addDataSourceProperty("options", own == null ? options : options + " " + own);
  }

  private static long ceilSeconds(long millis) {
    return (millis + 999) / 1000;
  }

  /**
   * Refuses, without showing it, a URL the PostgreSQL driver would refuse: the driver and HikariCP
   * then quote the URL, or part of it, in their messages and warnings.
   */
  private static void requireUsableUrl(String url) {
    JdbcUrls.requireScheme(url, NAME, URL_SCHEME);
    int q = url.indexOf('?');
    if ((q < 0 ? url : url.substring(0, q)).indexOf('@') >= 0) {
      throw new ConfigException(
          List.of(
              "tally.jdbc.url must not hold user information (user:password@) for the postgres"
                  + " store; set tally.jdbc.user and tally.jdbc.password"));
    }
    if (Driver.parseURL(url, null) == null) {
      throw new ConfigException(
          List.of(
              "tally.jdbc.url is not a URL the PostgreSQL driver accepts for the postgres store"
                  + " (jdbc:postgresql://host[:port]/database[?parameters])"));
    }
  }

  private static Stores stores(
      DataSource target,
      PostgresSchema schema,
      TallyConfig config,
      Runnable afterAbort,
      AutoCloseable onClose) {
    long migration = config.jdbcMigrationTimeout().toMillis();
    DataSource migrations =
        GuardedDataSource.builder(target)
            .networkTimeout(config.jdbcMigrationTimeout())
            .onBorrow("SET statement_timeout = " + migration)
            .onBorrow("SET lock_timeout = " + migration)
            .onReturn("RESET statement_timeout")
            .onReturn("RESET lock_timeout")
            .build();
    GuardedDataSource.Builder guarded =
        GuardedDataSource.builder(target)
            .networkTimeout(config.jdbcNetworkTimeout())
            .afterAbort(afterAbort);
    DataSource ds = storesDataSource(guarded, config, () -> schema.migrate(migrations));
    return Stores.of(
        PostgresLastUsedStore.builder(ds, UUID.class).schema(schema).build(),
        new PostgresUsageStatsStore(ds, schema),
        new PostgresConnectionLogStore(ds, schema),
        () -> schema.migrate(migrations),
        new PostgresPrivileges(migrations, schema),
        onClose);
  }
}
