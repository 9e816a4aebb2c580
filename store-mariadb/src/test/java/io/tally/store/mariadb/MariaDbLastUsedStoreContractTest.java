package io.tally.store.mariadb;

import io.tally.core.lastused.LastUsedStore;
import io.tally.testkit.JdbcLastUsedStoreContract;
import io.tally.testkit.MariaDbDatabase;
import io.tally.testkit.SqlRunner;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Runs the testkit's last-used store contract on MariaDB, for every key type and both modes. */
class MariaDbLastUsedStoreContractTest extends JdbcLastUsedStoreContract {
  @RegisterExtension static final MariaDbDatabase db = MariaDbDatabase.create();

  @Override
  protected DataSource dataSource() {
    return db.dataSource();
  }

  @Override
  protected <K> LastUsedStore<K> ownTableStore(
      DataSource dataSource, Class<K> keyType, String tablePrefix) {
    return migratedStore(
        dataSource,
        MariaDbLastUsedStore.builder(dataSource, keyType),
        MariaDbSchema.withTablePrefix(tablePrefix));
  }

  @Override
  protected <K> LastUsedStore<K> userTableStore(
      Class<K> keyType, String table, String idColumn, String timeColumn) {
    return MariaDbLastUsedStore.builder(db.dataSource(), keyType)
        .userTable(table, idColumn, timeColumn)
        .build();
  }

  @Override
  protected String userTableDdl(String table, String idColumn, String timeColumn) {
    return "CREATE TABLE IF NOT EXISTS "
        + table
        + " ("
        + idColumn
        + " CHAR(36) CHARACTER SET ascii PRIMARY KEY, "
        + timeColumn
        + " DATETIME(6))";
  }

  @Override
  protected SqlRunner.Timestamps timestamps() {
    return SqlRunner.Timestamps.UTC_LOCAL; // DATETIME(6) holds UTC
  }

  @Override
  protected void bindUserTableId(PreparedStatement insert, int index, Object id)
      throws SQLException {
    insert.setString(index, id.toString()); // a UUID is stored as its CHAR(36) text
  }
}
