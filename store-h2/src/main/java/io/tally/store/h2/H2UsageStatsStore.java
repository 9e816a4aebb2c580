package io.tally.store.h2;

import io.tally.core.usagestats.UsageStatsStore;
import io.tally.jdbc.JdbcUsageStatsStore;
import javax.sql.DataSource;

/**
 * The {@link UsageStatsStore} on H2. The stats lock is the single row of {@code
 * <prefix>usage_stats_lock}, selected {@code FOR UPDATE} at the start of every flush and collection
 * transaction. Members are written with a batched {@code MERGE} (the algorithm is {@link
 * JdbcUsageStatsStore}'s); counters saturate at {@link Long#MAX_VALUE}; a collection counts every
 * row present and keeps its summary with the claim, like every store (see {@link UsageStatsStore}).
 * Every time written comes from the caller. Thread-safe.
 *
 * <p>Tables ({@code db/tally/h2/V3__usage_stats.sql}, {@code V4__usage_stats_claims.sql}): {@code
 * usage_stats} (one row per replica), {@code usage_stats_members} (replica, kind, id), {@code
 * usage_stats_sequence} (each replica's last applied flush; the reset keeps it), {@code
 * usage_stats_claims} (period end primary key, and the summary returned), {@code
 * usage_stats_claim_rows} (the replica rows of that summary) and {@code usage_stats_lock}.
 */
public final class H2UsageStatsStore extends JdbcUsageStatsStore {
  /**
   * Creates the store over the default schema ({@link H2Schema#defaults()}).
   *
   * @param dataSource the database
   */
  public H2UsageStatsStore(DataSource dataSource) {
    this(dataSource, H2Schema.defaults());
  }

  /**
   * Creates the store.
   *
   * @param dataSource the database
   * @param schema names the tables
   */
  public H2UsageStatsStore(DataSource dataSource, H2Schema schema) {
    super(dataSource, H2Dialect.INSTANCE, schema);
  }

  /**
   * Creates the store on the default schema ({@link H2Schema#defaults()}); the same as the
   * one-argument constructor, in the {@code create} form every Tally store offers.
   *
   * @param dataSource the database
   * @return the store; call {@link #migrate()} once to create its tables
   * @throws NullPointerException if {@code dataSource} is null
   */
  public static H2UsageStatsStore create(DataSource dataSource) {
    return new H2UsageStatsStore(dataSource);
  }

  /**
   * Creates the store on {@code schema}, which names its tables.
   *
   * @param dataSource the database
   * @param schema names the tables
   * @return the store; call {@link #migrate()} once to create its tables
   * @throws NullPointerException if an argument is null
   */
  public static H2UsageStatsStore create(DataSource dataSource, H2Schema schema) {
    return new H2UsageStatsStore(dataSource, schema);
  }
}
