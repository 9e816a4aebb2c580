package io.tally.store.postgres;

import io.tally.jdbc.KeyType;
import io.tally.jdbc.SqlDialect;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/**
 * PostgreSQL under Tally's JDBC store algorithms: a batch is bound as array parameters expanded by
 * {@code unnest} (one statement per flush), times as ISO-8601 text cast to {@code timestamptz}
 * (PostgreSQL would round nanoseconds, possibly up), ids of Tally's own table as text.
 */
final class PostgresDialect extends SqlDialect {
  static final PostgresDialect INSTANCE = new PostgresDialect();

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
      Connection c, String sql, KeyType keyType, List<Object> ids, List<Instant> times)
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

  /** The array element type of ids: text for Tally's own table ({@code keyType} null). */
  private static String arrayType(KeyType keyType) {
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
