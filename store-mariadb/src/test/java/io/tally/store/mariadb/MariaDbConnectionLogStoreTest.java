package io.tally.store.mariadb;

import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.testkit.ConnectionLogRow;
import io.tally.testkit.ConnectionLogStoreContract;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.MariaDbDatabase;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;

/** MariaDB passes the connection-log store contract. */
class MariaDbConnectionLogStoreTest extends ConnectionLogStoreContract {
  @RegisterExtension static final MariaDbDatabase db = MariaDbDatabase.create();

  @RegisterExtension final ConservationCheck conservation = ConservationCheck.create();

  private static final AtomicInteger PREFIXES = new AtomicInteger();

  private MariaDbConnectionLogStore store;

  @Override
  protected ConnectionLogStore createStore() {
    store =
        new MariaDbConnectionLogStore(
            db.dataSource(), MariaDbSchema.withTablePrefix("l" + PREFIXES.incrementAndGet() + "_"));
    store.migrate();
    return store;
  }

  @Override
  protected List<ConnectionLogRow> storedRows() {
    return ConnectionLogRow.readAll(db.dataSource(), store.table());
  }
}
