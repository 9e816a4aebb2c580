package io.tally.store.mariadb;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.jdbc.JdbcUsageStatsStore;
import io.tally.testkit.JdbcUsageStatsStoreContract;
import io.tally.testkit.MariaDbDatabase;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;

/** MariaDB passes the usage-stats store contract. */
class MariaDbUsageStatsStoreTest extends JdbcUsageStatsStoreContract {
  @RegisterExtension static final MariaDbDatabase db = MariaDbDatabase.create();

  @Override
  protected JdbcUsageStatsStore buildStore(String tablePrefix) {
    return new MariaDbUsageStatsStore(db.dataSource(), MariaDbSchema.withTablePrefix(tablePrefix));
  }

  @Override
  protected void assertFirstMigration(List<Integer> applied) {
    assertThat(applied).containsExactly(1, 2, 3, 4);
  }
}
