package io.tally.store.postgres;

import io.tally.core.usagestats.UsageStatsStore;
import io.tally.jdbc.JdbcUsageStatsStore;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * The {@link UsageStatsStore} on PostgreSQL. The stats lock is a transaction-level advisory lock
 * ({@code pg_advisory_xact_lock(int, int)}) whose keys are a fixed class and the hash of the stats
 * table's schema-qualified name ({@code hashtext(current_schema() || '.' || table)}, computed by
 * the server, so the schema is the one the unqualified table resolves to). Stores with different
 * table prefixes, or in different database schemas, do not wait for each other; the locks are still
 * per database, so a hash collision can only make two unrelated stores take turns, never break one.
 *
 * <p>A flush is one round trip plus the commit, whatever its size: the lock and one statement whose
 * data-modifying {@code WITH} clauses probe the sequence, upsert the replica row (counters
 * saturating at {@link Long#MAX_VALUE}), insert the members from {@code unnest(?::uuid[])} and
 * upsert the sequence row, sent together (pgjdbc pipelines them). A flush with more than {@value
 * #COPY_THRESHOLD} ids writes its members by one binary {@code COPY} after that statement instead
 * (a 1M-id flush: about 2-6 s on a busy 2-core machine, see {@code PostgresUsageStatsScaleTest});
 * the statements are {@code PostgresDialect}'s, the algorithm {@link JdbcUsageStatsStore}'s. A
 * collection counts distinct members by hashing (linear), empties the members table with {@code
 * TRUNCATE} (constant time, no dead rows; {@code DELETE}, whose dead rows autovacuum reclaims, if
 * the user lacks the TRUNCATE privilege) and keeps its summary with the claim. Every time written
 * comes from the caller. Thread-safe.
 *
 * <p>Tables ({@code db/tally/postgres/V3__usage_stats.sql}, {@code V4__usage_stats_claims.sql}):
 * {@code usage_stats} (one row per replica), {@code usage_stats_members} (replica, kind, id; no
 * key: retries are kept out by the sequence and the collection counts distinct ids), {@code
 * usage_stats_sequence} (each replica's last applied flush; the reset keeps it), {@code
 * usage_stats_claims} (period end primary key, and the summary returned) and {@code
 * usage_stats_claim_rows} (the replica rows of that summary).
 */
public final class PostgresUsageStatsStore extends JdbcUsageStatsStore {
  /** The first key of the stats lock: see {@link PostgresDialect#LOCK_CLASS}. */
  static final int LOCK_CLASS = PostgresDialect.LOCK_CLASS;

  /** Above this many ids a flush writes its members by binary {@code COPY}, not as arrays. */
  static final int COPY_THRESHOLD = PostgresDialect.COPY_THRESHOLD;

  /**
   * Creates the store over the default schema ({@link PostgresSchema#defaults()}).
   *
   * @param dataSource the database
   */
  public PostgresUsageStatsStore(DataSource dataSource) {
    this(dataSource, PostgresSchema.defaults());
  }

  /**
   * Creates the store.
   *
   * @param dataSource the database
   * @param schema names the tables
   */
  public PostgresUsageStatsStore(DataSource dataSource, PostgresSchema schema) {
    super(dataSource, PostgresDialect.INSTANCE, schema);
  }

  /**
   * Creates the store on the default schema ({@link PostgresSchema#defaults()}); the same as the
   * one-argument constructor, in the {@code create} form every Tally store offers.
   *
   * @param dataSource the database
   * @return the store; call {@link #migrate()} once to create its tables
   * @throws NullPointerException if {@code dataSource} is null
   */
  public static PostgresUsageStatsStore create(DataSource dataSource) {
    return new PostgresUsageStatsStore(dataSource);
  }

  /**
   * Creates the store on {@code schema}, which names its tables.
   *
   * @param dataSource the database
   * @param schema names the tables
   * @return the store; call {@link #migrate()} once to create its tables
   * @throws NullPointerException if an argument is null
   */
  public static PostgresUsageStatsStore create(DataSource dataSource, PostgresSchema schema) {
    return new PostgresUsageStatsStore(dataSource, schema);
  }

  /** Takes this store's stats lock in {@code c}'s transaction (for tests). */
  void takeLock(Connection c) throws SQLException {
    PostgresDialect.INSTANCE.lockUsageStats(c, tables());
  }
}
