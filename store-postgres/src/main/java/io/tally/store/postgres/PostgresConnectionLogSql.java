package io.tally.store.postgres;

import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionLogStore.RetentionLock;
import io.tally.jdbc.SessionLock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The connection-log part of {@link PostgresDialect}: the upsert of a batch as one statement over
 * {@code unnest}ed array parameters, the bounded delete, and the retention advisory lock (see
 * {@link PostgresConnectionLogStore}).
 */
final class PostgresConnectionLogSql {
  private static final String COLUMNS =
      "id, connect_time, organization_id, workspace_owner_id, workspace_id, workspace_name,"
          + " agent_name, type, code, ip, user_agent, user_id, slug_or_port, connection_id,"
          + " disconnect_time, disconnect_reason";
  private static final String NEWER_DISCONNECT =
      "EXCLUDED.disconnect_time IS NOT NULL AND (r.disconnect_time IS NULL"
          + " OR EXCLUDED.disconnect_time > r.disconnect_time)";

  /** The element type of each array parameter, in the order of {@link #COLUMNS}. */
  private static final String[] ARRAY_TYPES = {
    "uuid", "text", "uuid", "uuid", "uuid", "text", "text", "text", "int4", "text", "text", "uuid",
    "text", "uuid", "text", "text"
  };

  /**
   * The first key of the two-key retention advisory lock ("talr"); the second is the hash of the
   * schema-qualified connection-log table.
   */
  static final int RETENTION_LOCK_CLASS = 0x7461_6c72;

  private PostgresConnectionLogSql() {}

  static String deleteSql(String table) {
    return "DELETE FROM "
        + table
        + " WHERE id = ANY (ARRAY (SELECT id FROM "
        + table
        + " WHERE connect_time < ?::timestamptz ORDER BY connect_time LIMIT ?"
        + " FOR UPDATE SKIP LOCKED))";
  }

  static String upsertSql(String table) {
    return "WITH input AS (SELECT * FROM unnest(?::uuid[], ?::text[]::timestamptz[], ?::uuid[],"
        + " ?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::int4[], ?::text[]::inet[],"
        + " ?::text[], ?::uuid[], ?::text[], ?::uuid[], ?::text[]::timestamptz[], ?::text[])"
        + " AS u("
        + COLUMNS
        + ")),"
        + " keyed AS (INSERT INTO "
        + table
        + " AS r ("
        + COLUMNS
        + ") SELECT "
        + COLUMNS
        + " FROM input WHERE connection_id IS NOT NULL"
        + " ON CONFLICT (connection_id, workspace_id, agent_name) WHERE connection_id IS NOT NULL"
        + " DO UPDATE SET connect_time = LEAST(r.connect_time, EXCLUDED.connect_time),"
        + " disconnect_reason = CASE WHEN "
        + NEWER_DISCONNECT
        + " THEN EXCLUDED.disconnect_reason ELSE r.disconnect_reason END,"
        + " code = CASE WHEN "
        + NEWER_DISCONNECT
        + " THEN EXCLUDED.code ELSE r.code END,"
        + " disconnect_time = GREATEST(r.disconnect_time, EXCLUDED.disconnect_time)"
        + " WHERE EXCLUDED.connect_time < r.connect_time OR ("
        + NEWER_DISCONNECT
        + ") RETURNING 1),"
        + " keyless AS (INSERT INTO "
        + table
        + " ("
        + COLUMNS
        + ") SELECT "
        + COLUMNS
        + " FROM input WHERE connection_id IS NULL ON CONFLICT (id) DO NOTHING RETURNING 1)"
        + " SELECT (SELECT count(*) FROM keyed) + (SELECT count(*) FROM keyless)";
  }

  /** Upserts the rows with one statement: each column one array parameter. */
  static void upsert(Connection c, String table, List<ConnectionEvent> rows) throws SQLException {
    int n = rows.size();
    UUID[] id = new UUID[n];
    String[] connectTime = new String[n];
    UUID[] organizationId = new UUID[n];
    UUID[] workspaceOwnerId = new UUID[n];
    UUID[] workspaceId = new UUID[n];
    String[] workspaceName = new String[n];
    String[] agentName = new String[n];
    String[] type = new String[n];
    Integer[] code = new Integer[n];
    String[] ip = new String[n];
    String[] userAgent = new String[n];
    UUID[] userId = new UUID[n];
    String[] slugOrPort = new String[n];
    UUID[] connectionId = new UUID[n];
    String[] disconnectTime = new String[n];
    String[] disconnectReason = new String[n];
    for (int i = 0; i < n; i++) {
      ConnectionEvent e = rows.get(i);
      id[i] = e.id();
      connectTime[i] = text(e.connectTime());
      organizationId[i] = e.organizationId();
      workspaceOwnerId[i] = e.workspaceOwnerId();
      workspaceId[i] = e.workspaceId();
      workspaceName[i] = e.workspaceName();
      agentName[i] = e.agentName();
      type[i] = e.typeName();
      code[i] = e.code();
      ip[i] = e.ip();
      userAgent[i] = e.userAgent();
      userId[i] = e.userId();
      slugOrPort[i] = e.slugOrPort();
      connectionId[i] = e.connectionId();
      disconnectTime[i] = text(e.disconnectTime());
      disconnectReason[i] = e.disconnectReason();
    }
    Object[][] columns = {
      id,
      connectTime,
      organizationId,
      workspaceOwnerId,
      workspaceId,
      workspaceName,
      agentName,
      type,
      code,
      ip,
      userAgent,
      userId,
      slugOrPort,
      connectionId,
      disconnectTime,
      disconnectReason
    };
    try (PreparedStatement ps = c.prepareStatement(upsertSql(table))) {
      for (int i = 0; i < columns.length; i++) {
        ps.setArray(i + 1, c.createArrayOf(ARRAY_TYPES[i], columns[i]));
      }
      ps.executeQuery().close();
    }
  }

  /** Deletes at most {@code limit} of the oldest rows, skipping rows a writer has locked. */
  static int delete(Connection c, String table, Instant before, int limit) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(deleteSql(table))) {
      ps.setString(1, text(before).replace("+", "")); // year 10000 is "+10000-…"
      ps.setInt(2, limit);
      return ps.executeUpdate();
    }
  }

  /**
   * Takes the session-level retention advisory lock ({@code pg_try_advisory_lock(int, int)}: the
   * class and the hash of the schema-qualified table) on a connection of its own.
   */
  static Optional<RetentionLock> tryLockRetention(DataSource dataSource, String table)
      throws SQLException {
    return SessionLock.tryLock(
        dataSource, advisory("pg_try_advisory_lock"), advisory("pg_advisory_unlock"), table);
  }

  private static String advisory(String function) {
    return "SELECT "
        + function
        + "("
        + RETENTION_LOCK_CLASS
        + ", hashtext(current_schema() || '.' || ?))";
  }

  private static String text(Instant t) {
    return t == null ? null : t.truncatedTo(ChronoUnit.MICROS).toString(); // never rounded up
  }
}
