package io.tally.jdbc;

import io.tally.core.ConfigException;
import io.tally.core.TallyConfig;
import io.tally.core.spi.ProviderContext;
import io.tally.core.spi.StoreProvider;
import io.tally.core.spi.Stores;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The skeleton every SQL store provider shares: it either uses a {@link DataSource} it was given
 * (and never closes it) or opens its own pool from {@code tally.jdbc.*}.
 */
public abstract class JdbcStoreProvider implements StoreProvider {
  private final @Nullable DataSource dataSource;

  /** Creates the provider that opens its own pool when asked; does no I/O. */
  protected JdbcStoreProvider() {
    this.dataSource = null;
  }

  /**
   * Creates the provider that uses {@code dataSource} and never closes it.
   *
   * @param dataSource the database
   * @throws NullPointerException if {@code dataSource} is null
   */
  protected JdbcStoreProvider(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  @Override
  public final Stores open(ProviderContext context) {
    TallyConfig config = context.config();
    return dataSource != null ? openOn(dataSource, config) : openOwnPool(config);
  }

  /**
   * Opens the stores on the given {@link DataSource}, which closing them leaves open.
   *
   * @param given the data source given to the constructor
   * @param config the configuration
   * @return the stores
   */
  protected abstract Stores openOn(DataSource given, TallyConfig config);

  /**
   * Opens the provider's own pool from {@code tally.jdbc.*} and the stores on it; closing them
   * closes the pool.
   *
   * @param config the configuration
   * @return the stores
   */
  protected abstract Stores openOwnPool(TallyConfig config);

  /**
   * Returns {@code tally.jdbc.url}, which this provider's own pool requires.
   *
   * @param config the configuration
   * @return the URL
   * @throws ConfigException if the URL is not set, naming the provider and the constructor that
   *     takes a {@link DataSource} instead
   */
  protected final String requireUrl(TallyConfig config) {
    String type = getClass().getSimpleName();
    return config
        .jdbcUrl()
        .orElseThrow(
            () ->
                new ConfigException(
                    List.of(
                        "tally.jdbc.url is required by the "
                            + name()
                            + " store (or pass a DataSource: new "
                            + type
                            + "(dataSource))")));
  }

  /**
   * Builds the data source the stores use from {@code guarded}: when the migrations run on start
   * ({@code tally.migrate-on-start}) but the database need not be reachable at start ({@code
   * tally.start.require-database=false}), it runs {@code migrate} before its first use.
   *
   * @param guarded the stores' guarded data source, configured but for the migrations
   * @param config the configuration
   * @param migrate runs the migrations
   * @return the stores' data source
   */
  protected static DataSource storesDataSource(
      GuardedDataSource.Builder guarded, TallyConfig config, Runnable migrate) {
    if (config.migrateOnStart() && !config.requireDatabaseAtStart()) {
      guarded.beforeFirstUse(migrate);
    }
    return guarded.build();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName()
        + '{'
        + (dataSource == null ? "own pool" : "given DataSource")
        + '}';
  }
}
