package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresDatabaseTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Test
  void connectionsUseTheClassSchema() throws Exception {
    try (Connection c = pg.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE probe (id INT)");
      try (ResultSet rs = s.executeQuery("SELECT current_schema()")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo(pg.schema());
      }
      try (ResultSet rs =
          s.executeQuery(
              "SELECT table_schema FROM information_schema.tables WHERE table_name = 'probe'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo(pg.schema());
      }
    }
    assertThat(pg.schema()).startsWith("t_postgresdatabasetest_");
    assertThat(pg.jdbcUrl()).contains("currentSchema=" + pg.schema()).doesNotContain("password");
  }

  @Test
  void stopDropsTheSchemaAndClosesLeakedConnections() throws Exception {
    PostgresDatabase other = PostgresDatabase.create();
    other.start("Other");
    String schema = other.schema();
    Connection leaked = other.dataSource().getConnection();
    other.stop();
    assertThat(leaked.isClosed()).isTrue();
    try (Connection c = pg.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM information_schema.schemata WHERE schema_name = '"
                    + schema
                    + "'")) {
      rs.next();
      assertThat(rs.getInt(1)).isZero();
    }
  }
}
