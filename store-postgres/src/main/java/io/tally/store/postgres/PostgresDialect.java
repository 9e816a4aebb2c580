package io.tally.store.postgres;

import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionLogStore.RetentionLock;
import io.tally.core.usagestats.FlushOutcome;
import io.tally.core.usagestats.UsageFlush;
import io.tally.jdbc.JdbcUsageStatsStore;
import io.tally.jdbc.KeyType;
import io.tally.jdbc.SqlDialect;
import io.tally.jdbc.UsageStatsTables;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;

/**
 * PostgreSQL under Tally's JDBC store algorithms: a batch is bound as array parameters expanded by
 * {@code unnest} (one statement per flush), times as ISO-8601 text cast to {@code timestamptz}
 * (PostgreSQL would round nanoseconds, possibly up), ids of Tally's own table as text.
 *
 * <p>Usage stats: the lock is a transaction-level advisory lock ({@code pg_advisory_xact_lock(int,
 * int)}) whose keys are a fixed class and the hash of the stats table's schema-qualified name
 * ({@code hashtext(current_schema() || '.' || table)}, computed by the server). A flush is one
 * round trip plus the commit, whatever its size: the lock and one statement whose data-modifying
 * {@code WITH} clauses probe the sequence, upsert the replica row, insert the members from {@code
 * unnest(?::uuid[])} and upsert the sequence row, sent together (pgjdbc pipelines them); above
 * {@value #COPY_THRESHOLD} ids the members follow by one binary {@code COPY} ({@link
 * PostgresMemberCopy}). A collection counts distinct members by hashing and empties the members
 * table with {@code TRUNCATE} ({@code DELETE} without the privilege).
 */
final class PostgresDialect extends SqlDialect {
  static final PostgresDialect INSTANCE = new PostgresDialect();

  /**
   * The first key of the two-key usage-stats advisory lock ("talu"); the second is the hash of the
   * schema-qualified stats table. Two-key advisory locks do not share a key space with the one-key
   * (bigint) locks, such as the migration lock.
   */
  static final int LOCK_CLASS = 0x7461_6c75;

  /** Above this many ids a flush writes its members by binary {@code COPY}, not as arrays. */
  static final int COPY_THRESHOLD = 5_000;

  private static final short WORKSPACE = JdbcUsageStatsStore.WORKSPACE;
  private static final short USER = JdbcUsageStatsStore.USER;

  // The schema is resolved by the server (the search path's first schema, where the unqualified
  // table lives), so stores in different schemas take different locks.
  private static final String LOCK_SQL =
      "SELECT pg_advisory_xact_lock(" + LOCK_CLASS + ", hashtext(current_schema() || '.' || ?))";

  private PostgresDialect() {}

  @Override
  public String name() {
    return "PostgreSQL";
  }

  @Override
  public String lastUsedUpsert(String table) {
    return "INSERT INTO "
        + table
        + " AS t (id, last_used_at)"
        + " SELECT v.id, v.at FROM unnest(?::text[], ?::timestamptz[]) AS v(id, at)"
        + " ON CONFLICT (id) DO UPDATE"
        + " SET last_used_at = GREATEST(t.last_used_at, EXCLUDED.last_used_at)"
        + " WHERE t.last_used_at < EXCLUDED.last_used_at";
  }

  @Override
  public String lastUsedUpdate(String table, String idColumn, String timeColumn, KeyType keyType) {
    return "UPDATE "
        + table
        + " AS t SET "
        + timeColumn
        + " = GREATEST(t."
        + timeColumn
        + ", v.at) FROM unnest(?::"
        + arrayType(keyType)
        + "[], ?::timestamptz[]) AS v(id, at)"
        + " WHERE t."
        + idColumn
        + " = v.id AND (t."
        + timeColumn
        + " IS NULL OR t."
        + timeColumn
        + " < v.at)";
  }

