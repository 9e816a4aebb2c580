package io.tally.store.h2;

import io.tally.core.StoreException;
import io.tally.core.TallyConfig;
import io.tally.core.spi.JdbcUrls;
import io.tally.core.spi.ProviderContext;
import io.tally.core.spi.StoreProvider;
import io.tally.core.spi.Stores;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * The {@code h2} store provider, Tally's default: the H2 stores over an embedded database.
 *
 * <p>Discovered through {@code META-INF/services}, it opens an H2 connection pool ({@link
 * JdbcConnectionPool}, at most {@code tally.jdbc.pool-size} connections) on {@code
 * tally.jdbc.url} with {@code tally.jdbc.user} and {@code tally.jdbc.password}; without a URL,
 * on a private in-memory database that lives until Tally closes. The URL must start with {@code
 * jdbc:h2:} (a {@link io.tally.core.ConfigException} says so otherwise, without showing the URL).
 * It connects once when opened, so a bad URL or an unreachable server fails the start; the
 * failure's messages never show the URL or the password. Tables are named with {@code
 * tally.table-prefix}. Closing the stores disposes of the pool (and shuts the private in-memory
 * database down).
 *
 * <p>For a file database use H2's interrupt-safe file channel, {@code jdbc:h2:async:/path/db}:
 * Tally interrupts a store call that outlives its flush timeout, and with H2's default NIO
 * channel an interrupt closes the whole database.
 *
 * <p>Constructed with a {@link DataSource}, it uses that instead and leaves it open; pass it to
 * {@code TallyModule.builder(config).storeProvider(..)}, where it wins over the discovered one.
 */
public final class H2StoreProvider implements StoreProvider {
  /** The provider's name: {@value}. */
  public static final String NAME = "h2";

  private static final String URL_SCHEME = "jdbc:h2:";

  private final DataSource dataSource;

  /** Creates the provider that opens its own pool when asked; does no I/O. */
  public H2StoreProvider() {
    this.dataSource = null;
  }

  /**
   * Creates the provider that uses {@code dataSource} and never closes it.
   *
   * @param dataSource the H2 database
   * @throws NullPointerException if {@code dataSource} is null
   */
  public H2StoreProvider(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Stores open(ProviderContext context) {
    TallyConfig config = context.config();
    H2Schema schema = H2Schema.withTablePrefix(config.tablePrefix());
    if (dataSource != null) {
      return stores(dataSource, schema, () -> {});
    }
    boolean privateDatabase = config.jdbcUrl().isEmpty();
    String url =
        config
            .jdbcUrl()
            .map(u -> JdbcUrls.requireScheme(u, NAME, URL_SCHEME))
            .orElseGet(() -> URL_SCHEME + "mem:tally-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    JdbcConnectionPool pool =
        JdbcConnectionPool.create(
            url, config.jdbcUser().orElse(""), config.jdbcPassword().orElse(""));
    Runnable close = privateDatabase ? () -> shutdown(pool) : pool::dispose;
    return Stores.closingOnFailure(
        close::run,
        () -> {
          pool.setMaxConnections(config.poolSize());
          connectOnce(pool, config);
          return stores(pool, schema, close::run);
        });
  }

  /**
   * Connects once: a bad URL or an unreachable server fails the start, and H2's message (which
   * can quote the whole URL) is cleaned here rather than in every later flush.
   */
  private static void connectOnce(JdbcConnectionPool pool, TallyConfig config) {
    try (Connection c = pool.getConnection()) {
      c.isValid(1);
    } catch (SQLException e) {
      throw JdbcUrls.withoutSecrets(
          new StoreException("cannot open the H2 database (see tally.jdbc.*)", e), config);
    }
  }

  private static Stores stores(DataSource ds, H2Schema schema, AutoCloseable onClose) {
    return Stores.of(
        H2LastUsedStore.builder(ds, UUID.class).schema(schema).build(),
        new H2UsageStatsStore(ds, schema),
        new H2ConnectionLogStore(ds, schema),
        () -> schema.migrate(ds),
        onClose);
  }

  private static void shutdown(JdbcConnectionPool pool) {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.execute("SHUTDOWN");
    } catch (SQLException e) {
      throw new StoreException("shutting down the in-memory H2 database failed", e);
    } finally {
      pool.dispose();
    }
  }

  @Override
  public String toString() {
    return "H2StoreProvider{" + (dataSource == null ? "own pool" : "given DataSource") + '}';
  }
}
