package io.tally.store.h2;

import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.core.lastused.LastUsedStore;
import io.tally.jdbc.JdbcSchema;
import io.tally.testkit.JdbcInputRulesStoreContract;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** H2 holds every value the input rules allow and isolates what it refuses. */
class H2InputRulesTest extends JdbcInputRulesStoreContract {
  private final JdbcDataSource db = new JdbcDataSource();
  private final H2Schema schema = H2Schema.withTablePrefix("input_");

  H2InputRulesTest() {
    db.setURL("jdbc:h2:mem:input-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    schema.migrate(db);
  }

  @Override
  protected DataSource dataSource() {
    return db;
  }

  @Override
  protected JdbcSchema schema() {
    return schema;
  }

  @Override
  protected LastUsedStore<String> userTableStore(String table) {
    return H2LastUsedStore.builder(db, String.class).userTable(table, "id", "last_used_at").build();
  }

  @Override
  protected LastUsedStore<String> ownTableStore() {
    return H2LastUsedStore.create(db, String.class, schema);
  }

  @Override
  protected ConnectionLogStore connectionLogStore() {
    return H2ConnectionLogStore.create(db, schema);
  }
}
