package io.tally.examples.wiring;

import io.tally.core.TallyConfig;
import io.tally.core.TallyModule;
import io.tally.store.postgres.PostgresStoreProvider;
import io.tally.testkit.PostgresDatabase;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The end-to-end run on the real PostgreSQL server, with the application's own {@link DataSource}
 * passed to an explicit {@link PostgresStoreProvider}, which wins over the discovered one and
 * leaves the DataSource open.
 */
class TallyPostgresDataSourceEndToEndTest extends AbstractTallyEndToEndTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Override
  TallyConfig.Builder database(TallyConfig.Builder config) {
    return config.store("postgres");
  }

  @Override
  TallyModule module(TallyConfig config) {
    return TallyModule.builder(config)
        .storeProvider(new PostgresStoreProvider(pg.dataSource()))
        .build();
  }

  @Override
  DataSource dataSource() {
    return pg.dataSource();
  }

  @Override
  String prefix() {
    return "e2e_ds_";
  }
}
