package io.tally.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.core.Health;
import io.tally.core.TallyConfig;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.usagestats.UsageSummary;
import io.tally.testkit.ConnectionLogRow;
import io.tally.testkit.ManualClock;
import io.tally.testkit.RecordingBackend;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/** The README's quickstarts run, and write what they claim to. */
class QuickstartTest {

  private static JdbcDataSource h2(String url) {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL(url);
    return ds;
  }

  private static long count(JdbcDataSource ds, String table) throws Exception {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void plainJavaQuickstartWritesEveryComponent() throws Exception {
    JdbcDataSource ds = h2("jdbc:h2:mem:plain-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    Optional<UsageSummary> summary = PlainJavaQuickstart.run(ds, ManualClock.create());

    assertThat(summary).isPresent();
    assertThat(summary.get().allowedRequests()).isEqualTo(10);
    assertThat(summary.get().deniedRequests()).isEqualTo(1);
    assertThat(summary.get().uniqueWorkspaces()).isEqualTo(1);
    assertThat(count(ds, "tally_last_used")).isEqualTo(1);
    assertThat(ConnectionLogRow.readAll(ds, "tally_connection_log")).hasSize(1);
  }

  @Test
  void metricsQuickstartBindsEveryComponentAndTimesTheFlush() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    String url = "jdbc:h2:mem:metrics-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";

    String replica =
        MetricsQuickstart.run(TallyConfig.from(Map.of("tally.jdbc.url", url)), registry);

    assertThat(
            registry
                .get("tally.last-used.flushed.rows")
                .tag("replica", replica)
                .functionCounter()
                .count())
        .isEqualTo(1);
    assertThat(
            registry
                .get("tally.last-used.flush")
                .tags("replica", replica, "outcome", "success")
                .timer()
                .count())
        .isEqualTo(1);
    assertThat(registry.get("tally.connection-log.health").tag("replica", replica).gauge())
        .isNotNull();
  }

  @Test
  void guiceQuickstartFansOutToEveryBackend() throws Exception {
    String url = "jdbc:h2:mem:guice-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    RecordingBackend<ConnectionEvent> mine = RecordingBackend.create();

    assertThat(GuiceQuickstart.run(url, mine)).isEqualTo(Health.HEALTHY);

    JdbcDataSource ds = h2(url);
    assertThat(mine.count()).isEqualTo(1);
    assertThat(mine.isClosed()).isTrue();
    assertThat(count(ds, "tally_last_used")).isEqualTo(1);
    assertThat(count(ds, "tally_usage_stats")).isEqualTo(1);
    assertThat(ConnectionLogRow.readAll(ds, "tally_connection_log"))
        .singleElement()
        .satisfies(
            row -> assertThat(row.connectionId()).isEqualTo(mine.events().get(0).connectionId()));
  }
}
