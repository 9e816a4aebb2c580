package io.tally.store.h2;

import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionLogStore.RetentionLock;
import io.tally.jdbc.KeyType;
import io.tally.jdbc.SqlDialect;
import io.tally.jdbc.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * H2 under Tally's JDBC store algorithms: a batch is bound as array parameters expanded by {@code
 * UNNEST} into one {@code MERGE}; writers of one table take turns in the JVM and a conflict with a
 * writer elsewhere is retried ({@link H2Writes}). The usage-stats lock is the single row of {@code
 * <prefix>usage_stats_lock}, selected {@code FOR UPDATE}; members are merged on their key.
 */
final class H2Dialect extends SqlDialect {
  static final H2Dialect INSTANCE = new H2Dialect();

  private H2Dialect() {}

  @Override
  public String name() {
    return "H2";
  }

  @Override
  public void write(DataSource dataSource, String table, Transactions.Work<?> work)
      throws SQLException {
    H2Writes.run(dataSource, table, c -> Transactions.inTransaction(c, work));
  }

  private static String rows(@Nullable KeyType keyType) {
    return "(SELECT C1 AS id, C2 AS at FROM UNNEST(CAST(? AS "
        + sqlType(keyType)
        + " ARRAY), CAST(? AS TIMESTAMP(6) WITH TIME ZONE ARRAY))) AS v";
  }

  @Override
  public String lastUsedUpsert(String table) {
    return "MERGE INTO "
        + table
        + " AS t USING "
        + rows(null)
        + " ON t.id = v.id"
        + " WHEN MATCHED AND t.last_used_at < v.at THEN UPDATE SET last_used_at = v.at"
        + " WHEN NOT MATCHED THEN INSERT (id, last_used_at) VALUES (v.id, v.at)";
  }

  @Override
  public String lastUsedUpdate(String table, String idColumn, String timeColumn, KeyType keyType) {
    return "MERGE INTO "
        + table
        + " AS t USING "
        + rows(keyType)
        + " ON t."
        + idColumn
        + " = v.id WHEN MATCHED AND (t."
        + timeColumn
        + " IS NULL OR t."
        + timeColumn
        + " < v.at) THEN UPDATE SET "
        + timeColumn
        + " = v.at";
  }

  @Override
  public void markUsed(
      Connection c, String sql, @Nullable KeyType keyType, List<Object> ids, List<Instant> times)
      throws SQLException {
    Object[] at = new Object[times.size()];
    for (int i = 0; i < at.length; i++) {
      at[i] = OffsetDateTime.ofInstant(times.get(i), ZoneOffset.UTC);
    }
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setObject(1, ids.toArray());
      ps.setObject(2, at);
      ps.executeUpdate();
    }
  }

  @Override
  public String usageMemberInsert(String members) {
    return "MERGE INTO "
        + members
        + " (replica_id, kind, member_id)"
        + " KEY (replica_id, kind, member_id) VALUES (?, ?, ?)";
  }

  @Override
  public String usageSequenceUpsert(String sequence) {
    return "MERGE INTO "
        + sequence
        + " (replica_id, session_id, last_sequence, last_inserted,"
        + " updated_at) KEY (replica_id) VALUES (?, ?, ?, ?, ?)";
  }

  @Override
  public void upsertConnectionLog(Connection c, String table, List<ConnectionEvent> rows)
      throws SQLException {
    try (PreparedStatement keyed = c.prepareStatement(H2ConnectionLogSql.keyedSql(table));
        PreparedStatement keyless = c.prepareStatement(H2ConnectionLogSql.keylessSql(table))) {
      batchConnectionLog(keyed, keyless, rows);
    }
  }

  @Override
  public int deleteConnectionLog(Connection c, String table, Instant before, int limit)
      throws SQLException {
    return H2ConnectionLogSql.delete(c, table, before, limit);
  }

  @Override
  public Optional<RetentionLock> tryLockRetention(DataSource dataSource, String table)
      throws SQLException {
    return H2ConnectionLogSql.tryLockRetention(dataSource, table);
  }

  /** The element type of ids: VARCHAR for Tally's own table ({@code keyType} null). */
  private static String sqlType(@Nullable KeyType keyType) {
    if (keyType == null) {
      return "VARCHAR";
    }
    switch (keyType) {
      case UUID_KEY:
        return "UUID";
      case LONG_KEY:
        return "BIGINT";
      default:
        return "VARCHAR";
    }
  }
}
