package io.tally.store.mariadb;

import io.tally.core.InputRules;
import io.tally.core.StoreException;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionLogStore.RetentionLock;
import io.tally.jdbc.KeyType;
import io.tally.jdbc.SessionLock;
import io.tally.jdbc.SqlDialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * MariaDB (and MySQL) under Tally's JDBC store algorithms. Times are {@code DATETIME(6)} in UTC,
 * bound as {@link LocalDateTime}; UUIDs are {@code CHAR(36)} text. Batches are JDBC batches of
 * {@code INSERT … ON DUPLICATE KEY UPDATE} (the driver sends them in bulk); the usage-stats lock is
 * the lock row (a transaction lock: {@code GET_LOCK} is a session lock, which a pooled connection
 * would keep after the transaction); the retention lock is {@code GET_LOCK} on a connection of its
 * own, named by the hash of the database and table (lock names are at most 64 characters).
 */
final class MariaDbDialect extends SqlDialect {
  static final MariaDbDialect INSTANCE = new MariaDbDialect();

  /** The last storable time: DATETIME(6) ends at 9999-12-31 23:59:59.999999. */
  private static final Instant LAST = InputRules.MAX_TIME.truncatedTo(ChronoUnit.MICROS);

  private static final String COLUMNS =
      "id, connect_time, organization_id, workspace_owner_id, workspace_id, workspace_name,"
          + " agent_name, type, code, ip, user_agent, user_id, slug_or_port, connection_id,"
          + " disconnect_time, disconnect_reason";
  private static final String VALUES = " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String NEWER_DISCONNECT =
      "VALUES(disconnect_time) IS NOT NULL AND (disconnect_time IS NULL"
          + " OR VALUES(disconnect_time) > disconnect_time)";

  private MariaDbDialect() {}

  @Override
  public String name() {
    return "MariaDB";
  }

  /**
   * MariaDB error codes that report a transient conflict under SQLState {@code HY000} or {@code
   * 70100}: lock wait timeout (1205), deadlock (1213), statement time exceeded (1969), query
   * interrupted (1317).
   */
  private static final Set<Integer> TRANSIENT_CODES = Set.of(1205, 1213, 1969, 1317);

  /** Classifies by SQLState, and by MariaDB's error code where the state is generic. */
  @Override
  public StoreException storeException(String what, SQLException failure) {
    StoreException e = super.storeException(what, failure);
    if (e.kind() == StoreException.Kind.UNKNOWN
        && TRANSIENT_CODES.contains(failure.getErrorCode())) {
      return new StoreException(e.getMessage(), failure, StoreException.Kind.TRANSIENT);
    }
    return e;
  }

