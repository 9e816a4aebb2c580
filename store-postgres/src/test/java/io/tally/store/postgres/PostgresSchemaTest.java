package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.testkit.PostgresDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresSchemaTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Test
  void replicasMigratingAtOnceApplyEachVersionExactlyOnce() throws Exception {
    PostgresSchema schema = PostgresSchema.withTablePrefix("race_");
    int replicas = 4;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(replicas);
    try {
      List<Future<List<Integer>>> results = new ArrayList<>();
      for (int i = 0; i < replicas; i++) {
        results.add(
            pool.submit(
                () -> {
                  start.await(5, TimeUnit.SECONDS);
                  return schema.migrate(pg.dataSource());
                }));
      }
      start.countDown();
      List<Integer> applied = new ArrayList<>();
      for (Future<List<Integer>> f : results) {
        applied.addAll(f.get(30, TimeUnit.SECONDS));
      }
      assertThat(applied).containsExactlyInAnyOrder(1, 2, 3);
    } finally {
      pool.shutdownNow();
    }
    assertThat(schema.migrate(pg.dataSource())).isEmpty();
    try (Connection c = pg.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version FROM race_schema_history ORDER BY version")) {
      List<Integer> versions = new ArrayList<>();
      while (rs.next()) {
        versions.add(rs.getInt(1));
      }
      assertThat(versions).containsExactly(1, 2, 3);
    }
  }

  @Test
  void rejectsAPrefixThatIsNotAnIdentifier() {
    assertThatThrownBy(() -> PostgresSchema.withTablePrefix("1abc"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'1abc'");
  }
}
