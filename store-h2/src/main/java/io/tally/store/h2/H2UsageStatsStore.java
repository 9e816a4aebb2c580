package io.tally.store.h2;

import io.tally.core.StoreException;
import io.tally.core.usagestats.FlushOutcome;
import io.tally.core.usagestats.ReplicaUsage;
import io.tally.core.usagestats.UsageFlush;
import io.tally.core.usagestats.UsageStatsStore;
import io.tally.core.usagestats.UsageSummary;
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
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The {@link UsageStatsStore} on H2. The stats lock is the single row of
 * {@code <prefix>usage_stats_lock}, selected {@code FOR UPDATE} at the start of every flush and
 * collection transaction. Members are written with a batched {@code MERGE}; counters saturate at
 * {@link Long#MAX_VALUE}; a collection counts every row present and keeps its summary with the
 * claim, like every store (see {@link UsageStatsStore}). Every time written comes from the
 * caller. Thread-safe.
 *
 * <p>Tables ({@code db/tally/h2/V3__usage_stats.sql}, {@code V4__usage_stats_claims.sql}):
 * {@code usage_stats} (one row per replica), {@code usage_stats_members} (replica, kind, id),
 * {@code usage_stats_sequence} (each replica's last applied flush; the reset keeps it),
 * {@code usage_stats_claims} (period end primary key, and the summary returned),
 * {@code usage_stats_claim_rows} (the replica rows of that summary) and {@code usage_stats_lock}.
 */
public final class H2UsageStatsStore implements UsageStatsStore {
  private static final short WORKSPACE = 1;
  private static final short USER = 2;

  private final DataSource dataSource;
  private final H2Schema schema;
  private final String stats;
  private final String members;
  private final String sequence;
  private final String claims;
  private final String claimRows;
  private final String lock;

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
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.schema = Objects.requireNonNull(schema, "schema");
    this.stats = schema.table("usage_stats");
    this.members = schema.table("usage_stats_members");
    this.sequence = schema.table("usage_stats_sequence");
    this.claims = schema.table("usage_stats_claims");
    this.claimRows = schema.table("usage_stats_claim_rows");
    this.lock = schema.table("usage_stats_lock");
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

  /** @return the main table written, one row per replica, e.g. {@code tally_usage_stats} */
  public String table() {
    return stats;
  }

  /**
   * Applies the schema's missing migrations; see {@link H2Schema#migrate(DataSource)}.
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
          "flushing usage stats of replica " + f.replicaId() + " into table " + stats
              + " failed (SQLState " + e.getSQLState() + ")",
          e);
    }
  }

  private FlushOutcome flush(Connection c, UsageFlush f) throws SQLException {
    takeLock(c);
    boolean exists;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT s.session_id, s.last_sequence, s.last_inserted,"
                + " (SELECT COUNT(*) FROM " + stats + " WHERE replica_id = ?)"
                + " FROM (VALUES (1)) v LEFT JOIN " + sequence + " s ON s.replica_id = ?")) {
      ps.setObject(1, f.replicaId());
      ps.setObject(2, f.replicaId());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        UUID session = rs.getObject(1, UUID.class);
        if (f.session().equals(session) && rs.getLong(2) >= f.sequence()) {
          return FlushOutcome.alreadyApplied(rs.getBoolean(3));
        }
        exists = rs.getLong(4) > 0;
      }
    }
    if (exists) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE " + stats + " SET unique_workspaces = ?, unique_users = ?,"
                  + " allowed_requests = " + saturatingSum("allowed_requests") + ","
                  + " denied_requests = " + saturatingSum("denied_requests") + ","
                  + " updated_at = GREATEST(updated_at, ?) WHERE replica_id = ?")) {
        ps.setLong(1, f.cumulativeWorkspaces());
        ps.setLong(2, f.cumulativeUsers());
        ps.setLong(3, f.allowedRequests());
        ps.setLong(4, f.allowedRequests());
        ps.setLong(5, f.deniedRequests());
        ps.setLong(6, f.deniedRequests());
        ps.setObject(7, time(f.at()));
        ps.setObject(8, f.replicaId());
        ps.executeUpdate();
      }
    } else {
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO " + stats + " (replica_id, window_start, unique_workspaces, unique_users,"
                  + " allowed_requests, denied_requests, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
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
      try (PreparedStatement ps =
          c.prepareStatement(
              "MERGE INTO " + members + " (replica_id, kind, member_id) KEY (replica_id, kind, member_id)"
                  + " VALUES (?, ?, ?)")) {
        addMembers(ps, f.replicaId(), WORKSPACE, f.workspaceIds());
        addMembers(ps, f.replicaId(), USER, f.userIds());
        ps.executeBatch();
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "MERGE INTO " + sequence + " (replica_id, session_id, last_sequence, last_inserted,"
                + " updated_at) KEY (replica_id) VALUES (?, ?, ?, ?, ?)")) {
      ps.setObject(1, f.replicaId());
      ps.setObject(2, f.session());
      ps.setLong(3, f.sequence());
      ps.setBoolean(4, !exists);
      ps.setObject(5, time(f.at()));
      ps.executeUpdate();
    }
    return FlushOutcome.applied(!exists);
  }

  /** {@code column + ?} (the parameter given twice), {@link Long#MAX_VALUE} where it would overflow. */
  private static String saturatingSum(String column) {
    return "CASE WHEN " + column + " > " + Long.MAX_VALUE + " - ? THEN " + Long.MAX_VALUE
        + " ELSE " + column + " + ? END";
  }

  private static void addMembers(PreparedStatement ps, UUID replica, short kind, Set<UUID> ids)
      throws SQLException {
    for (UUID id : ids) {
      ps.setObject(1, replica);
      ps.setShort(2, kind);
      ps.setObject(3, id);
      ps.addBatch();
    }
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
          "collecting usage stats for the period ending " + periodEnd + " from table " + stats
              + " failed (SQLState " + e.getSQLState() + ")",
          e);
    }
  }

  private Optional<UsageSummary> collect(
      Connection c, Instant periodEnd, Duration period, Instant now, String claimedBy)
      throws SQLException {
    takeLock(c);
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT claimed_by, period_nanos, unique_workspaces, unique_users, allowed_requests,"
                + " denied_requests FROM " + claims + " WHERE period_end = ?")) {
      ps.setObject(1, time(periodEnd));
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          // claimed before: only the same reporter gets the summary it stored, nothing changes
          if (!claimedBy.equals(rs.getString(1)) || rs.getObject(2) == null) {
            return Optional.empty();
          }
          Duration claimedPeriod = Duration.ofNanos(rs.getLong(2));
          return Optional.of(
              new UsageSummary(
                  rs.getLong(3),
                  rs.getLong(4),
                  rs.getLong(5),
                  rs.getLong(6),
                  periodEnd.minus(claimedPeriod),
                  claimedPeriod,
                  readRows(c, claimRows, periodEnd)));
        }
      }
    }
    List<ReplicaUsage> counted = readRows(c, stats, null);
    long workspaces = 0;
    long users = 0;
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT kind, COUNT(DISTINCT member_id) FROM " + members + " GROUP BY kind");
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
    deleteOlder(c, "DELETE FROM " + claims + " WHERE claimed_at < ?", retained);
    execute(
        c,
        "DELETE FROM " + claimRows + " r WHERE NOT EXISTS (SELECT 1 FROM " + claims
            + " c WHERE c.period_end = r.period_end)");
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO " + claims + " (period_end, claimed_at, claimed_by, period_nanos,"
                + " unique_workspaces, unique_users, allowed_requests, denied_requests)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
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
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO " + claimRows + " (period_end, replica_id, window_start,"
                + " unique_workspaces, unique_users, allowed_requests, denied_requests, updated_at)"
                + " SELECT ?, replica_id, window_start, unique_workspaces, unique_users,"
                + " allowed_requests, denied_requests, updated_at FROM " + stats)) {
      ps.setObject(1, time(periodEnd));
      ps.executeUpdate();
    }
    execute(c, "DELETE FROM " + members);
    execute(c, "DELETE FROM " + stats);
    deleteOlder(c, "DELETE FROM " + sequence + " WHERE updated_at < ?", retained);
    return Optional.of(summary);
  }

  @Override
  public List<ReplicaUsage> replicaUsage() {
    try (Connection c = dataSource.getConnection()) {
      return readRows(c, stats, null);
    } catch (SQLException e) {
      throw new StoreException(
          "reading usage stats from table " + stats + " failed (SQLState " + e.getSQLState() + ")",
          e);
    }
  }

  /** The replica rows of {@code table}: the stats table, or a claim's stored rows. */
  private static List<ReplicaUsage> readRows(Connection c, String table, Instant periodEnd)
      throws SQLException {
    List<ReplicaUsage> out = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT replica_id, window_start, unique_workspaces, unique_users, allowed_requests,"
                + " denied_requests, updated_at FROM " + table
                + (periodEnd == null ? "" : " WHERE period_end = ?"))) {
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

  private void takeLock(Connection c) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement("SELECT id FROM " + lock + " WHERE id = 1 FOR UPDATE");
        ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("the lock row of " + lock + " is missing; was migrate() run?");
      }
    }
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.executeUpdate();
    }
  }

  private static void deleteOlder(Connection c, String sql, Instant before) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setObject(1, time(before));
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
    return "H2UsageStatsStore{" + schema + '}';
  }
}
