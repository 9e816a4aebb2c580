package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.Clock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each fault of {@link FaultProxy}, seen by a JDBC client through it, on the real server. */
class FaultProxyTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();
  private static final Clock real = Clock.system();

  private FaultProxy proxy;

  @BeforeAll
  static void table() throws SQLException {
    try (Connection c = pg.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE probe (id INT PRIMARY KEY)");
    }
  }

  @BeforeEach
  void startProxy() {
    proxy = FaultProxy.forJdbcUrl(pg.jdbcUrl());
  }

  @AfterEach
  void closeProxy() {
    proxy.close();
  }

  private Connection connect(int socketTimeoutSeconds) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", pg.user());
    if (!pg.password().isEmpty()) {
      p.setProperty("password", pg.password());
    }
    p.setProperty("connectTimeout", "10");
    p.setProperty("socketTimeout", Integer.toString(socketTimeoutSeconds));
    p.setProperty("sslmode", "disable");
    return DriverManager.getConnection(proxy.redirect(pg.jdbcUrl()), p);
  }

  private static int selectOne(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT 1")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static boolean probeHas(int id) throws SQLException {
    try (Connection c = pg.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM probe WHERE id = " + id)) {
      rs.next();
      return rs.getInt(1) == 1;
    }
  }

  private static long millisSince(long start) {
    return Duration.ofNanos(real.nanoTime() - start).toMillis();
  }

  @Test
  void forwardsQueriesAndRewritesTheUrl() throws SQLException {
    assertThat(proxy.redirect("jdbc:postgresql://db.example:6543/app?ssl=false"))
        .isEqualTo("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/app?ssl=false");
    try (Connection c = connect(30)) {
      assertThat(selectOne(c)).isEqualTo(1);
      assertThat(proxy.openConnections()).isEqualTo(1);
    }
    Await.until(
        "the closed connection is forgotten",
        Duration.ofSeconds(30),
        () -> proxy.openConnections() == 0);
    assertThat(proxy.acceptedConnections()).isEqualTo(1);
  }

  @Test
  void refusesNewConnectionsButKeepsOpenOnes() throws SQLException {
    try (Connection open = connect(30)) {
      proxy.refuseNewConnections();
      assertThatThrownBy(() -> connect(30).close()).isInstanceOf(SQLException.class);
      assertThat(proxy.refusedConnections()).isEqualTo(1);
      assertThat(selectOne(open)).isEqualTo(1);
      proxy.acceptNewConnections();
      try (Connection again = connect(30)) {
        assertThat(selectOne(again)).isEqualTo(1);
      }
    }
  }

  @Test
  void cutsOpenConnections() throws SQLException {
    try (Connection c = connect(30)) {
      assertThat(selectOne(c)).isEqualTo(1);
      assertThat(proxy.cutConnections()).isEqualTo(1);
      long start = real.nanoTime();
      assertThatThrownBy(() -> selectOne(c))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).startsWith("08"));
      assertThat(millisSince(start))
          .as("a reset is seen at once, not after the socket timeout")
          .isLessThan(20_000);
    }
    try (Connection c = connect(30)) {
      assertThat(proxy.closeConnections()).isEqualTo(1);
      assertThatThrownBy(() -> selectOne(c)).isInstanceOf(SQLException.class);
    }
  }

  @Test
  void silentConnectionsHangUntilTheClientGivesUpWhileNewOnesWork() throws SQLException {
    try (Connection silent = connect(2)) {
      assertThat(selectOne(silent)).isEqualTo(1);
      assertThat(proxy.silenceConnections()).isEqualTo(1);
      assertThat(proxy.silentConnections()).isEqualTo(1);
      long start = real.nanoTime();
      assertThatThrownBy(() -> selectOne(silent)).isInstanceOf(SQLException.class);
      assertThat(millisSince(start))
          .as("only the 2 s socket timeout ends the wait")
          .isGreaterThanOrEqualTo(1_900);
      try (Connection fresh = connect(30)) {
        assertThat(selectOne(fresh)).isEqualTo(1);
      }
    }
  }

  @Test
  void delaysEveryRoundTrip() throws SQLException {
    try (Connection c = connect(60)) {
      proxy.delay(Duration.ofMillis(300));
      long start = real.nanoTime();
      assertThat(selectOne(c)).isEqualTo(1);
      assertThat(millisSince(start))
          .as("one round trip: two delayed chunks")
          .isGreaterThanOrEqualTo(600);
      proxy.delay(Duration.ZERO);
      assertThat(selectOne(c)).isEqualTo(1);
    }
    assertThatThrownBy(() -> proxy.delay(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void dropsTheReplyToTheNthCommitThenCuts() throws SQLException {
    FaultProxy.ReplyDrop drop =
        proxy.dropReply(FaultProxy.statementStartingWith("commit"), 2, FaultProxy.AfterDrop.CUT);
    try (Connection c = connect(30)) {
      c.setAutoCommit(false);
      insert(c, 1);
      c.commit(); // the first COMMIT is answered
      assertThat(drop.fired()).isFalse();
      insert(c, 2);
      assertThatThrownBy(c::commit).isInstanceOf(SQLException.class);
    }
    assertThat(drop.fired()).isTrue();
    assertThat(drop.swallowed()).isTrue();
    assertThat(drop.statement()).isEqualToIgnoringCase("COMMIT");
    assertThat(probeHas(1)).isTrue();
    assertThat(probeHas(2)).as("the server committed; only its reply was lost").isTrue();
  }

  @Test
  void dropsTheReplyToAStatementThenGoesSilent() throws SQLException {
    FaultProxy.ReplyDrop drop =
        proxy.dropReply(
            FaultProxy.statementStartingWith("INSERT INTO probe"), 1, FaultProxy.AfterDrop.SILENT);
    try (Connection c = connect(2)) {
      assertThat(selectOne(c)).isEqualTo(1);
      long start = real.nanoTime();
      assertThatThrownBy(() -> insert(c, 3)).isInstanceOf(SQLException.class);
      assertThat(millisSince(start)).isGreaterThanOrEqualTo(1_900);
      Await.until("the reply is swallowed", Duration.ofSeconds(30), drop::swallowed);
      assertThat(proxy.silentConnections()).isEqualTo(1);
    }
    assertThat(probeHas(3)).as("autocommit: the insert took effect").isTrue();
    try (Connection c = connect(30)) {
      insert(c, 4); // a fired plan does not fire again
    }
    assertThat(probeHas(4)).isTrue();
  }

  @Test
  void closeStopsListeningAndResetsConnections() throws SQLException {
    Connection c = connect(30);
    try {
      proxy.close();
      assertThatThrownBy(() -> selectOne(c)).isInstanceOf(SQLException.class);
      assertThatThrownBy(() -> connect(30).close()).isInstanceOf(SQLException.class);
      proxy.close(); // idempotent
    } finally {
      c.close();
    }
  }

  private static void insert(Connection c, int id) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.executeUpdate("INSERT INTO probe VALUES (" + id + ")");
    }
  }
}
