package io.tally.store.postgres;

import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.core.lastused.LastUsedStore;
import io.tally.jdbc.JdbcSchema;
import io.tally.testkit.JdbcInputRulesStoreContract;
import io.tally.testkit.PostgresDatabase;
import io.tally.testkit.SqlRunner;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/** PostgreSQL holds every value the input rules allow and isolates what it refuses. */
class PostgresInputRulesTest extends JdbcInputRulesStoreContract {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  private final PostgresSchema schema = PostgresSchema.defaults();

  private void truncate(String table) {
    schema.migrate(pg.dataSource());
    SqlRunner.on(pg.dataSource()).execute("TRUNCATE " + table);
  }

  @Override
  protected DataSource dataSource() {
    return pg.dataSource();
  }

  @Override
  protected JdbcSchema schema() {
    return schema;
  }

  @Override
  protected LastUsedStore<String> userTableStore(String table) {
    return PostgresLastUsedStore.builder(pg.dataSource(), String.class)
        .userTable(table, "id", "last_used_at")
        .build();
  }

  @Override
  protected LastUsedStore<String> ownTableStore() {
    truncate(ownTable());
    return PostgresLastUsedStore.create(pg.dataSource(), String.class, schema);
  }

  @Override
  protected ConnectionLogStore connectionLogStore() {
    truncate(connectionLogTable());
    return PostgresConnectionLogStore.create(pg.dataSource(), schema);
  }
}
