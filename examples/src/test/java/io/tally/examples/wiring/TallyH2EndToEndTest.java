package io.tally.examples.wiring;

import io.tally.core.TallyConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;

/** The end-to-end run on an H2 database reached through {@code tally.jdbc.url}. */
class TallyH2EndToEndTest extends AbstractTallyEndToEndTest {
  private final String url = "jdbc:h2:mem:wiring-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
  private final JdbcDataSource dataSource = new JdbcDataSource();

  TallyH2EndToEndTest() {
    dataSource.setURL(url);
    dataSource.setUser("sa");
    dataSource.setPassword("secret-password");
  }

  @Override
  TallyConfig.Builder database(TallyConfig.Builder config) {
    return config.store("h2").jdbcUrl(url).jdbcUser("sa").jdbcPassword("secret-password");
  }

  @Override
  DataSource dataSource() {
    return dataSource;
  }

  @Override
  String prefix() {
    return "e2e_";
  }

  @AfterEach
  void dropDatabase() throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute("SHUTDOWN");
    }
  }
}
