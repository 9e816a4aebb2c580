package io.tally.jdbc;

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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The {@link UsageStatsStore} algorithm written once over a {@link SqlDialect}: exactly-once
 * flushes and collections across replicas.
 *
 * <p><b>Flush</b> (one transaction, under the dialect's stats lock): the replica's sequence row
 * says whether this flush (session, sequence) was applied already; if so, nothing is written and
 * the outcome says so (with whether that earlier flush inserted the row). Otherwise the replica row
 * is inserted (the flush's own counts) or updated (cumulative distinct counts, request counters
 * summed and saturating at {@link Long#MAX_VALUE}), the members are added as JDBC batches of at
 * most {@value #MEMBER_CHUNK} rows, and the sequence row is written. A dialect may run the whole
 * flush its own faster way ({@link SqlDialect#flushUsageStats}: PostgreSQL's one pipelined
 * statement with arrays, and COPY for large member sets).
 *
 * <p><b>Collection</b> (one transaction, under the same lock): a period claimed before returns the
 * summary stored with the claim to the same reporter, and nothing to any other; otherwise every
 * replica row present is summed, distinct members counted, the claim stored with its summary and
 * rows, the replica rows and members emptied, and claims and sequence rows older than {@link
 * UsageStatsStore#RETENTION} pruned. Every time written comes from the caller. Thread-safe.
 */
public class JdbcUsageStatsStore implements UsageStatsStore {
  /** The kind of a workspace member. */
  public static final short WORKSPACE = 1;

  /** The kind of a user member. */
  public static final short USER = 2;

  /** The most members sent in one JDBC batch: {@value}. */
  public static final int MEMBER_CHUNK = 1_000;

  private final DataSource dataSource;
  private final SqlDialect dialect;
  private final JdbcSchema schema;
  private final UsageStatsTables t;

  /**
   * Creates the store.
   *
   * @param dataSource the database
   * @param dialect its dialect
   * @param schema names the tables
   * @throws NullPointerException if an argument is null
   */
  protected JdbcUsageStatsStore(DataSource dataSource, SqlDialect dialect, JdbcSchema schema) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.dialect = Objects.requireNonNull(dialect, "dialect");
    this.schema = Objects.requireNonNull(schema, "schema");
    this.t = UsageStatsTables.of(schema);
  }

  /**
   * @return the main table written, one row per replica, e.g. {@code tally_usage_stats}
   */
  public String table() {
    return t.stats();
  }

  /**
   * @return the store's tables
   */
  protected UsageStatsTables tables() {
    return t;
  }

  /**
   * Applies the schema's missing migrations; see {@link JdbcSchema#migrate(DataSource)}.
   *
   * @return the versions applied now
   */
  public List<Integer> migrate() {
    return schema.migrate(dataSource);
  }

  @Override
  public FlushOutcome flush(UsageFlush f) {
    Objects.requireNonNull(f, "flush");
    try {
      return Transactions.inTransaction(dataSource, c -> flush(c, f));
    } catch (SQLException e) {
      throw new StoreException(
          "flushing usage stats of replica "
              + f.replicaId()
              + " into table "
              + t.stats()
              + " failed (SQLState "
              + e.getSQLState()
              + ")",
          e);
    }
  }

  private FlushOutcome flush(Connection c, UsageFlush f) throws SQLException {
    FlushOutcome fast = dialect.flushUsageStats(c, t, f);
    if (fast != null) {
      return fast;
    }
    dialect.lockUsageStats(c, t);
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT session_id, last_sequence, last_inserted FROM "
                + t.sequence()
                + " WHERE replica_id = ?")) {
      ps.setObject(1, dialect.uuid(f.replicaId()));
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()
            && f.session().equals(dialect.readUuid(rs, 1))
            && rs.getLong(2) >= f.sequence()) {
          return FlushOutcome.alreadyApplied(rs.getBoolean(3));
        }
      }
    }
    boolean inserted = updateRow(c, f) == 0;
    if (inserted) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO "
                  + t.stats()
                  + " (replica_id, window_start, unique_workspaces,"
                  + " unique_users, allowed_requests, denied_requests, updated_at)"
                  + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
        ps.setObject(1, dialect.uuid(f.replicaId()));
        ps.setObject(2, dialect.time(f.at()));
        ps.setLong(3, f.workspaceIds().size());
        ps.setLong(4, f.userIds().size());
        ps.setLong(5, f.allowedRequests());
        ps.setLong(6, f.deniedRequests());
        ps.setObject(7, dialect.time(f.at()));
        ps.executeUpdate();
      }
    }
    if (!f.workspaceIds().isEmpty() || !f.userIds().isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement(dialect.usageMemberInsert(t.members()))) {
        int pending = addMembers(ps, f.replicaId(), WORKSPACE, f.workspaceIds(), 0);
        pending = addMembers(ps, f.replicaId(), USER, f.userIds(), pending);
        if (pending > 0) {
          ps.executeBatch();
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement(dialect.usageSequenceUpsert(t.sequence()))) {
      ps.setObject(1, dialect.uuid(f.replicaId()));
      ps.setObject(2, dialect.uuid(f.session()));
      ps.setLong(3, f.sequence());
      ps.setBoolean(4, inserted);
      ps.setObject(5, dialect.time(f.at()));
      ps.executeUpdate();
    }
    return FlushOutcome.applied(inserted);
  }

  /** Updates the replica's row; returns the rows updated (0 if it has none yet). */
  private int updateRow(Connection c, UsageFlush f) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE "
                + t.stats()
                + " SET unique_workspaces = ?, unique_users = ?,"
                + " allowed_requests = "
                + saturatingSum("allowed_requests")
                + ","
                + " denied_requests = "
                + saturatingSum("denied_requests")
                + ","
                + " updated_at = CASE WHEN updated_at < ? THEN ? ELSE updated_at END"
                + " WHERE replica_id = ?")) {
      ps.setLong(1, f.cumulativeWorkspaces());
      ps.setLong(2, f.cumulativeUsers());
      ps.setLong(3, f.allowedRequests());
      ps.setLong(4, f.allowedRequests());
      ps.setLong(5, f.deniedRequests());
      ps.setLong(6, f.deniedRequests());
      ps.setObject(7, dialect.time(f.at()));
      ps.setObject(8, dialect.time(f.at()));
      ps.setObject(9, dialect.uuid(f.replicaId()));
      return ps.executeUpdate();
    }
  }

  /**
   * {@code column + ?} (the parameter given twice), {@link Long#MAX_VALUE} where it would overflow.
   */
  private static String saturatingSum(String column) {
    return "CASE WHEN "
        + column
        + " > "
        + Long.MAX_VALUE
        + " - ? THEN "
        + Long.MAX_VALUE
        + " ELSE "
        + column
        + " + ? END";
  }

  /**
   * Adds members to the batch, sending it every {@value #MEMBER_CHUNK} rows; returns the rows
   * pending.
   */
  private int addMembers(PreparedStatement ps, UUID replica, short kind, Set<UUID> ids, int pending)
      throws SQLException {
    int n = pending;
    for (UUID id : ids) {
      ps.setObject(1, dialect.uuid(replica));
      ps.setShort(2, kind);
      ps.setObject(3, dialect.uuid(id));
      ps.addBatch();
      if (++n == MEMBER_CHUNK) {
        ps.executeBatch();
        n = 0;
      }
    }
    return n;
  }

  @Override
  public Optional<UsageSummary> collectAndReset(
      Instant periodEnd, Duration period, Instant now, String claimedBy) {
    Objects.requireNonNull(periodEnd, "periodEnd");
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(claimedBy, "claimedBy");
    try {
      return Transactions.inTransaction(
          dataSource, c -> collect(c, periodEnd, period, now, claimedBy));
    } catch (SQLException e) {
      throw new StoreException(
          "collecting usage stats for the period ending "
              + periodEnd
              + " from table "
              + t.stats()
              + " failed (SQLState "
              + e.getSQLState()
              + ")",
          e);
    }
  }

  private Optional<UsageSummary> collect(
      Connection c, Instant periodEnd, Duration period, Instant now, String claimedBy)
      throws SQLException {
    dialect.lockUsageStats(c, t);
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT claimed_by, period_nanos, unique_workspaces, unique_users, allowed_requests,"
                + " denied_requests FROM "
                + t.claims()
                + " WHERE period_end = ?")) {
      ps.setObject(1, dialect.time(periodEnd));
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
                  readRows(c, t.claimRows(), periodEnd)));
        }
      }
    }
    List<ReplicaUsage> counted = readRows(c, t.stats(), null);
    long workspaces = 0;
    long users = 0;
    try (PreparedStatement ps = c.prepareStatement(dialect.usageDistinctMembers(t.members()));
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
    execute(c, "DELETE FROM " + t.claims() + " WHERE claimed_at < ?", retained);
    execute(
        c,
        "DELETE FROM "
            + t.claimRows()
            + " WHERE NOT EXISTS (SELECT 1 FROM "
            + t.claims()
            + " c WHERE c.period_end = "
            + t.claimRows()
            + ".period_end)",
        null);
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO "
                + t.claims()
                + " (period_end, claimed_at, claimed_by, period_nanos,"
                + " unique_workspaces, unique_users, allowed_requests, denied_requests)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setObject(1, dialect.time(periodEnd));
      ps.setObject(2, dialect.time(now));
      ps.setString(3, claimedBy);
      ps.setLong(4, period.toNanos());
      ps.setLong(5, workspaces);
      ps.setLong(6, users);
      ps.setLong(7, summary.allowedRequests());
      ps.setLong(8, summary.deniedRequests());
      ps.executeUpdate();
    }
    execute(
        c,
        "INSERT INTO "
            + t.claimRows()
            + " (period_end, replica_id, window_start,"
            + " unique_workspaces, unique_users, allowed_requests, denied_requests, updated_at)"
            + " SELECT ?, replica_id, window_start, unique_workspaces, unique_users,"
            + " allowed_requests, denied_requests, updated_at FROM "
            + t.stats(),
        periodEnd);
    execute(c, "DELETE FROM " + t.stats(), null);
    dialect.emptyUsageMembers(c, t.members());
    execute(c, "DELETE FROM " + t.sequence() + " WHERE updated_at < ?", retained);
    return Optional.of(summary);
  }

  @Override
  public List<ReplicaUsage> replicaUsage() {
    try (Connection c = dataSource.getConnection()) {
      return readRows(c, t.stats(), null);
    } catch (SQLException e) {
      throw new StoreException(
          "reading usage stats from table "
              + t.stats()
              + " failed (SQLState "
              + e.getSQLState()
              + ")",
          e);
    }
  }

  /** The replica rows of {@code table}: the stats table, or a claim's stored rows. */
  private List<ReplicaUsage> readRows(Connection c, String table, @Nullable Instant periodEnd)
      throws SQLException {
    List<ReplicaUsage> out = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT replica_id, window_start, unique_workspaces, unique_users, allowed_requests,"
                + " denied_requests, updated_at FROM "
                + table
                + (periodEnd == null ? "" : " WHERE period_end = ?"))) {
      if (periodEnd != null) {
        ps.setObject(1, dialect.time(periodEnd));
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new ReplicaUsage(
                  dialect.readUuid(rs, 1),
                  dialect.readTime(rs, 2),
                  rs.getLong(3),
                  rs.getLong(4),
                  rs.getLong(5),
                  rs.getLong(6),
                  dialect.readTime(rs, 7)));
        }
      }
    }
    out.sort(Comparator.comparing(r -> r.replicaId().toString()));
    return out;
  }

  private void execute(Connection c, String sql, @Nullable Instant parameter) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      if (parameter != null) {
        ps.setObject(1, dialect.time(parameter));
      }
      ps.executeUpdate();
    }
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "{" + schema + '}';
  }
}
