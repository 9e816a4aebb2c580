package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.jdbc.JdbcSchema;
import io.tally.testkit.JdbcSchemaContract;
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

class PostgresSchemaTest extends JdbcSchemaContract {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Override
  protected JdbcSchema withTablePrefix(String prefix) {
    return PostgresSchema.withTablePrefix(prefix);
  }

  @Override
  protected String scriptDirectory() {
    return "db/tally/postgres/";
  }

  @Override
  protected List<String> scripts() {
    return List.of(
        "V1__last_used",
        "V2__connection_log",
        "V3__usage_stats",
        "V4__usage_stats_claims",
        "V5__connection_log_storage");
  }

  @Override
  protected int maxIdentifierLength() {
    return PostgresSchema.MAX_IDENTIFIER_LENGTH;
  }

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
      assertThat(applied).containsExactlyInAnyOrder(1, 2, 3, 4, 5);
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
      assertThat(versions).containsExactly(1, 2, 3, 4, 5);
    }
  }

  @Test
  void rejectsAPrefixThatIsNotAnIdentifier() {
    assertThatThrownBy(() -> PostgresSchema.withTablePrefix("1abc"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'1abc'");
  }

  @Test
  void aPrefixOfTheLongestLengthKeepsEveryDerivedNameWhole() throws Exception {
    String prefix = "x".repeat(PostgresSchema.MAX_TABLE_PREFIX_LENGTH);
    PostgresSchema.withTablePrefix(prefix).migrate(pg.dataSource());
    try (Connection c = pg.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT indexname FROM pg_indexes WHERE indexname = '"
                    + prefix
                    + "connection_log_connect_time_idx'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).hasSize(63);
    }
  }
}
