package io.tally.store.h2;

import io.tally.core.ConfigException;
import io.tally.core.StoreException;
import io.tally.core.TallyConfig;
import io.tally.core.spi.Stores;
import io.tally.jdbc.GuardedDataSource;
import io.tally.jdbc.JdbcStoreProvider;
import io.tally.jdbc.JdbcUrls;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code h2} store provider, Tally's default: the H2 stores over an embedded database.
 *
 * <p>Discovered through {@code META-INF/services}, it opens an H2 connection pool ({@link
 * JdbcConnectionPool}, at most {@code tally.jdbc.pool-size} connections) on {@code tally.jdbc.url}
 * with {@code tally.jdbc.user} and {@code tally.jdbc.password}; without a URL, on a private
 * in-memory database that lives until Tally closes and is lost when the process exits (logged at
 * WARN when it opens). The URL must start with {@code jdbc:h2:} (a {@link
 * io.tally.core.ConfigException} says so otherwise, without showing the URL). It connects once when
 * opened, so a bad URL or an unreachable server fails the start (unless {@code
 * tally.start.require-database=false}: then the migrations run before the first store call that
 * reaches the database); the failure's messages never show the URL or the password. Tables are
 * named with {@code tally.table-prefix}. Closing the stores disposes of the pool (and shuts the
 * private in-memory database down).
 *
 * <p>A file database is opened on H2's interrupt-safe file channel, {@code jdbc:h2:async:/path/db}:
 * Tally interrupts a store call that outlives its flush timeout, and with H2's default channel an
 * interrupt closes the whole database. A plain {@code jdbc:h2:file:} URL or path is rewritten to
 * that form (logged at WARN); {@code nio:} URLs are refused. On a file or server database every
 * store call ends with {@code CHECKPOINT SYNC}, so the rows a flush counts as written are on disk
 * when it returns (a few milliseconds per flush).
 *
 * <p>Constructed with a {@link DataSource}, it uses that instead and leaves it open; pass it to
 * {@code TallyModule.builder(config).storeProvider(..)}, where it wins over the discovered one.
 */
public final class H2StoreProvider extends JdbcStoreProvider {
  /** The provider's name: {@value}. */
  public static final String NAME = "h2";

  private static final Logger log = LoggerFactory.getLogger(H2StoreProvider.class);
  private static final String URL_SCHEME = "jdbc:h2:";

  /** A bare file path after {@code jdbc:h2:}: absolute, home, relative or a drive letter. */
  private static final Pattern FILE_PATH = Pattern.compile("[/\\\\~.]|[A-Za-z]:[/\\\\]");

  /** Creates the provider that opens its own pool when asked; does no I/O. */
  public H2StoreProvider() {}

  /**
   * Creates the provider that uses {@code dataSource} and never closes it.
   *
   * @param dataSource the H2 database
   * @throws NullPointerException if {@code dataSource} is null
   */
  public H2StoreProvider(DataSource dataSource) {
    super(dataSource);
  }

  @Override
  public String name() {
    return NAME;
  }

  /** Accepts {@code jdbc:h2:} URLs. */
  @Override
  public boolean acceptsJdbcUrl(String jdbcUrl) {
    return jdbcUrl.startsWith(URL_SCHEME);
  }

  @Override
  protected Stores openOn(DataSource given, TallyConfig config) {
    H2Schema schema = H2Schema.withTablePrefix(config.tablePrefix());
    return stores(given, schema, config, true, () -> {});
  }

