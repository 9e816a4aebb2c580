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

/**
 * The {@link UsageStatsStore} on PostgreSQL. The stats lock is a transaction-level advisory lock
 * ({@code pg_advisory_xact_lock(int, int)}) whose keys are a fixed class and the hash of the
 * stats table's schema-qualified name ({@code hashtext(current_schema() || '.' || table)},
 * computed by the server, so the schema is the one the unqualified table resolves to). Stores
 * with different table prefixes, or in different database schemas, do not wait for each other;
 * the locks are still per database, so a hash collision can only make two unrelated stores
 * take turns, never break one. A flush is a constant number of
 * statements whatever its size: lock, probe (sequence and row), insert or update of the row, one
 * {@code INSERT … SELECT unnest(?::uuid[])} for all members, and the sequence upsert. Every time
 * written comes from the caller. Thread-safe.
 *
 * <p>Tables ({@code db/tally/postgres/V3__usage_stats.sql}): {@code usage_stats} (one row per
 * replica), {@code usage_stats_members} (replica, kind, id), {@code usage_stats_sequence} (each
 * replica's last applied flush; the reset keeps it) and {@code usage_stats_claims} (period end
 * primary key).
 */
public final class PostgresUsageStatsStore implements UsageStatsStore {
  private static final short WORKSPACE = 1;
  private static final short USER = 2;
  /**
   * The first key of the two-key advisory lock ("talu"); the second is the hash of the
   * schema-qualified stats table. Two-key advisory locks do not share a key space with the
   * one-key (bigint) locks, such as the migration lock.
   */
  static final int LOCK_CLASS = 0x7461_6c75;

