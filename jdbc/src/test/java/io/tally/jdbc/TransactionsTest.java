package io.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Transactions} on an in-memory H2 database. */
class TransactionsTest {
  private String url;
  private Connection keepAlive;

  @BeforeEach
  void createTable() throws SQLException {
    url = "jdbc:h2:mem:tx" + System.identityHashCode(this) + ";DB_CLOSE_DELAY=-1";
    keepAlive = DriverManager.getConnection(url);
    try (Statement s = keepAlive.createStatement()) {
      s.execute("CREATE TABLE t (v INT)");
    }
  }

  private int count() throws SQLException {
    try (Statement s = keepAlive.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void commitsTheWorkAndRestoresAutoCommit() throws SQLException {
    try (Connection c = DriverManager.getConnection(url)) {
      int n =
          Transactions.inTransaction(
              c,
              x -> {
                assertThat(x.getAutoCommit()).isFalse();
                try (Statement s = x.createStatement()) {
                  return s.executeUpdate("INSERT INTO t VALUES (1), (2)");
                }
              });
      assertThat(n).isEqualTo(2);
      assertThat(c.getAutoCommit()).isTrue();
    }
    assertThat(count()).isEqualTo(2);
  }

  @Test
  void rollsBackOnFailureAndRethrows() throws SQLException {
    Connection c = DriverManager.getConnection(url);
    Throwable e =
        catchThrowableOfType(
            SQLException.class,
            () ->
                Transactions.inTransaction(
                    c,
                    x -> {
                      try (Statement s = x.createStatement()) {
                        s.executeUpdate("INSERT INTO t VALUES (1)");
                        s.executeUpdate("INSERT INTO missing VALUES (1)");
                      }
                      return null;
                    }));
    assertThat(e).hasMessageContaining("MISSING");
    assertThat(c.getAutoCommit()).isTrue();
    c.close();
    assertThat(count()).isZero();
  }
}
