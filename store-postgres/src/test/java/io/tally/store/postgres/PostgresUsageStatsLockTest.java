package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.usagestats.FlushOutcome;
import io.tally.core.usagestats.UsageFlush;
import io.tally.testkit.Await;
import io.tally.testkit.PostgresDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The stats lock is per schema-qualified table: same table names in two schemas never wait. */
class PostgresUsageStatsLockTest {
  @RegisterExtension static final PostgresDatabase schemaA = PostgresDatabase.create();
  @RegisterExtension static final PostgresDatabase schemaB = PostgresDatabase.create();

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static UsageFlush flush() {
    return new UsageFlush(
        UUID.randomUUID(), UUID.randomUUID(), 1, Set.of(), Set.of(), 0, 0, 1, 0, T0);
  }

  /** Waiters for store A's stats lock only (other builds may share the server). */
  private static int waitingAdvisoryLocks(Connection c) throws Exception {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                    + " AND objsubid = 2 AND classid::bigint = "
                    + PostgresUsageStatsStore.LOCK_CLASS
                    + " AND objid::bigint = (hashtext(current_schema() || '.tally_usage_stats')::bigint"
                    + " & 4294967295)")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void storesInDifferentSchemasDoNotShareTheLock() throws Exception {
    PostgresUsageStatsStore a = PostgresUsageStatsStore.create(schemaA.dataSource());
    PostgresUsageStatsStore b = PostgresUsageStatsStore.create(schemaB.dataSource());
    a.migrate();
    b.migrate();
    assertThat(a.table()).isEqualTo(b.table()); // same name, different schemas

    try (Connection holder = schemaA.dataSource().getConnection();
        Connection observer = schemaA.dataSource().getConnection()) {
      holder.setAutoCommit(false);
      a.takeLock(holder); // store A's stats lock is now held

      // B's flush takes B's lock: it must not wait for A's
      FlushOutcome outcome =
          CompletableFuture.supplyAsync(() -> b.flush(flush())).get(10, TimeUnit.SECONDS);
      assertThat(outcome.startedPeriod()).isTrue();

      // A second store on schema A does wait for it
      CompletableFuture<FlushOutcome> blocked =
          CompletableFuture.supplyAsync(() -> a.flush(flush()));
      Await.until(
          "store A's flush waits for the lock",
          () -> {
            try {
              return waitingAdvisoryLocks(observer) == 1;
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          });
      assertThat(blocked).isNotDone();
      holder.rollback(); // releases the lock
      assertThat(blocked.get(10, TimeUnit.SECONDS).startedPeriod()).isTrue();
    }
  }
}
