package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.usagestats.UsageFlush;
import io.tally.core.usagestats.UsageSummary;
import io.tally.jdbc.SqlMigrations;
import io.tally.testkit.Await;
import io.tally.testkit.PostgresDatabase;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A rolling upgrade across V4 (the usage-stats change that alters what statements see: claim
 * summary columns, the claim-rows table, the members table's primary key dropped) and V5: a replica
 * of the previous version keeps flushing usage stats with its own statements while a replica of
 * this version applies V4 and V5 and writes too; a collection by this version then counts every
 * request and every id of both, and a claim made afterwards by the old replica still keeps this
 * version from reporting the same period twice. The class has a schema of its own.
 */
class PostgresRollingUpgradeTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  private static final String PREFIX = "ru_";
  private static final Instant T0 = Instant.parse("2026-11-29T00:00:00Z");
  private static final Duration PERIOD = Duration.ofHours(1);

  @Test
  void aPreviousVersionReplicaKeepsFlushingWhileV4AndV5AreAppliedAndNothingIsLost()
      throws Exception {
    DataSource ds = pg.dataSource();
    // The schema as the previous version left it: V1..V3, in Tally's own history table.
    List<Integer> old =
        SqlMigrations.builder("db/tally/postgres")
            .migration(1, "last_used")
            .migration(2, "connection_log")
            .migration(3, "usage_stats")
            .prefixPlaceholder("prefix", PREFIX)
            .historyTable(PREFIX + "schema_history")
            .lockStatement(
                "SELECT pg_advisory_xact_lock(" + PostgresSchema.MIGRATION_LOCK_KEY + ")")
            .classLoader(PostgresSchema.class.getClassLoader())
            .build()
            .migrate(ds);
    assertThat(old).containsExactly(1, 2, 3);

    PreviousVersionUsageStats previous = new PreviousVersionUsageStats(ds, PREFIX);
    UUID oldReplica = UUID.randomUUID();
    UUID oldSession = UUID.randomUUID();
    AtomicInteger oldFlushes = new AtomicInteger();
    AtomicInteger afterMigration = new AtomicInteger();
    AtomicBoolean migrated = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    // The old replica flushes one request and one new workspace id per flush, all the time.
    CompletableFuture<Void> oldWriter =
        CompletableFuture.runAsync(
            () -> {
              long sequence = 0;
              while (!stop.get()) {
                sequence++;
                boolean afterV5 = migrated.get();
                previous.flush(
                    oldReplica,
                    oldSession,
                    sequence,
                    UUID.nameUUIDFromBytes(bytes(sequence)),
                    T0.plusMillis(sequence));
                oldFlushes.incrementAndGet();
                if (afterV5) {
                  afterMigration.incrementAndGet();
                }
              }
            });
    Await.until("old flushes before V4", Duration.ofSeconds(30), () -> oldFlushes.get() >= 20);

    // A replica of this version starts: it applies V4 and V5 while the old one writes.
    PostgresSchema schema = PostgresSchema.withTablePrefix(PREFIX);
    assertThat(schema.migrate(ds)).containsExactly(4, 5);
    migrated.set(true);
    PostgresUsageStatsStore current = new PostgresUsageStatsStore(ds, schema);
    UUID newReplica = UUID.randomUUID();
    UUID newSession = UUID.randomUUID();
    int newFlushes = 50;
    for (int i = 1; i <= newFlushes; i++) {
      UUID workspace = UUID.nameUUIDFromBytes(bytes(-i));
      current.flush(
          new UsageFlush(
              newReplica,
              newSession,
              i,
              Set.of(workspace),
              Set.of(),
              i,
              0,
              1,
              0,
              T0.plusSeconds(i)));
    }
    Await.until(
        "old flushes after V4 and V5", Duration.ofSeconds(30), () -> afterMigration.get() >= 20);
    stop.set(true);
    oldWriter.get(30, TimeUnit.SECONDS); // rethrows a failed old flush

    int oldTotal = oldFlushes.get();
    Instant periodEnd = T0.plus(PERIOD);
    Optional<UsageSummary> summary =
        current.collectAndReset(periodEnd, PERIOD, T0.plusSeconds(120), "new-replica");
    assertThat(summary).isPresent();
    assertThat(summary.get().allowedRequests()).isEqualTo(oldTotal + newFlushes);
    assertThat(summary.get().uniqueWorkspaces()).isEqualTo(oldTotal + newFlushes);

    // The old replica reports the next period first (its claim has no stored summary): this
    // version's reporter then gets nothing for it, so the period is reported once.
    Instant next = periodEnd.plus(PERIOD);
    previous.flush(oldReplica, oldSession, oldTotal + 1, UUID.randomUUID(), next.minusSeconds(1));
    assertThat(previous.claim(next, next, "old-replica")).isTrue();
    assertThat(current.collectAndReset(next, PERIOD, next, "new-replica")).isEmpty();
  }

  private static byte[] bytes(long n) {
    return Long.toString(n).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * The usage-stats statements of the version before V4, reproduced from {@code
   * PostgresUsageStatsStore} as it was before commit 3af8e91 ({@code git show
   * 3af8e91^:store-postgres/src/main/java/io/tally/store/postgres/PostgresUsageStatsStore.java}):
   * the same advisory lock, a probe of the sequence and row, insert or update of the row, the
   * members with {@code ON CONFLICT DO NOTHING} (no conflict target: valid without the members key
   * V4 drops), the sequence upsert, and the claim without a summary.
   */
  static final class PreviousVersionUsageStats {
    private final DataSource dataSource;
    private final String stats;
    private final String lockSql;
    private final String probeSql;
    private final String insertSql;
    private final String updateSql;
    private final String membersSql;
    private final String sequenceSql;
    private final String claimSql;

    PreviousVersionUsageStats(DataSource dataSource, String prefix) {
      this.dataSource = dataSource;
      this.stats = prefix + "usage_stats";
      String members = prefix + "usage_stats_members";
      String sequence = prefix + "usage_stats_sequence";
      String claims = prefix + "usage_stats_claims";
      this.lockSql =
          "SELECT pg_advisory_xact_lock("
              + PostgresDialect.LOCK_CLASS
              + ", hashtext(current_schema() || '.' || ?))";
      this.probeSql =
          "SELECT s.session_id, s.last_sequence, s.last_inserted,"
              + " EXISTS (SELECT 1 FROM "
              + stats
              + " WHERE replica_id = ?)"
              + " FROM (VALUES (1)) v LEFT JOIN "
              + sequence
              + " s ON s.replica_id = ?";
      this.insertSql =
          "INSERT INTO "
              + stats
              + " (replica_id, window_start, unique_workspaces, unique_users,"
              + " allowed_requests, denied_requests, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
      this.updateSql =
          "UPDATE "
              + stats
              + " SET unique_workspaces = ?, unique_users = ?,"
              + " allowed_requests = allowed_requests + ?, denied_requests = denied_requests + ?,"
              + " updated_at = ? WHERE replica_id = ?";
      this.membersSql =
          "INSERT INTO "
              + members
              + " (replica_id, kind, member_id)"
              + " SELECT ?::uuid, 1, unnest(?::uuid[])"
              + " UNION ALL SELECT ?::uuid, 2, unnest(?::uuid[])"
              + " ON CONFLICT DO NOTHING";
      this.sequenceSql =
          "INSERT INTO "
              + sequence
              + " (replica_id, session_id, last_sequence, last_inserted,"
              + " updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (replica_id) DO UPDATE SET"
              + " session_id = EXCLUDED.session_id, last_sequence = EXCLUDED.last_sequence,"
              + " last_inserted = EXCLUDED.last_inserted, updated_at = EXCLUDED.updated_at";
      this.claimSql =
          "INSERT INTO "
              + claims
              + " (period_end, claimed_at, claimed_by) VALUES (?, ?, ?)"
              + " ON CONFLICT (period_end) DO NOTHING";
    }

    /** One flush of one allowed request and one workspace id, as the previous version did it. */
    void flush(UUID replica, UUID session, long sequence, UUID workspace, Instant at) {
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(false);
        try {
          lock(c);
          boolean exists;
          try (PreparedStatement ps = c.prepareStatement(probeSql)) {
            ps.setObject(1, replica);
            ps.setObject(2, replica);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              if (session.equals(rs.getObject(1, UUID.class)) && rs.getLong(2) >= sequence) {
                c.rollback();
                return;
              }
              exists = rs.getBoolean(4);
            }
          }
          if (exists) {
            try (PreparedStatement ps = c.prepareStatement(updateSql)) {
              ps.setLong(1, sequence);
              ps.setLong(2, 0);
              ps.setLong(3, 1);
              ps.setLong(4, 0);
              ps.setObject(5, time(at));
              ps.setObject(6, replica);
              ps.executeUpdate();
            }
          } else {
            try (PreparedStatement ps = c.prepareStatement(insertSql)) {
              ps.setObject(1, replica);
              ps.setObject(2, time(at));
              ps.setLong(3, 1);
              ps.setLong(4, 0);
              ps.setLong(5, 1);
              ps.setLong(6, 0);
              ps.setObject(7, time(at));
              ps.executeUpdate();
            }
          }
          Array workspaces = c.createArrayOf("uuid", new Object[] {workspace});
          Array users = c.createArrayOf("uuid", new Object[0]);
          try (PreparedStatement ps = c.prepareStatement(membersSql)) {
            ps.setObject(1, replica);
            ps.setArray(2, workspaces);
            ps.setObject(3, replica);
            ps.setArray(4, users);
            ps.executeUpdate();
          }
          try (PreparedStatement ps = c.prepareStatement(sequenceSql)) {
            ps.setObject(1, replica);
            ps.setObject(2, session);
            ps.setLong(3, sequence);
            ps.setBoolean(4, !exists);
            ps.setObject(5, time(at));
            ps.executeUpdate();
          }
          c.commit();
        } catch (SQLException | RuntimeException e) {
          c.rollback();
          throw e;
        }
      } catch (SQLException e) {
        throw new IllegalStateException("previous-version flush failed: " + e.getMessage(), e);
      }
    }

    /** The previous version's claim of a period (its collection's first step), committed. */
    boolean claim(Instant periodEnd, Instant now, String claimedBy) throws SQLException {
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(false);
        lock(c);
        boolean claimed;
        try (PreparedStatement ps = c.prepareStatement(claimSql)) {
          ps.setObject(1, time(periodEnd));
          ps.setObject(2, time(now));
          ps.setString(3, claimedBy);
          claimed = ps.executeUpdate() == 1;
        }
        c.commit();
        return claimed;
      }
    }

    private void lock(Connection c) throws SQLException {
      try (PreparedStatement ps = c.prepareStatement(lockSql)) {
        ps.setString(1, stats);
        ps.execute();
      }
    }

    private static OffsetDateTime time(Instant instant) {
      return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
  }
}
