package io.tally.store.h2;

import io.tally.core.lastused.LastUsedStore;
import io.tally.testkit.JdbcLastUsedStoreContract;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** Runs the testkit's store contract on H2, for every key type and both store modes. */
class H2LastUsedStoreContractTest extends JdbcLastUsedStoreContract {
  static final JdbcDataSource DB = new JdbcDataSource();

  static {
    DB.setURL("jdbc:h2:mem:lastused-contract-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
  }

  @Override
  protected DataSource dataSource() {
    return DB;
  }

  @Override
  protected <K> LastUsedStore<K> ownTableStore(
      DataSource dataSource, Class<K> keyType, String tablePrefix) {
    return migratedStore(
        dataSource,
        H2LastUsedStore.builder(dataSource, keyType),
        H2Schema.withTablePrefix(tablePrefix));
  }

  @Override
  protected <K> LastUsedStore<K> userTableStore(
      Class<K> keyType, String table, String idColumn, String timeColumn) {
    return H2LastUsedStore.builder(DB, keyType).userTable(table, idColumn, timeColumn).build();
  }

  @Override
  protected String userTableDdl(String table, String idColumn, String timeColumn) {
    return "CREATE TABLE IF NOT EXISTS "
        + table
        + " ("
        + idColumn
        + " UUID PRIMARY KEY, "
        + timeColumn
        + " TIMESTAMP WITH TIME ZONE)";
  }

  @Override
  protected String idAsText(String idColumn) {
    return "CAST(" + idColumn + " AS VARCHAR)";
  }
}
