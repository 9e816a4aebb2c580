package io.tally.store.postgres;

import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.core.lastused.LastUsedStore;
import io.tally.testkit.InputRulesStoreContract;
import io.tally.testkit.PostgresDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/** PostgreSQL holds every value the input rules allow and isolates what it refuses. */
class PostgresInputRulesTest extends InputRulesStoreContract {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  private final PostgresSchema schema = PostgresSchema.defaults();

  private void truncate(String table) {
    schema.migrate(pg.dataSource());
    try (Connection c = pg.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("TRUNCATE " + table);
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  protected DataSource dataSource() {
    return pg.dataSource();
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
  protected String ownTable() {
    return schema.table("last_used");
  }

  @Override
  protected ConnectionLogStore connectionLogStore() {
    truncate(connectionLogTable());
    return PostgresConnectionLogStore.create(pg.dataSource(), schema);
  }

  @Override
  protected String connectionLogTable() {
    return schema.table("connection_log");
  }
}