  private final DataSource dataSource;
  private final PostgresSchema schema;
  private final String statsTable;
  private final String lockSql;
  private final String probeSql;
  private final String insertSql;
  private final String updateSql;
  private final String membersSql;
  private final String sequenceSql;
  private final String claimSql;
  private final String rowsSql;
  private final String distinctSql;
  private final String deleteMembersSql;
  private final String deleteRowsSql;
  private final String pruneSequenceSql;
  private final String pruneClaimsSql;

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
    String sequence = schema.table("usage_stats_sequence");
    String claims = schema.table("usage_stats_claims");
    // The schema is resolved by the server (the search path's first schema, where the
    // unqualified table lives), so stores in different schemas take different locks.
    this.lockSql =
        "SELECT pg_advisory_xact_lock(" + LOCK_CLASS + ", hashtext(current_schema() || '.' || ?))";
    this.probeSql =
        "SELECT s.session_id, s.last_sequence, s.last_inserted,"
            + " EXISTS (SELECT 1 FROM " + stats + " WHERE replica_id = ?)"
            + " FROM (VALUES (1)) v LEFT JOIN " + sequence + " s ON s.replica_id = ?";
    this.insertSql =
        "INSERT INTO " + stats + " (replica_id, window_start, unique_workspaces, unique_users,"
            + " allowed_requests, denied_requests, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
    this.updateSql =
        "UPDATE " + stats + " SET unique_workspaces = ?, unique_users = ?,"
            + " allowed_requests = allowed_requests + ?, denied_requests = denied_requests + ?,"
            + " updated_at = ? WHERE replica_id = ?";
    this.membersSql =
        "INSERT INTO " + members + " (replica_id, kind, member_id)"
            + " SELECT ?::uuid, " + WORKSPACE + ", unnest(?::uuid[])"
            + " UNION ALL SELECT ?::uuid, " + USER + ", unnest(?::uuid[])"
            + " ON CONFLICT DO NOTHING";
    this.sequenceSql =
        "INSERT INTO " + sequence + " (replica_id, session_id, last_sequence, last_inserted,"
            + " updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (replica_id) DO UPDATE SET"
            + " session_id = EXCLUDED.session_id, last_sequence = EXCLUDED.last_sequence,"
            + " last_inserted = EXCLUDED.last_inserted, updated_at = EXCLUDED.updated_at";
    this.claimSql =
        "INSERT INTO " + claims + " (period_end, claimed_at, claimed_by) VALUES (?, ?, ?)"
            + " ON CONFLICT (period_end) DO NOTHING";
    this.rowsSql =
        "SELECT replica_id, window_start, unique_workspaces, unique_users, allowed_requests,"
            + " denied_requests, updated_at FROM " + stats;
    this.distinctSql =
        "SELECT m.kind, COUNT(DISTINCT m.member_id) FROM " + members + " m JOIN " + stats
            + " r ON r.replica_id = m.replica_id WHERE r.updated_at >= ? GROUP BY m.kind";
    this.deleteMembersSql = "DELETE FROM " + members;
    this.deleteRowsSql = "DELETE FROM " + stats;
    this.pruneSequenceSql = "DELETE FROM " + sequence + " WHERE updated_at < ?";
    this.pruneClaimsSql = "DELETE FROM " + claims + " WHERE claimed_at < ?";
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
    takeLock(c);
    boolean exists;
    try (PreparedStatement ps = c.prepareStatement(probeSql)) {
      ps.setObject(1, f.replicaId());
      ps.setObject(2, f.replicaId());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        UUID session = rs.getObject(1, UUID.class);
        if (f.session().equals(session) && rs.getLong(2) >= f.sequence()) {
          return FlushOutcome.alreadyApplied(rs.getBoolean(3));
        }
        exists = rs.getBoolean(4);
      }
    }
    if (exists) {
      try (PreparedStatement ps = c.prepareStatement(updateSql)) {
        ps.setLong(1, f.cumulativeWorkspaces());
        ps.setLong(2, f.cumulativeUsers());
        ps.setLong(3, f.allowedRequests());
        ps.setLong(4, f.deniedRequests());
        ps.setObject(5, time(f.at()));
        ps.setObject(6, f.replicaId());
        ps.executeUpdate();
      }
    } else {
      try (PreparedStatement ps = c.prepareStatement(insertSql)) {
        ps.setObject(1, f.replicaId());
        ps.setObject(2, time(f.at()));
        ps.setLong(3, f.workspaceIds().size());
        ps.setLong(4, f.userIds().size());
        ps.setLong(5, f.allowedRequests());
        ps.setLong(6, f.deniedRequests());
        ps.setObject(7, time(f.at()));
        ps.executeUpdate();
      }
    }
    if (!f.workspaceIds().isEmpty() || !f.userIds().isEmpty()) {
      Array workspaces = c.createArrayOf("uuid", f.workspaceIds().toArray());
      Array users = c.createArrayOf("uuid", f.userIds().toArray());
      try (PreparedStatement ps = c.prepareStatement(membersSql)) {
        ps.setObject(1, f.replicaId());
        ps.setArray(2, workspaces);
        ps.setObject(3, f.replicaId());
        ps.setArray(4, users);
        ps.executeUpdate();
      } finally {
        workspaces.free();
        users.free();
      }
    }
    try (PreparedStatement ps = c.prepareStatement(sequenceSql)) {
      ps.setObject(1, f.replicaId());
      ps.setObject(2, f.session());
      ps.setLong(3, f.sequence());
      ps.setBoolean(4, !exists);
      ps.setObject(5, time(f.at()));
      ps.executeUpdate();
    }
    return FlushOutcome.applied(!exists);
  }

  @Override
  public Optional<UsageSummary> collectAndReset(
      Instant periodEnd, Duration period, Instant now, String claimedBy) {
    Objects.requireNonNull(periodEnd, "periodEnd");
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(claimedBy, "claimedBy");
    try (Connection c = dataSource.getConnection()) {
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
    try (PreparedStatement ps = c.prepareStatement(claimSql)) {
      ps.setObject(1, time(periodEnd));
      ps.setObject(2, time(now));
      ps.setString(3, claimedBy);
      if (ps.executeUpdate() == 0) {
        return Optional.empty(); // already claimed: nothing changed
      }
    }
    Instant cutoff = now.minus(period.multipliedBy(2));
    List<ReplicaUsage> counted = new ArrayList<>();
    long allowed = 0;
    long denied = 0;
    for (ReplicaUsage row : readRows(c)) {
      if (!row.updatedAt().isBefore(cutoff)) {
        counted.add(row);
        allowed += row.allowedRequests();
        denied += row.deniedRequests();
      }
    }
    long workspaces = 0;
    long users = 0;
    try (PreparedStatement ps = c.prepareStatement(distinctSql)) {
      ps.setObject(1, time(cutoff));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (rs.getShort(1) == WORKSPACE) {
            workspaces = rs.getLong(2);
          } else if (rs.getShort(1) == USER) {
            users = rs.getLong(2);
          }
        }
      }
    }
    execute(c, deleteMembersSql, null);
    execute(c, deleteRowsSql, null);
    Instant retained = now.minus(RETENTION);
    execute(c, pruneSequenceSql, retained);
    execute(c, pruneClaimsSql, retained);
    return Optional.of(
        new UsageSummary(
            workspaces, users, allowed, denied, periodEnd.minus(period), period, counted));
  }

  @Override
  public List<ReplicaUsage> replicaUsage() {
    try (Connection c = dataSource.getConnection()) {
      return readRows(c);
    } catch (SQLException e) {
      throw new StoreException(
          "reading usage stats from table " + statsTable + " failed (SQLState " + e.getSQLState() + ")",
          e);
    }
  }

  private List<ReplicaUsage> readRows(Connection c) throws SQLException {
    List<ReplicaUsage> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(rowsSql);
        ResultSet rs = ps.executeQuery()) {
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
