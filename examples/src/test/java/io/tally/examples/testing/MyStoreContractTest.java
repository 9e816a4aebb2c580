package io.tally.examples.testing;

import io.tally.core.lastused.LastUsedStore;
import io.tally.store.postgres.PostgresLastUsedStore;
import io.tally.testkit.LastUsedStoreContract;
import io.tally.testkit.PostgresDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A store passes Tally's contract by subclassing it: the README's contract-test example, on a real
 * PostgreSQL server (here with Tally's PostgreSQL store standing in for "your" store). {@link
 * ContractDurationTest} runs it again and checks that it stays fast.
 */
// tag::contract[]
class MyStoreContractTest extends LastUsedStoreContract<UUID> {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create(); // own schema

  @Override
  protected LastUsedStore<UUID> createStore() {
    PostgresLastUsedStore<UUID> store =
        PostgresLastUsedStore.builder(pg.dataSource(), UUID.class).build();
    store.migrate(); // creates the table; safe to run again
    return store;
  }

  @Override
  protected UUID newKey() {
    return UUID.randomUUID();
  }

  @Override // one query for many ids: the contract reads 10,000 back at once
  protected Map<UUID, Instant> storedTimes(Collection<UUID> ids) {
    Map<UUID, Instant> out = new HashMap<>();
    try (Connection c = pg.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT id, last_used_at FROM tally_last_used WHERE id = ANY(?)")) {
      ps.setArray(1, c.createArrayOf("text", ids.stream().map(UUID::toString).toArray()));
      try (ResultSet rs = ps.executeQuery()) { // the store keeps ids as text
        while (rs.next()) {
          out.put(
              UUID.fromString(rs.getString(1)), rs.getObject(2, OffsetDateTime.class).toInstant());
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }
}
// end::contract[]
