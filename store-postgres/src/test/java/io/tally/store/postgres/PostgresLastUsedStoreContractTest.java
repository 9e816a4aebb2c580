package io.tally.store.postgres;

import io.tally.core.lastused.LastUsedStore;
import io.tally.testkit.JdbcLastUsedStoreContract;
import io.tally.testkit.PostgresDatabase;
import javax.sql.DataSource;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs the testkit's store contract on the real PostgreSQL server, for every key type and both
 * store modes. Each nested class gets its own fresh schema from {@link PostgresDatabase}.
 */
class PostgresLastUsedStoreContractTest extends JdbcLastUsedStoreContract {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Override
  protected DataSource dataSource() {
    return pg.dataSource();
  }

  @Override
  protected <K> LastUsedStore<K> ownTableStore(
      DataSource dataSource, Class<K> keyType, String tablePrefix) {
    return migratedStore(
        dataSource,
        PostgresLastUsedStore.builder(dataSource, keyType),
        PostgresSchema.withTablePrefix(tablePrefix));
  }

  @Override
  protected <K> LastUsedStore<K> userTableStore(
      Class<K> keyType, String table, String idColumn, String timeColumn) {
    return PostgresLastUsedStore.builder(pg.dataSource(), keyType)
        .userTable(table, idColumn, timeColumn)
        .build();
  }

  @Override
  protected String userTableDdl(String table, String idColumn, String timeColumn) {
    return "CREATE TABLE IF NOT EXISTS "
        + table
        + " ("
        + idColumn
        + " uuid PRIMARY KEY, "
        + timeColumn
        + " timestamptz)";
  }

  @Override
  protected String idAsText(String idColumn) {
    return idColumn + "::text";
  }

  /** A user table with {@code bigint} ids and other column names, schema-qualified on purpose. */
  @Nested
  class UserTableLongKeys extends UserTableContract<Long> {
    UserTableLongKeys() {
      super(
          Long.class,
          "CREATE TABLE IF NOT EXISTS "
              + pg.schema()
              + ".accounts"
              + " (account_id bigint PRIMARY KEY, seen_at timestamptz)",
          pg.schema() + ".accounts",
          "account_id",
          "seen_at",
          JdbcLastUsedStoreContract::nextLongId);
    }
  }
}
