package io.tally.examples.testing;

import io.tally.core.lastused.LastUsedStore;
import io.tally.store.h2.H2LastUsedStore;
import io.tally.store.h2.H2Schema;
import io.tally.testkit.LastUsedStoreContract;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;

/**
 * A store passes Tally's contract by subclassing it: the README's contract-test example (here
 * with the H2 store standing in for "your" store).
 */
// tag::contract[]
class MyStoreContractTest extends LastUsedStoreContract<UUID> {
  private final JdbcDataSource db = new JdbcDataSource();

  @Override
  protected LastUsedStore<UUID> createStore() {
    db.setURL("jdbc:h2:mem:contract-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    H2Schema.defaults().migrate(db);
    return H2LastUsedStore.builder(db, UUID.class).build();
  }

  @Override
  protected UUID newKey() {
    return UUID.randomUUID();
  }

  @Override
  protected Optional<Instant> storedTime(UUID id) {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT last_used_at FROM tally_last_used WHERE id = ?")) {
      ps.setString(1, id.toString());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next()
            ? Optional.of(rs.getObject(1, OffsetDateTime.class).toInstant())
            : Optional.empty();
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
// end::contract[]
