package io.tally.store.postgres;

import io.tally.core.StoreException;
import io.tally.core.usagestats.FlushOutcome;
import io.tally.core.usagestats.ReplicaUsage;
import io.tally.core.usagestats.UsageFlush;
import io.tally.core.usagestats.UsageStatsStore;
import io.tally.core.usagestats.UsageSummary;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * The {@link UsageStatsStore} on PostgreSQL. The stats lock is a transaction-level advisory lock
 * ({@code pg_advisory_xact_lock(int, int)}) whose keys are a fixed class and the hash of the
 * stats table's schema-qualified name ({@code hashtext(current_schema() || '.' || table)},
 * computed by the server, so the schema is the one the unqualified table resolves to). Stores
 * with different table prefixes, or in different database schemas, do not wait for each other;
 * the locks are still per database, so a hash collision can only make two unrelated stores
 * take turns, never break one.
 *
 * <p>A flush is one round trip plus the commit, whatever its size: the lock and one statement
 * whose data-modifying {@code WITH} clauses probe the sequence, upsert the replica row
 * (counters saturating at {@link Long#MAX_VALUE}), insert the members from
 * {@code unnest(?::uuid[])} and upsert the sequence row, sent together (pgjdbc pipelines them).
 * A flush with more than {@value #COPY_THRESHOLD} ids writes its members by one binary
 * {@code COPY} after that statement instead (a 1M-id flush: about 2-6 s on a busy 2-core
 * machine, see {@code PostgresUsageStatsScaleTest}). A collection counts distinct members by
 * hashing (linear), empties the members table with {@code TRUNCATE} (constant time, no dead
 * rows; {@code DELETE}, whose dead rows autovacuum reclaims, if the user lacks the TRUNCATE
 * privilege) and keeps its summary with the claim. Every time written comes from the caller.
 * Thread-safe.
 *
 * <p>Tables ({@code db/tally/postgres/V3__usage_stats.sql}, {@code V4__usage_stats_claims.sql}):
 * {@code usage_stats} (one row per replica), {@code usage_stats_members} (replica, kind, id; no
 * key: retries are kept out by the sequence and the collection counts distinct ids),
 * {@code usage_stats_sequence} (each replica's last applied flush; the reset keeps it),
 * {@code usage_stats_claims} (period end primary key, and the summary returned) and
 * {@code usage_stats_claim_rows} (the replica rows of that summary).
 */
public final class PostgresUsageStatsStore implements UsageStatsStore {
  static final short WORKSPACE = 1;
  static final short USER = 2;
  /**
   * The first key of the two-key advisory lock ("talu"); the second is the hash of the
   * schema-qualified stats table. Two-key advisory locks do not share a key space with the
   * one-key (bigint) locks, such as the migration lock.
   */
  static final int LOCK_CLASS = 0x7461_6c75;

  /** Above this many ids a flush writes its members by binary {@code COPY}, not as arrays. */
  static final int COPY_THRESHOLD = 5_000;

  private final DataSource dataSource;
  private final PostgresSchema schema;
  private final String statsTable;
  private final String membersTable;
  private final String flushSql;
  private final String lockSql;
  private final String claimLookupSql;
  private final String claimRowsSql;
  private final String rowsSql;
  private final String distinctSql;
  private final String claimSql;
  private final String claimCopySql;
  private final String deleteRowsSql;
  private final String truncateMembersSql;
  private final String deleteMembersSql;
  private final String truncatePrivilegeSql;
  private final String pruneSequenceSql;
  private final String pruneClaimsSql;
  private final String pruneClaimRowsSql;
  private volatile Boolean mayTruncate; // whether the user may TRUNCATE the members table

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
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.schema = Objects.requireNonNull(schema, "schema");
    String stats = schema.table("usage_stats");
    this.statsTable = stats;
    String members = schema.table("usage_stats_members");
    this.membersTable = members;
    String sequence = schema.table("usage_stats_sequence");
    String claims = schema.table("usage_stats_claims");
    String claimRows = schema.table("usage_stats_claim_rows");
    // The schema is resolved by the server (the search path's first schema, where the
    // unqualified table lives), so stores in different schemas take different locks.
    this.lockSql =
        "SELECT pg_advisory_xact_lock(" + LOCK_CLASS + ", hashtext(current_schema() || '.' || ?))";
    // One round trip: the lock, then one statement that writes every table. pgjdbc sends the two
    // statements together; the server runs the second (with its own snapshot, taken after the
    // lock is granted) once the first returns. Parameters, in order: the lock's table name;
    // replica, session, sequence (the probe); replica, at, delta workspaces, delta users,
    // allowed, denied, at, cumulative workspaces, cumulative users (the row); replica,
    // workspace ids, replica, user ids (the members); replica, session, sequence, at (the
    // sequence row).
    this.flushSql =
        lockSql + ";\n"
            + "WITH prev AS (SELECT last_inserted FROM " + sequence
            + " WHERE replica_id = ? AND session_id = ? AND last_sequence >= ?),"
            + " r AS (INSERT INTO " + stats + " AS t (replica_id, window_start, unique_workspaces,"
            + " unique_users, allowed_requests, denied_requests, updated_at)"
            + " SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM prev)"
            + " ON CONFLICT (replica_id) DO UPDATE SET unique_workspaces = ?, unique_users = ?,"
            + " allowed_requests = "
            + saturatingSum("t.allowed_requests", "EXCLUDED.allowed_requests") + ","
            + " denied_requests = "
            + saturatingSum("t.denied_requests", "EXCLUDED.denied_requests") + ","
            + " updated_at = GREATEST(t.updated_at, EXCLUDED.updated_at)"
            + " RETURNING (t.xmax = 0) AS inserted),"
            + " m AS (INSERT INTO " + members + " (replica_id, kind, member_id)"
            + " SELECT ?::uuid, " + WORKSPACE + ", u.id FROM unnest(?::uuid[]) AS u(id)"
            + " WHERE NOT EXISTS (SELECT 1 FROM prev)"
            + " UNION ALL SELECT ?::uuid, " + USER + ", u.id FROM unnest(?::uuid[]) AS u(id)"
            + " WHERE NOT EXISTS (SELECT 1 FROM prev)),"
            + " s AS (INSERT INTO " + sequence + " (replica_id, session_id, last_sequence,"
            + " last_inserted, updated_at) SELECT ?, ?, ?, r.inserted, ? FROM r"
            + " ON CONFLICT (replica_id) DO UPDATE SET session_id = EXCLUDED.session_id,"
            + " last_sequence = EXCLUDED.last_sequence, last_inserted = EXCLUDED.last_inserted,"
            + " updated_at = EXCLUDED.updated_at)"
            + " SELECT (SELECT last_inserted FROM prev), (SELECT inserted FROM r)";
    this.claimLookupSql =
        "SELECT claimed_by, period_nanos, unique_workspaces, unique_users, allowed_requests,"
            + " denied_requests FROM " + claims + " WHERE period_end = ?";
    this.claimRowsSql =
        "SELECT replica_id, window_start, unique_workspaces, unique_users, allowed_requests,"
            + " denied_requests, updated_at FROM " + claimRows + " WHERE period_end = ?";
    this.rowsSql =
        "SELECT replica_id, window_start, unique_workspaces, unique_users, allowed_requests,"
            + " denied_requests, updated_at FROM " + stats;
    // DISTINCT in a subquery lets the planner hash (linear) instead of sorting per kind
    this.distinctSql =
        "SELECT kind, count(*) FROM (SELECT DISTINCT kind, member_id FROM " + members + ") d"
            + " GROUP BY kind";
    this.claimSql =
        "INSERT INTO " + claims + " (period_end, claimed_at, claimed_by, period_nanos,"
            + " unique_workspaces, unique_users, allowed_requests, denied_requests)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    this.claimCopySql =
        "INSERT INTO " + claimRows + " (period_end, replica_id, window_start, unique_workspaces,"
            + " unique_users, allowed_requests, denied_requests, updated_at) SELECT ?, replica_id,"
            + " window_start, unique_workspaces, unique_users, allowed_requests, denied_requests,"
            + " updated_at FROM " + stats;
    this.deleteRowsSql = "DELETE FROM " + stats;
    this.truncateMembersSql = "TRUNCATE " + members;
    this.deleteMembersSql = "DELETE FROM " + members;
    this.truncatePrivilegeSql = "SELECT has_table_privilege(?, 'TRUNCATE')";
    this.pruneSequenceSql = "DELETE FROM " + sequence + " WHERE updated_at < ?";
    this.pruneClaimsSql = "DELETE FROM " + claims + " WHERE claimed_at < ?";
    this.pruneClaimRowsSql =
        "DELETE FROM " + claimRows + " r WHERE NOT EXISTS (SELECT 1 FROM " + claims
            + " c WHERE c.period_end = r.period_end)";
  }

  /** {@code a + b} for two non-negative bigints, {@link Long#MAX_VALUE} where it would overflow. */
  private static String saturatingSum(String a, String b) {
    return "CASE WHEN " + a + " > " + Long.MAX_VALUE + " - " + b + " THEN " + Long.MAX_VALUE
        + " ELSE " + a + " + " + b + " END";
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

  /** @return the main table written, one row per replica, e.g. {@code tally_usage_stats} */
  public String table() {
    return statsTable;
  }

  /**
   * Applies the schema's missing migrations; see {@link PostgresSchema#migrate(DataSource)}.
   *
   * @return the versions applied now
   */
  public List<Integer> migrate() {
    return schema.migrate(dataSource);
  }

  @Override
  public FlushOutcome flush(UsageFlush f) {
    Objects.requireNonNull(f, "flush");
    try (Connection c = dataSource.getConnection()) {
      return inTransaction(c, () -> flush(c, f));
    } catch (SQLException e) {
      throw new StoreException(
          "flushing usage stats of replica " + f.replicaId() + " into table " + statsTable
              + " failed (SQLState " + e.getSQLState() + ")",
          e);
    }
  }

  private FlushOutcome flush(Connection c, UsageFlush f) throws SQLException {
    // Small member sets travel with the statement; large ones follow by binary COPY, which the
    // server parses fastest, once the statement has said the flush is new.
    boolean copy =
        f.workspaceIds().size() + f.userIds().size() > COPY_THRESHOLD
            && c.isWrapperFor(PGConnection.class);
    Array workspaces = c.createArrayOf("uuid", copy ? new Object[0] : f.workspaceIds().toArray());
    Array users = c.createArrayOf("uuid", copy ? new Object[0] : f.userIds().toArray());
    FlushOutcome outcome;
    try (PreparedStatement ps = c.prepareStatement(flushSql)) {
      OffsetDateTime at = time(f.at());
      int i = 0;
      ps.setString(++i, statsTable);
      ps.setObject(++i, f.replicaId());
      ps.setObject(++i, f.session());
      ps.setLong(++i, f.sequence());
      ps.setObject(++i, f.replicaId());
      ps.setObject(++i, at);
      ps.setLong(++i, f.workspaceIds().size());
      ps.setLong(++i, f.userIds().size());
      ps.setLong(++i, f.allowedRequests());
      ps.setLong(++i, f.deniedRequests());
      ps.setObject(++i, at);
      ps.setLong(++i, f.cumulativeWorkspaces());
      ps.setLong(++i, f.cumulativeUsers());
      ps.setObject(++i, f.replicaId());
      ps.setArray(++i, workspaces);
      ps.setObject(++i, f.replicaId());
      ps.setArray(++i, users);
      ps.setObject(++i, f.replicaId());
      ps.setObject(++i, f.session());
      ps.setLong(++i, f.sequence());
      ps.setObject(++i, at);
      ps.execute(); // the lock's result
      if (!ps.getMoreResults()) {
        throw new SQLException("the flush statement returned no result");
      }
      try (ResultSet rs = ps.getResultSet()) {
        rs.next();
        boolean previouslyInserted = rs.getBoolean(1);
        outcome =
            rs.wasNull()
                ? FlushOutcome.applied(rs.getBoolean(2))
                : FlushOutcome.alreadyApplied(previouslyInserted);
      }
    } finally {
      workspaces.free();
      users.free();
    }
    if (copy && !outcome.alreadyApplied()) {
      PostgresMemberCopy.copy(c.unwrap(PGConnection.class), membersTable, f);
    }
    return outcome;
  }

  @Override
  public Optional<UsageSummary> collectAndReset(
      Instant periodEnd, Duration period, Instant now, String claimedBy) {
    Objects.requireNonNull(periodEnd, "periodEnd");
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(claimedBy, "claimedBy");
    try (Connection c = dataSource.getConnection()) {
      if (mayTruncate == null) {
        mayTruncate = mayTruncate(c);
      }
      return inTransaction(c, () -> collect(c, periodEnd, period, now, claimedBy));
    } catch (SQLException e) {
      throw new StoreException(
          "collecting usage stats for the period ending " + periodEnd + " from table " + statsTable
              + " failed (SQLState " + e.getSQLState() + ")",
          e);
    }
  }

  private Optional<UsageSummary> collect(
      Connection c, Instant periodEnd, Duration period, Instant now, String claimedBy)
      throws SQLException {
    takeLock(c);
    try (PreparedStatement ps = c.prepareStatement(claimLookupSql)) {
      ps.setObject(1, time(periodEnd));
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          // claimed before: only the same reporter gets the summary it stored, nothing changes
          if (!claimedBy.equals(rs.getString(1)) || rs.getObject(2) == null) {
            return Optional.empty();
          }
          return Optional.of(
              new UsageSummary(
                  rs.getLong(3),
                  rs.getLong(4),
                  rs.getLong(5),
                  rs.getLong(6),
                  periodEnd.minus(Duration.ofNanos(rs.getLong(2))),
                  Duration.ofNanos(rs.getLong(2)),
                  readRows(c, claimRowsSql, periodEnd)));
        }
      }
    }
    List<ReplicaUsage> counted = readRows(c, rowsSql, null);
    long workspaces = 0;
    long users = 0;
    try (PreparedStatement ps = c.prepareStatement(distinctSql);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        if (rs.getShort(1) == WORKSPACE) {
          workspaces = rs.getLong(2);
        } else if (rs.getShort(1) == USER) {
          users = rs.getLong(2);
        }
      }
    }
    // every row present counts, however long ago it was written
    UsageSummary summary = UsageSummary.summing(workspaces, users, periodEnd, period, counted);
    Instant retained = now.minus(RETENTION);
    execute(c, pruneClaimsSql, retained);
    execute(c, pruneClaimRowsSql, null);
    try (PreparedStatement ps = c.prepareStatement(claimSql)) {
      ps.setObject(1, time(periodEnd));
      ps.setObject(2, time(now));
      ps.setString(3, claimedBy);
      ps.setLong(4, period.toNanos());
      ps.setLong(5, workspaces);
      ps.setLong(6, users);
      ps.setLong(7, summary.allowedRequests());
      ps.setLong(8, summary.deniedRequests());
      ps.executeUpdate();
    }
    execute(c, claimCopySql, periodEnd);
    execute(c, deleteRowsSql, null);
    // TRUNCATE leaves no dead rows and takes constant time; without the privilege, DELETE's dead
    // rows are left to autovacuum
    execute(c, Boolean.TRUE.equals(mayTruncate) ? truncateMembersSql : deleteMembersSql, null);
    execute(c, pruneSequenceSql, retained);
    return Optional.of(summary);
  }

  private boolean mayTruncate(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(truncatePrivilegeSql)) {
      ps.setString(1, membersTable);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  @Override
  public List<ReplicaUsage> replicaUsage() {
    try (Connection c = dataSource.getConnection()) {
      return readRows(c, rowsSql, null);
    } catch (SQLException e) {
      throw new StoreException(
          "reading usage stats from table " + statsTable + " failed (SQLState " + e.getSQLState() + ")",
          e);
    }
  }

  private static List<ReplicaUsage> readRows(Connection c, String sql, Instant periodEnd)
      throws SQLException {
    List<ReplicaUsage> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      if (periodEnd != null) {
        ps.setObject(1, time(periodEnd));
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new ReplicaUsage(
                  rs.getObject(1, UUID.class),
                  rs.getObject(2, OffsetDateTime.class).toInstant(),
                  rs.getLong(3),
                  rs.getLong(4),
                  rs.getLong(5),
                  rs.getLong(6),
                  rs.getObject(7, OffsetDateTime.class).toInstant()));
        }
      }
    }
    out.sort(Comparator.comparing(r -> r.replicaId().toString()));
    return out;
  }

  void takeLock(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(lockSql)) {
      ps.setString(1, statsTable);
      ps.execute();
    }
  }

  private static void execute(Connection c, String sql, Instant parameter) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      if (parameter != null) {
        ps.setObject(1, time(parameter));
      }
      ps.executeUpdate();
    }
  }

  private static OffsetDateTime time(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  private static <T> T inTransaction(Connection c, SqlWork<T> work) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    T result;
    try {
      result = work.run();
      c.commit();
    } catch (SQLException | RuntimeException e) {
      // neither a failing rollback nor a failing reset may replace the original failure
      try {
        c.rollback();
      } catch (SQLException | RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      try {
        c.setAutoCommit(autoCommit);
      } catch (SQLException | RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    c.setAutoCommit(autoCommit);
    return result;
  }

  @FunctionalInterface
  private interface SqlWork<T> {
    T run() throws SQLException;
  }

  @Override
  public String toString() {
    return "PostgresUsageStatsStore{" + schema + '}';
  }
}