  @Override
  public void markUsed(
      Connection c, String sql, @Nullable KeyType keyType, List<Object> ids, List<Instant> times)
      throws SQLException {
    String[] text = new String[times.size()];
    for (int i = 0; i < text.length; i++) {
      text[i] = times.get(i).toString();
    }
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      Array idArray = c.createArrayOf(arrayType(keyType), ids.toArray());
      Array timeArray = c.createArrayOf("text", text);
      ps.setArray(1, idArray);
      ps.setArray(2, timeArray);
      ps.executeUpdate();
      idArray.free();
      timeArray.free();
    }
  }

  /** The flush statement: the lock, then one statement that writes every table. */
  private static String flushSql(UsageStatsTables t) {
    String stats = t.stats();
    String members = t.members();
    String sequence = t.sequence();
    // One round trip: the lock, then one statement that writes every table. pgjdbc sends the two
    // statements together; the server runs the second (with its own snapshot, taken after the
    // lock is granted) once the first returns. Parameters, in order: the lock's table name;
    // replica, session, sequence (the probe); replica, at, delta workspaces, delta users,
    // allowed, denied, at, cumulative workspaces, cumulative users (the row); replica,
    // workspace ids, replica, user ids (the members); replica, session, sequence, at (the
    // sequence row).
    return LOCK_SQL
        + ";\n"
        + "WITH prev AS (SELECT last_inserted FROM "
        + sequence
        + " WHERE replica_id = ? AND session_id = ? AND last_sequence >= ?),"
        + " r AS (INSERT INTO "
        + stats
        + " AS t (replica_id, window_start, unique_workspaces,"
        + " unique_users, allowed_requests, denied_requests, updated_at)"
        + " SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM prev)"
        + " ON CONFLICT (replica_id) DO UPDATE SET unique_workspaces = ?, unique_users = ?,"
        + " allowed_requests = "
        + saturatingSum("t.allowed_requests", "EXCLUDED.allowed_requests")
        + ","
        + " denied_requests = "
        + saturatingSum("t.denied_requests", "EXCLUDED.denied_requests")
        + ","
        + " updated_at = GREATEST(t.updated_at, EXCLUDED.updated_at)"
        + " RETURNING (t.xmax = 0) AS inserted),"
        + " m AS (INSERT INTO "
        + members
        + " (replica_id, kind, member_id)"
        + " SELECT ?::uuid, "
        + WORKSPACE
        + ", u.id FROM unnest(?::uuid[]) AS u(id)"
        + " WHERE NOT EXISTS (SELECT 1 FROM prev)"
        + " UNION ALL SELECT ?::uuid, "
        + USER
        + ", u.id FROM unnest(?::uuid[]) AS u(id)"
        + " WHERE NOT EXISTS (SELECT 1 FROM prev)),"
        + " s AS (INSERT INTO "
        + sequence
        + " (replica_id, session_id, last_sequence,"
        + " last_inserted, updated_at) SELECT ?, ?, ?, r.inserted, ? FROM r"
        + " ON CONFLICT (replica_id) DO UPDATE SET session_id = EXCLUDED.session_id,"
        + " last_sequence = EXCLUDED.last_sequence, last_inserted = EXCLUDED.last_inserted,"
        + " updated_at = EXCLUDED.updated_at)"
        + " SELECT (SELECT last_inserted FROM prev), (SELECT inserted FROM r)";
  }

  /** {@code a + b} for two non-negative bigints, {@link Long#MAX_VALUE} where it would overflow. */
  private static String saturatingSum(String a, String b) {
    return "CASE WHEN "
        + a
        + " > "
        + Long.MAX_VALUE
        + " - "
        + b
        + " THEN "
        + Long.MAX_VALUE
        + " ELSE "
        + a
        + " + "
        + b
        + " END";
  }

  @Override
  public @Nullable FlushOutcome flushUsageStats(Connection c, UsageStatsTables tables, UsageFlush f)
      throws SQLException {
    // Small member sets travel with the statement; large ones follow by binary COPY, which the
    // server parses fastest, once the statement has said the flush is new.
    boolean copy =
        f.workspaceIds().size() + f.userIds().size() > COPY_THRESHOLD
            && c.isWrapperFor(PGConnection.class);
    Array workspaces = c.createArrayOf("uuid", copy ? new Object[0] : f.workspaceIds().toArray());
    Array users = c.createArrayOf("uuid", copy ? new Object[0] : f.userIds().toArray());
    FlushOutcome outcome;
    try (PreparedStatement ps = c.prepareStatement(flushSql(tables))) {
      Object at = time(f.at());
      int i = 0;
      ps.setString(++i, tables.stats());
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
      PostgresMemberCopy.copy(c.unwrap(PGConnection.class), tables.members(), f);
    }
    return outcome;
  }

  @Override
  public void lockUsageStats(Connection c, UsageStatsTables tables) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(LOCK_SQL)) {
      ps.setString(1, tables.stats());
      ps.execute();
    }
  }

  @Override
  public String usageSequenceUpsert(String sequence) {
    return "INSERT INTO "
        + sequence
        + " (replica_id, session_id, last_sequence, last_inserted,"
        + " updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (replica_id) DO UPDATE SET"
        + " session_id = EXCLUDED.session_id, last_sequence = EXCLUDED.last_sequence,"
        + " last_inserted = EXCLUDED.last_inserted, updated_at = EXCLUDED.updated_at";
  }

  @Override
  public String usageDistinctMembers(String members) {
    // DISTINCT in a subquery lets the planner hash (linear) instead of sorting per kind
    return "SELECT kind, count(*) FROM (SELECT DISTINCT kind, member_id FROM "
        + members
        + ") d"
        + " GROUP BY kind";
  }

  /**
   * Empties the members with {@code TRUNCATE}: no dead rows, constant time; without the privilege,
   * {@code DELETE}, whose dead rows autovacuum reclaims.
   */
  @Override
  public void emptyUsageMembers(Connection c, String members) throws SQLException {
    boolean mayTruncate;
    try (PreparedStatement ps = c.prepareStatement("SELECT has_table_privilege(?, 'TRUNCATE')")) {
      ps.setString(1, members);
      try (ResultSet rs = ps.executeQuery()) {
        mayTruncate = rs.next() && rs.getBoolean(1);
      }
    }
    if (!mayTruncate) {
      super.emptyUsageMembers(c, members);
      return;
    }
    try (PreparedStatement ps = c.prepareStatement("TRUNCATE " + members)) {
      ps.executeUpdate();
    }
  }

  @Override
  public void upsertConnectionLog(Connection c, String table, List<ConnectionEvent> rows)
      throws SQLException {
    PostgresConnectionLogSql.upsert(c, table, rows);
  }

  @Override
  public int deleteConnectionLog(Connection c, String table, Instant before, int limit)
      throws SQLException {
    return PostgresConnectionLogSql.delete(c, table, before, limit);
  }

  @Override
  public Optional<RetentionLock> tryLockRetention(DataSource dataSource, String table)
      throws SQLException {
    return PostgresConnectionLogSql.tryLockRetention(dataSource, table);
  }

  /** The array element type of ids: text for Tally's own table ({@code keyType} null). */
  private static String arrayType(@Nullable KeyType keyType) {
    if (keyType == null) {
      return "text";
    }
    switch (keyType) {
      case UUID_KEY:
        return "uuid";
      case LONG_KEY:
        return "int8";
      default:
        return "text";
    }
  }
}
