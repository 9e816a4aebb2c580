package io.tally.store.mariadb;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import io.tally.testkit.MariaDbDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The mariadb provider is chosen from the URL, takes jdbc:mysql: URLs, and migrates. */
class MariaDbStoreProviderTest {
  @RegisterExtension static final MariaDbDatabase db = MariaDbDatabase.create();

  private static long tables(String prefix) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"
                    + " AND table_name LIKE '"
                    + prefix
                    + "%'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void aMysqlUrlWithoutTallyStoreOpensTheMariaDbStores() throws SQLException {
    TallyConfig config =
        TallyConfig.builder()
            .jdbcUrl("jdbc:mysql://127.0.0.1:3306/" + db.database())
            .jdbcUser("root")
            .tablePrefix("p_")
            .build();
    try (Tally tally = Tally.start(config)) {
      assertThat(tally.lastUsed()).isNotNull();
    }
    assertThat(tables("p\\_")).isEqualTo(9); // 8 tables and the migration history
  }

  @Test
  void acceptsMariaDbAndMysqlUrlsOnly() {
    MariaDbStoreProvider p = new MariaDbStoreProvider();
    assertThat(p.acceptsJdbcUrl("jdbc:mariadb://h/db")).isTrue();
    assertThat(p.acceptsJdbcUrl("jdbc:mysql://h/db")).isTrue();
    assertThat(p.acceptsJdbcUrl("jdbc:postgresql://h/db")).isFalse();
  }
}
