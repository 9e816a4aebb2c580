package io.tally.store.h2;

import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.testkit.JdbcConnectionLogRetentionContract;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** Retention on H2 (one database shared by every replica of the test, as in one JVM). */
class H2RetentionTest extends JdbcConnectionLogRetentionContract {
  private final JdbcDataSource dataSource = new JdbcDataSource();

  H2RetentionTest() {
    dataSource.setURL("jdbc:h2:mem:retention-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
  }

  @Override
  protected DataSource dataSource() {
    return dataSource;
  }

  @Override
  protected ConnectionLogStore newStore() {
    H2ConnectionLogStore store = new H2ConnectionLogStore(dataSource);
    store.migrate();
    return store;
  }

  @Override
  protected String table() {
    return new H2ConnectionLogStore(dataSource).table();
  }

  @Override
  protected void insertSessions(int count, Instant first, Duration step) {
    sql()
        .update(
            insertSessionsInto()
                + " DIRECT SELECT RANDOM_UUID(), t, RANDOM_UUID(), RANDOM_UUID(), RANDOM_UUID(),"
                + " 'ws', 'main', 'ssh', RANDOM_UUID(),"
                + " CASE WHEN MOD(x, 2) = 1 THEN DATEADD(SECOND, 1, t) END"
                + " FROM (SELECT X AS x, DATEADD(MICROSECOND, X * CAST(? AS BIGINT), CAST(? AS"
                + " TIMESTAMP(6) WITH TIME ZONE)) AS t FROM SYSTEM_RANGE(0, ? - 1))",
            step.toNanos() / 1_000,
            first,
            count);
  }
}
