package io.tally.store.mariadb;

import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.testkit.JdbcConnectionLogRetentionContract;
import io.tally.testkit.MariaDbDatabase;
import io.tally.testkit.SqlRunner;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Retention on a real MariaDB: the bounded delete and the GET_LOCK retention lock. */
class MariaDbRetentionTest extends JdbcConnectionLogRetentionContract {
  @RegisterExtension static final MariaDbDatabase db = MariaDbDatabase.create();

  @Override
  protected DataSource dataSource() {
    return db.dataSource();
  }

  @Override
  protected SqlRunner.Timestamps timestamps() {
    return SqlRunner.Timestamps.UTC_LOCAL; // DATETIME(6) holds UTC
  }

  @Override
  protected ConnectionLogStore newStore() {
    MariaDbConnectionLogStore store = MariaDbConnectionLogStore.create(db.dataSource());
    store.migrate();
    return store;
  }

  @Override
  protected String table() {
    return MariaDbConnectionLogStore.create(db.dataSource()).table();
  }

  @Override
  protected void insertSessions(int count, Instant first, Duration step) {
    // the generated rows come from a recursive CTE, deeper than the server's default allows
    sql()
        .update(
            "SET STATEMENT max_recursive_iterations = 1000000 FOR "
                + insertSessionsInto()
                + " WITH RECURSIVE seq(x) AS"
                + " (SELECT 0 UNION ALL SELECT x + 1 FROM seq WHERE x < ? - 1)"
                + " SELECT UUID(), t, UUID(), UUID(), UUID(), 'ws', 'main', 'ssh', UUID(),"
                + " CASE WHEN MOD(x, 2) = 1 THEN t + INTERVAL 1 SECOND END"
                + " FROM (SELECT x, ? + INTERVAL (x * ?) MICROSECOND AS t FROM seq) s",
            count,
            first,
            step.toNanos() / 1_000);
  }
}
