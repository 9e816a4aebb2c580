package io.tally.store.mariadb;

import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.core.lastused.LastUsedStore;
import io.tally.jdbc.JdbcSchema;
import io.tally.testkit.JdbcInputRulesStoreContract;
import io.tally.testkit.MariaDbDatabase;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/** MariaDB holds every value the input rules allow and isolates what it refuses. */
class MariaDbInputRulesTest extends JdbcInputRulesStoreContract {
  @RegisterExtension static final MariaDbDatabase db = MariaDbDatabase.create();

  private static final AtomicInteger PREFIXES = new AtomicInteger();

  // a fresh prefix per test: each test expects empty tables
  private final MariaDbSchema schema =
      MariaDbSchema.withTablePrefix("input" + PREFIXES.incrementAndGet() + "_");

  @Override
  protected DataSource dataSource() {
    schema.migrate(db.dataSource());
    return db.dataSource();
  }

  @Override
  protected JdbcSchema schema() {
    return schema;
  }

  @Override
  protected LastUsedStore<String> userTableStore(String table) {
    return MariaDbLastUsedStore.builder(dataSource(), String.class)
        .userTable(table, "id", "last_used_at")
        .build();
  }

  @Override
  protected LastUsedStore<String> ownTableStore() {
    return MariaDbLastUsedStore.builder(dataSource(), String.class).schema(schema).build();
  }

  @Override
  protected ConnectionLogStore connectionLogStore() {
    return new MariaDbConnectionLogStore(dataSource(), schema);
  }

  @Override
  protected String poisonTableColumns() {
    return "(id VARCHAR(64) PRIMARY KEY, last_used_at DATETIME(6)"
        + " CHECK (last_used_at < '2100-01-01 00:00:00'))";
  }
}
