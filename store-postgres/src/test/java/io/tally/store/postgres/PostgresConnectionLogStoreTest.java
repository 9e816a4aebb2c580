package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.testkit.ConnectionLogRow;
import io.tally.testkit.ConnectionLogStoreContract;
import io.tally.testkit.PostgresDatabase;
import io.tally.testkit.SqlRunner;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** PostgreSQL passes the connection-log store contract. */
class PostgresConnectionLogStoreTest extends ConnectionLogStoreContract {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  private PostgresConnectionLogStore store;

  @Override
  protected ConnectionLogStore createStore() {
    store = new PostgresConnectionLogStore(pg.dataSource());
    store.migrate();
    SqlRunner.on(pg.dataSource()).execute("TRUNCATE " + store.table());
    return store;
  }

  @Override
  protected List<ConnectionLogRow> storedRows() {
    return ConnectionLogRow.readAll(pg.dataSource(), store.table());
  }

  @Test
  void ipIsStoredAsInet() throws SQLException {
    ConnectionEvent e = session().ip("2001:DB8::7").connect(T0);
    store.upsertBatch(List.of(e));
    try (Connection c = pg.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT pg_typeof(ip)::text, host(ip) FROM " + store.table())) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("inet");
      assertThat(rs.getString(2)).isEqualTo("2001:db8::7");
    }
  }
}