  @Override
  public Object time(Instant instant) {
    return instant == null ? null : LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  @Override
  public Instant readTime(ResultSet rs, int column) throws SQLException {
    return rs.getObject(column, LocalDateTime.class).toInstant(ZoneOffset.UTC);
  }

  @Override
  public Object uuid(UUID id) {
    return id == null ? null : id.toString();
  }

  @Override
  public @Nullable UUID readUuid(ResultSet rs, int column) throws SQLException {
    String s = rs.getString(column);
    return s == null ? null : UUID.fromString(s);
  }

  // ---- last used ----

  @Override
  public String lastUsedUpsert(String table) {
    return "INSERT INTO "
        + table
        + " (id, last_used_at) VALUES (?, ?)"
        + " ON DUPLICATE KEY UPDATE last_used_at = GREATEST(last_used_at, VALUES(last_used_at))";
  }

  @Override
  public String lastUsedUpdate(String table, String idColumn, String timeColumn, KeyType keyType) {
    return "UPDATE "
        + table
        + " SET "
        + timeColumn
        + " = ? WHERE "
        + idColumn
        + " = ? AND ("
        + timeColumn
        + " IS NULL OR "
        + timeColumn
        + " < ?)";
  }

  @Override
  public void markUsed(
      Connection c, String sql, @Nullable KeyType keyType, List<Object> ids, List<Instant> times)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < ids.size(); i++) {
        Object id = ids.get(i) instanceof UUID ? ids.get(i).toString() : ids.get(i);
        Object at = time(times.get(i));
        if (keyType == null) {
          ps.setObject(1, id);
          ps.setObject(2, at);
        } else {
          ps.setObject(1, at);
          ps.setObject(2, id);
          ps.setObject(3, at);
        }
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  // ---- usage stats ----

  @Override
  public String usageSequenceUpsert(String sequence) {
    return "INSERT INTO "
        + sequence
        + " (replica_id, session_id, last_sequence, last_inserted,"
        + " updated_at) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
        + " session_id = VALUES(session_id), last_sequence = VALUES(last_sequence),"
        + " last_inserted = VALUES(last_inserted), updated_at = VALUES(updated_at)";
  }

  // ---- connection log ----

  @Override
  public void upsertConnectionLog(Connection c, String table, List<ConnectionEvent> rows)
      throws SQLException {
    // ON DUPLICATE KEY matches any unique key: a row found by its id but of another session must
    // fail as PostgreSQL's does (a DATA error), so id is set to NULL then, which strict mode
    // refuses (23000). Assignments run left to right and see the values already assigned:
    // disconnect_time last.
    String keyed =
        "INSERT INTO "
            + table
            + " ("
            + COLUMNS
            + ")"
            + VALUES
            + " ON DUPLICATE KEY UPDATE"
            + " id = IF(connection_id <=> VALUES(connection_id) AND workspace_id = VALUES(workspace_id)"
            + " AND agent_name = VALUES(agent_name), id, NULL),"
            + " connect_time = LEAST(connect_time, VALUES(connect_time)),"
            + " disconnect_reason = CASE WHEN "
            + NEWER_DISCONNECT
            + " THEN VALUES(disconnect_reason) ELSE disconnect_reason END,"
            + " code = CASE WHEN "
            + NEWER_DISCONNECT
            + " THEN VALUES(code) ELSE code END,"
            + " disconnect_time = CASE WHEN "
            + NEWER_DISCONNECT
            + " THEN VALUES(disconnect_time) ELSE disconnect_time END";
    // A row without a connection id is inserted once; its id already there changes nothing.
    String keyless =
        "INSERT INTO " + table + " (" + COLUMNS + ")" + VALUES + " ON DUPLICATE KEY UPDATE id = id";
    try (PreparedStatement k = c.prepareStatement(keyed);
        PreparedStatement l = c.prepareStatement(keyless)) {
      batchConnectionLog(k, l, rows);
    }
  }

  @Override
  public int deleteConnectionLog(Connection c, String table, Instant before, int limit)
      throws SQLException {
    // A cutoff past the last storable time (year 10000) cannot be bound: every row is older.
    boolean all = before.isAfter(LAST);
    try (PreparedStatement ps =
        c.prepareStatement(
            "DELETE FROM "
                + table
                + " WHERE connect_time "
                + (all ? "<=" : "<")
                + " ? ORDER BY connect_time LIMIT ?")) {
      ps.setObject(1, time(all ? LAST : before));
      ps.setInt(2, limit);
      return ps.executeUpdate();
    }
  }

  @Override
  public Optional<RetentionLock> tryLockRetention(DataSource dataSource, String table)
      throws SQLException {
    return SessionLock.tryLock(
        dataSource,
        "SELECT GET_LOCK(" + lockName() + ", 0)",
        "SELECT RELEASE_LOCK(" + lockName() + ")",
        table);
  }

  /** A lock name of at most 64 characters: the hash of the database and the table (parameter). */
  private static String lockName() {
    return "CONCAT('tally_r_', SHA1(CONCAT(DATABASE(), '.', ?)))";
  }
}