  @Override
  protected Stores openOwnPool(TallyConfig config) {
    H2Schema schema = H2Schema.withTablePrefix(config.tablePrefix());
    boolean privateDatabase = config.jdbcUrl().isEmpty();
    if (privateDatabase) {
      log.warn(
          "tally.jdbc.url is not set: Tally keeps its data in a private in-memory H2 database that"
              + " is lost when the process exits; set tally.jdbc.url to keep it");
    }
    String url =
        config
            .jdbcUrl()
            .map(u -> safeUrl(JdbcUrls.requireScheme(u, NAME, URL_SCHEME)))
            .orElseGet(() -> URL_SCHEME + "mem:tally-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    boolean inMemory = url.startsWith(URL_SCHEME + "mem:");
    JdbcConnectionPool pool =
        JdbcConnectionPool.create(
            url, config.jdbcUser().orElse(""), config.jdbcPassword().orElse(""));
    Runnable close = privateDatabase ? () -> shutdown(pool) : pool::dispose;
    return Stores.closingOnFailure(
        close::run,
        () -> {
          pool.setMaxConnections(config.poolSize());
          if (config.requireDatabaseAtStart()) {
            connectOnce(pool, config);
          }
          return stores(pool, schema, config, !inMemory, close::run);
        });
  }

  /**
   * Returns the URL with a plain file database ({@code jdbc:h2:file:}, or a path such as {@code
   * jdbc:h2:/data/tally} or {@code jdbc:h2:~/tally}) moved to H2's interrupt-safe {@code async:}
   * file channel: Tally interrupts a store call that outlives its timeout, and H2's default channel
   * closes the whole database on an interrupt. The rewrite is logged at WARN, without the URL. H2's
   * {@code nio:} and {@code nioMapped:} channels, which interrupts close too, are refused. Other
   * URLs are returned as they are.
   *
   * @param url a {@code jdbc:h2:} URL
   * @return the URL to open
   * @throws ConfigException for an {@code nio:} or {@code nioMapped:} URL
   */
  static String safeUrl(String url) {
    String rest = url.substring(URL_SCHEME.length());
    String lower = rest.toLowerCase(Locale.ROOT);
    if (lower.startsWith("nio:") || lower.startsWith("niomapped:")) {
      throw new ConfigException(
          List.of(
              "tally.jdbc.url uses an H2 nio file channel, which an interrupted store call closes"
                  + " (killing the database); use jdbc:h2:async:<path>"));
    }
    String path;
    if (lower.startsWith("file:")) {
      path = rest.substring("file:".length());
    } else if (FILE_PATH.matcher(rest).lookingAt()) {
      path = rest;
    } else {
      return url;
    }
    log.warn(
        "tally.jdbc.url names an H2 file database on H2's default file channel, which an"
            + " interrupted store call closes; Tally opens it as jdbc:h2:async:<path> instead"
            + " (H2's interrupt-safe channel; same files). Write jdbc:h2:async:<path> to silence"
            + " this warning");
    return URL_SCHEME + "async:" + path;
  }

  /**
   * Connects once: a bad URL or an unreachable server fails the start, and H2's message (which can
   * quote the whole URL) is cleaned here rather than in every later flush.
   */
  private static void connectOnce(JdbcConnectionPool pool, TallyConfig config) {
    try (Connection c = pool.getConnection()) {
      c.isValid(1);
    } catch (SQLException e) {
      throw JdbcUrls.withoutSecrets(
          new StoreException("cannot open the H2 database (see tally.jdbc.*)", e), config);
    }
  }

  /**
   * Builds the stores over {@code target}; on a database kept in files, every connection given back
   * runs {@code CHECKPOINT SYNC} first, so what a store call committed is on disk before the call
   * returns and the flush counts it (H2 otherwise writes commits to the file up to {@code
   * WRITE_DELAY} later, and a process killed in between loses them).
   */
  private static Stores stores(
      DataSource target,
      H2Schema schema,
      TallyConfig config,
      boolean durable,
      AutoCloseable onClose) {
    GuardedDataSource.Builder guarded = GuardedDataSource.builder(target);
    GuardedDataSource.Builder migrations = GuardedDataSource.builder(target);
    if (durable) {
      guarded.onReturn("CHECKPOINT SYNC");
      migrations.onReturn("CHECKPOINT SYNC");
    }
    DataSource migrating = migrations.build();
    DataSource ds = storesDataSource(guarded, config, () -> schema.migrate(migrating));
    return Stores.of(
        H2LastUsedStore.builder(ds, UUID.class).schema(schema).build(),
        new H2UsageStatsStore(ds, schema),
        new H2ConnectionLogStore(ds, schema),
        () -> schema.migrate(migrating),
        new H2Privileges(migrating, schema),
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
}
