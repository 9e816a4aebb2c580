package io.tally.examples.wiring;

import io.tally.core.TallyConfig;
import io.tally.testkit.PostgresDatabase;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The end-to-end run on the real PostgreSQL server, through the JDBC settings: the {@code postgres}
 * provider builds its own HikariCP pool.
 */
class TallyPostgresEndToEndTest extends AbstractTallyEndToEndTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Override
  TallyConfig.Builder database(TallyConfig.Builder config) {
    config.store("postgres").jdbcUrl(pg.jdbcUrl()).jdbcUser(pg.user()).poolSize(2);
    if (!pg.password().isEmpty()) {
      config.jdbcPassword(pg.password());
    }
    return config;
  }

  @Override
  DataSource dataSource() {
    return pg.dataSource();
  }

  @Override
  String prefix() {
    return "e2e_url_";
  }
}
