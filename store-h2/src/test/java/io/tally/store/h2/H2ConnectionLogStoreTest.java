package io.tally.store.h2;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.batch.Batcher;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.testkit.ConnectionLogRow;
import io.tally.testkit.ConnectionLogStoreContract;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** H2 passes the connection-log store contract, with the default and with a custom prefix. */
class H2ConnectionLogStoreTest extends ConnectionLogStoreContract {
  @RegisterExtension final ConservationCheck conservation = ConservationCheck.create();

  private JdbcDataSource dataSource;
  private H2ConnectionLogStore store;

  @Override
  protected ConnectionLogStore createStore() {
    dataSource = new JdbcDataSource();
    dataSource.setURL("jdbc:h2:mem:connlog-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    store = new H2ConnectionLogStore(dataSource, H2Schema.withTablePrefix("t_"));
    store.migrate();
    return store;
  }

  @Override
  protected List<ConnectionLogRow> storedRows() {
    return ConnectionLogRow.readAll(dataSource, store.table());
  }

  @Test
  void batcherWritesSessionsIntoH2() {
    ManualClock clock = ManualClock.create();
    ConnectionEvent.Builder s = session();
    ConnectionEvent c = s.connect(T0);
    ConnectionEvent d = s.disconnectReason("bye").disconnect(T0.plus(Duration.ofSeconds(30)));
    try (Batcher<ConnectionEvent> batcher =
        conservation.watch(
            Batcher.builder(store)
                .coalescing(ConnectionEvents.coalescing())
                .clock(clock)
                .build())) {
      batcher.write(c);
      batcher.write(d);
    }
    assertThat(storedRows()).containsExactly(ConnectionLogRow.of(ConnectionEvents.merge(c, d)));
    assertThat(store.table()).isEqualTo("t_connection_log");
  }
}
