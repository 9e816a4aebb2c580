package io.tally.store.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.jdbc.JdbcSchema;
import io.tally.testkit.JdbcProxies;
import io.tally.testkit.JdbcSchemaContract;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

class H2SchemaTest extends JdbcSchemaContract {

  private static JdbcDataSource newDatabase() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:schema-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    return ds;
  }

  @Override
  protected JdbcSchema withTablePrefix(String prefix) {
    return H2Schema.withTablePrefix(prefix);
  }

  @Override
  protected String scriptDirectory() {
    return "db/tally/h2/";
  }

  @Override
  protected List<String> scripts() {
    return List.of(
        "V1__last_used", "V2__connection_log", "V3__usage_stats", "V4__usage_stats_claims");
  }

  @Override
  protected int maxIdentifierLength() {
    return H2Schema.MAX_IDENTIFIER_LENGTH;
  }

  @Test
  void migrateAppliesEveryVersionOnceAndIsSafeToRunAgain() throws Exception {
    JdbcDataSource ds = newDatabase();
    H2Schema schema = H2Schema.defaults();
    assertThat(schema.migrate(ds)).containsExactly(1, 2, 3, 4);
    assertThat(schema.migrate(ds)).isEmpty();
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM tally_schema_history")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(4);
    }
  }

  @Test
  void migrateHandsTheConnectionBackWithItsOwnAutoCommitMode() throws Exception {
    JdbcDataSource ds = newDatabase();
    try (Connection physical = ds.getConnection()) {
      physical.setAutoCommit(false); // as a pool configured with autoCommit=false hands it out
      DataSource pool = JdbcProxies.onePooledConnection(physical);
      assertThat(H2Schema.defaults().migrate(pool)).containsExactly(1, 2, 3, 4);
      assertThat(physical.getAutoCommit()).isFalse();
      assertThat(H2Schema.defaults().migrate(pool)).isEmpty(); // nothing to apply: same answer
      assertThat(physical.getAutoCommit()).isFalse();
      physical.setAutoCommit(true);
      assertThat(H2Schema.withTablePrefix("other_").migrate(pool)).containsExactly(1, 2, 3, 4);
      assertThat(physical.getAutoCommit()).isTrue();
    }
  }

  @Test
  void prefixNamesEveryTableAndIsValidated() {
    assertThat(H2Schema.withTablePrefix("acme_").table("last_used")).isEqualTo("acme_last_used");
    assertThat(H2Schema.withTablePrefix("").table("last_used")).isEqualTo("last_used");
    assertThatThrownBy(() -> H2Schema.withTablePrefix("x; DROP TABLE y"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x; DROP TABLE y")
        .hasMessageContaining("must match");
  }
}
