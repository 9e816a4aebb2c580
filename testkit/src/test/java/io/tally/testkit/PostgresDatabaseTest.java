package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
      try (ResultSet rs = // other classes (other JVMs too) may have a probe table of their own
          s.executeQuery(
              "SELECT count(*) FROM information_schema.tables WHERE table_name = 'probe'"
                  + " AND table_schema = '"
                  + pg.schema()
                  + "'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
    }
    assertThat(pg.schema()).startsWith("t_postgresdatabasetest_");
    assertThat(pg.jdbcUrl()).contains("currentSchema=" + pg.schema()).doesNotContain("password");
  }

  @Test
  void connectionsArePooledAndResetWhenHandedBack() throws Exception {
    PostgresDatabase own = PostgresDatabase.create();
    own.start("Pool");
    try {
      PooledDataSource ds = (PooledDataSource) own.dataSource();
      int pid;
      try (Connection c = ds.getConnection();
          Statement s = c.createStatement()) {
        pid = backendPid(s);
        c.setAutoCommit(false);
        s.execute("CREATE TABLE t (id INT)");
        s.execute("SET statement_timeout = '1234ms'");
      } // handed back: the transaction (and the table) rolled back, the setting discarded
      for (int i = 0; i < 50; i++) {
        try (Connection c = ds.getConnection();
            Statement s = c.createStatement()) {
          assertThat(backendPid(s)).as("the same server session, lent again").isEqualTo(pid);
          assertThat(c.getAutoCommit()).isTrue();
          try (ResultSet rs = s.executeQuery("SHOW statement_timeout")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("0");
          }
          try (ResultSet rs = s.executeQuery("SELECT to_regclass('t') IS NULL")) {
            rs.next();
            assertThat(rs.getBoolean(1)).isTrue();
          }
          try (ResultSet rs = s.executeQuery("SELECT current_schema()")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(own.schema());
          }
        }
      }
      assertThat(ds.physicalConnections()).isEqualTo(1);

      Connection aborted = ds.getConnection();
      aborted.abort(Runnable::run);
      aborted.close();
      assertThat(ds.physicalConnections()).as("an aborted connection is not kept").isZero();
      Connection closedTwice = ds.getConnection();
      closedTwice.close();
      closedTwice.close();
      assertThat(closedTwice.isClosed()).isTrue();
      assertThatThrownBy(closedTwice::createStatement).hasMessageContaining("closed");
    } finally {
      own.stop();
    }
  }

  private static int backendPid(Statement s) throws java.sql.SQLException {
    try (ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      return rs.getInt(1);
    }
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
