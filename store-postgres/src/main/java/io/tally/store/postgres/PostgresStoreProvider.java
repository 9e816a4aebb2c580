package io.tally.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.tally.core.ConfigException;
import io.tally.core.StoreException;
import io.tally.core.TallyConfig;
import io.tally.core.spi.JdbcUrls;
import io.tally.core.spi.ProviderContext;
import io.tally.core.spi.StoreProvider;
import io.tally.core.spi.Stores;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.Driver;

/**
 * The {@code postgres} store provider: the PostgreSQL stores over a HikariCP pool.
 *
 * <p>Discovered through {@code META-INF/services}, it opens a pool named {@code tally} on {@code
 * tally.jdbc.url} (required) with {@code tally.jdbc.user}, {@code tally.jdbc.password} and at
 * most {@code tally.jdbc.pool-size} connections. The URL must be one the PostgreSQL driver accepts,
 * starting with {@code jdbc:postgresql:} and without user information ({@code user:password@});
 * otherwise a {@link ConfigException} says so without showing the URL; the pool is created when Tally starts and fails
 * the start at once if the database cannot be reached. Tables are named with {@code
 * tally.table-prefix}. Closing the stores closes the pool.
 *
 * <p>Constructed with a {@link DataSource} (your application's pool), it uses that instead and
 * leaves it open; pass it to {@code TallyModule.builder(config).storeProvider(..)}, where it wins
 * over the discovered one. The JDBC settings are then ignored.
 */
public final class PostgresStoreProvider implements StoreProvider {
  /** The provider's name: {@value}. */
  public static final String NAME = "postgres";

  /** The name of the pool this provider creates: {@value}. */
  public static final String POOL_NAME = "tally";

  private static final String URL_SCHEME = "jdbc:postgresql:";

  private final DataSource dataSource;

  /** Creates the provider that opens its own pool when asked; does no I/O. */
  public PostgresStoreProvider() {
    this.dataSource = null;
  }

  /**
   * Creates the provider that uses {@code dataSource} and never closes it.
   *
   * @param dataSource the PostgreSQL database
   * @throws NullPointerException if {@code dataSource} is null
   */
  public PostgresStoreProvider(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Stores open(ProviderContext context) {
    TallyConfig config = context.config();
    PostgresSchema schema = PostgresSchema.withTablePrefix(config.tablePrefix());
    if (dataSource != null) {
      return stores(dataSource, schema, () -> {});
    }
    String url =
        config
            .jdbcUrl()
            .orElseThrow(
                () ->
                    new ConfigException(
                        List.of(
                            "tally.jdbc.url is required by the postgres store"
                                + " (or pass a DataSource: new PostgresStoreProvider(dataSource))")));
    requireUsableUrl(url);
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName(POOL_NAME);
    hikari.setJdbcUrl(url);
    config.jdbcUser().ifPresent(hikari::setUsername);
    config.jdbcPassword().ifPresent(hikari::setPassword);
    hikari.setMaximumPoolSize(config.poolSize());
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(hikari);
    } catch (RuntimeException e) {
      throw JdbcUrls.withoutSecrets(
          new StoreException("cannot open the PostgreSQL pool (see tally.jdbc.*)", e), config);
    }
    return Stores.closingOnFailure(pool, () -> stores(pool, schema, pool::close));
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

  private static Stores stores(DataSource ds, PostgresSchema schema, AutoCloseable onClose) {
    return Stores.of(
        PostgresLastUsedStore.builder(ds, UUID.class).schema(schema).build(),
        new PostgresUsageStatsStore(ds, schema),
        new PostgresConnectionLogStore(ds, schema),
        () -> schema.migrate(ds),
        onClose);
  }

  @Override
  public String toString() {
    return "PostgresStoreProvider{" + (dataSource == null ? "own pool" : "given DataSource") + '}';
  }
}
