package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.FlushResult;
import io.tally.core.StoreException;
import io.tally.core.lastused.LastUsedTracker;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.ManualClock;
import io.tally.testkit.PostgresDatabase;
import io.tally.testkit.SqlRunner;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresLastUsedStoreTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  private static void exec(String sql) {
    SqlRunner.on(pg.dataSource()).execute(sql);
  }

  private static Map<String, Instant> rows(String table, String id, String time) {
    return SqlRunner.on(pg.dataSource())
        .times("SELECT " + id + "::text, " + time + " FROM " + table);
  }

  @Test
  void migrateCreatesTheOwnTableAndIsSafeToRunTwice() throws SQLException {
    PostgresSchema schema = PostgresSchema.withTablePrefix("mig_");
    PostgresLastUsedStore<UUID> store =
        PostgresLastUsedStore.builder(pg.dataSource(), UUID.class).schema(schema).build();
    assertThat(store.table()).isEqualTo("mig_last_used");
    assertThat(store.migrate()).containsExactly(1, 2, 3, 4, 5);
    assertThat(store.migrate()).isEmpty();
    UUID id = UUID.randomUUID();
    store.markUsed(Map.of(id, T));
    assertThat(rows("mig_last_used", "id", "last_used_at")).isEqualTo(Map.of(id.toString(), T));
  }

  @Test
  void userTableModeUpdatesExistingRowsAndIgnoresUnknownIds() throws SQLException {
    exec("CREATE TABLE ignore_test (id bigint PRIMARY KEY, last_used_at timestamptz)");
    exec("INSERT INTO ignore_test VALUES (1, NULL), (2, '2026-01-01 00:00:10Z')");
    PostgresLastUsedStore<Long> store =
        PostgresLastUsedStore.builder(pg.dataSource(), Long.class)
            .userTable("ignore_test", "id", "last_used_at")
            .build();
    assertThat(store.table()).isEqualTo("ignore_test");

    store.markUsed(Map.of(1L, T, 2L, T.plusSeconds(5), 3L, T));

    Map<String, Instant> expected = new HashMap<>();
    expected.put("1", T);
    expected.put("2", T.plusSeconds(10));
    assertThat(rows("ignore_test", "id", "last_used_at"))
        .as("no row created for id 3; id 2 not moved back")
        .isEqualTo(expected);
    store.markUsed(Map.of(2L, T.plusSeconds(11)));
    assertThat(rows("ignore_test", "id", "last_used_at").get("2")).isEqualTo(T.plusSeconds(11));
  }

  @Test
  void rejectsBadIdentifiersNamingTheArgumentAndValue() {
    PostgresLastUsedStore.Builder<Long> b =
        PostgresLastUsedStore.builder(pg.dataSource(), Long.class);
    assertThatThrownBy(() -> b.userTable("workspaces\"; DROP TABLE x; --", "id", "t"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("table was 'workspaces\"; DROP TABLE x; --' but must match");
    assertThatThrownBy(() -> b.userTable("a.b.c", "id", "t"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("table was 'a.b.c' but must match");
    assertThatThrownBy(() -> b.userTable("workspaces", "id)", "t"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("idColumn was 'id)' but must match");
    assertThatThrownBy(() -> b.userTable("workspaces", "id", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("timeColumn was '' but must match");
    assertThatThrownBy(() -> b.userTable("workspaces", null, "t")).hasMessage("idColumn");
  }

  @Test
  void rejectsUnsupportedKeyTypesAndNulls() {
    assertThatThrownBy(() -> PostgresLastUsedStore.builder(pg.dataSource(), Integer.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "keyType was java.lang.Integer but must be java.util.UUID, java.lang.Long or"
                + " java.lang.String");
    assertThatThrownBy(() -> PostgresLastUsedStore.builder(null, UUID.class))
        .hasMessage("dataSource");
    assertThatThrownBy(() -> PostgresLastUsedStore.builder(pg.dataSource(), null))
        .hasMessage("keyType");
    PostgresLastUsedStore<UUID> store =
        PostgresLastUsedStore.builder(pg.dataSource(), UUID.class).build();
    assertThatThrownBy(() -> store.markUsed(null)).hasMessage("lastUsed");
  }

  @Test
  void failureIsAStoreExceptionNamingTheTableNotTheUrl() {
    PostgresLastUsedStore<UUID> store =
        PostgresLastUsedStore.builder(pg.dataSource(), UUID.class)
            .schema(PostgresSchema.withTablePrefix("never_migrated_"))
            .build();
    assertThatThrownBy(() -> store.markUsed(Map.of(UUID.randomUUID(), T)))
        .isInstanceOf(StoreException.class)
        .hasMessage("marking 1 ids used in table never_migrated_last_used failed (SQLState 42P01)")
        .hasCauseInstanceOf(SQLException.class);
  }

  @Test
  void replicasFlushingOutOfOrderLeaveTheMaximumInTallysTable() throws Exception {
    PostgresSchema schema = PostgresSchema.withTablePrefix("replica_");
    schema.migrate(pg.dataSource());
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      ids.add(UUID.randomUUID());
    }
    runReplicas(
        () -> PostgresLastUsedStore.builder(pg.dataSource(), UUID.class).schema(schema).build(),
        ids);
    Map<String, Instant> stored = rows("replica_last_used", "id", "last_used_at");
    assertThat(stored).hasSize(ids.size());
    assertMaxima(ids, stored);
  }

  @Test
  void replicasFlushingOutOfOrderLeaveTheMaximumInAUserTable() throws Exception {
    exec("CREATE TABLE replica_ws (id uuid PRIMARY KEY, last_used_at timestamptz)");
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      ids.add(UUID.randomUUID());
    }
    try (Connection c = pg.dataSource().getConnection();
        java.sql.PreparedStatement ps =
            c.prepareStatement("INSERT INTO replica_ws (id) SELECT unnest(?::uuid[])")) {
      ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
      ps.executeUpdate();
    }
    runReplicas(
        () ->
            PostgresLastUsedStore.builder(pg.dataSource(), UUID.class)
                .userTable("replica_ws", "id", "last_used_at")
                .build(),
        ids);
    Map<String, Instant> stored = rows("replica_ws", "id", "last_used_at");
    assertThat(stored).hasSize(ids.size());
    assertMaxima(ids, stored);
  }

  /**
   * Two replicas (each its own tracker and store) see every id. Round 1: for even ids replica A has
   * the later time, for odd ids replica B; A flushes first, then B. Round 2: both flush at the same
   * moment from two threads, each with later times for half the ids.
   */
  private static void runReplicas(
      java.util.function.Supplier<PostgresLastUsedStore<UUID>> stores, List<UUID> ids)
      throws Exception {
    ManualClock clock = ManualClock.create();
    LastUsedTracker<UUID> a =
        LastUsedTracker.builder(stores.get()).clock(clock).name("replica-a").build();
    LastUsedTracker<UUID> b =
        LastUsedTracker.builder(stores.get()).clock(clock).name("replica-b").build();
    try {
      for (int i = 0; i < ids.size(); i++) {
        boolean even = i % 2 == 0;
        a.markUsed(ids.get(i), T.plusSeconds(even ? 20 : 10));
        b.markUsed(ids.get(i), T.plusSeconds(even ? 10 : 20));
      }
      assertThat(a.flush().outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
      assertThat(b.flush().outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);

      for (int i = 0; i < ids.size(); i++) {
        boolean even = i % 2 == 0;
        a.markUsed(ids.get(i), expectedMax(i).minusSeconds(even ? 0 : 7));
        b.markUsed(ids.get(i), expectedMax(i).minusSeconds(even ? 7 : 0));
      }
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        CountDownLatch go = new CountDownLatch(1);
        Future<FlushResult> fa =
            pool.submit(() -> go.await(5, TimeUnit.SECONDS) ? a.flush() : null);
        Future<FlushResult> fb =
            pool.submit(() -> go.await(5, TimeUnit.SECONDS) ? b.flush() : null);
        go.countDown();
        assertThat(fa.get(30, TimeUnit.SECONDS).outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
        assertThat(fb.get(30, TimeUnit.SECONDS).outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
      } finally {
        pool.shutdownNow();
      }
    } finally {
      a.close();
      b.close();
    }
    ConservationCheck.assertConserved(a.stats());
    ConservationCheck.assertConserved(b.stats());
    assertThat(a.stats().flushedRows()).isEqualTo(2L * ids.size());
  }

  private static Instant expectedMax(int i) {
    return T.plusSeconds(100).plusMillis(i);
  }

  private static void assertMaxima(List<UUID> ids, Map<String, Instant> stored) {
    List<String> wrong = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      if (!expectedMax(i).equals(stored.get(ids.get(i).toString()))) {
        wrong.add(ids.get(i) + "=" + stored.get(ids.get(i).toString()));
      }
    }
    assertThat(wrong).as("ids without their maximum time").isEmpty();
  }
}
