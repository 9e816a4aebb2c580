package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class PrivatePostgresTest {
  @Test
  void startsStopsCrashesAndRestartsWithItsData() throws SQLException {
    try (PrivatePostgres server = PrivatePostgres.start()) {
      assertThat(server.isRunning()).isTrue();
      assertThat(server.jdbcUrl())
          .isEqualTo("jdbc:postgresql://127.0.0.1:" + server.port() + "/postgres");
      execute(server, "CREATE TABLE kept (id INT)", "INSERT INTO kept VALUES (1)");
      Connection open = server.dataSource().getConnection();
      server.stop();
      assertThat(server.isRunning()).isFalse();
      assertThatThrownBy(() -> count(open)).isInstanceOf(SQLException.class);
      assertThatThrownBy(() -> server.dataSource().getConnection().close())
          .isInstanceOf(SQLException.class);
      server.restart();
      execute(server, "INSERT INTO kept VALUES (2)");
      server.crash();
      server.restart();
      try (Connection c = server.dataSource().getConnection()) {
        assertThat(count(c)).isEqualTo(2);
      }
      open.close();
    }
  }

  private static void execute(PrivatePostgres server, String... sql) throws SQLException {
    try (Connection c = server.dataSource().getConnection();
        Statement s = c.createStatement()) {
      for (String q : sql) {
        s.execute(q);
      }
    }
  }

  private static long count(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM kept")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
