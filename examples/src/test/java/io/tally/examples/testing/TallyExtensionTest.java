package io.tally.examples.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.multibindings.Multibinder;
import io.tally.core.ComponentStats;
import io.tally.core.Health;
import io.tally.core.TallyComponent;
import io.tally.testkit.ManualClock;
import io.tally.testkit.PostgresDatabase;
import io.tally.testkit.TallyExtension;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link TallyExtension}: a Tally per test, closed after it, conservation checked. */
class TallyExtensionTest {

  static long count(String url, String user, String table) throws Exception {
    try (Connection c = DriverManager.getConnection(url, user, "");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Nested
  class OnH2 {
    // tag::tally-extension[]
    final ManualClock clock = ManualClock.create();

    @RegisterExtension // a Tally per test on a fresh H2 in-memory database, closed after it
    final TallyExtension tally = TallyExtension.builder().clock(clock).build();

    @Test
    void writesWhatTheTestRecorded() throws Exception {
      tally.get().lastUsed().markUsed(UUID.randomUUID(), clock.now());
      tally.get().lastUsed().flush();

      assertThat(count(tally.jdbcUrl(), "", "tally_last_used")).isEqualTo(1);
      assertThat(tally.get().health()).isEqualTo(Health.HEALTHY);
    } // after the test: Tally closed, accepted == written + coalesced + pending + dropped

    // end::tally-extension[]

    @Test
    void eachTestGetsItsOwnDatabase() throws Exception {
      assertThat(count(tally.jdbcUrl(), "", "tally_last_used")).isZero();
    }
  }

  @Nested
  class OnPostgres {
    @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

    @RegisterExtension
    final TallyExtension tally =
        TallyExtension.builder().postgres(pg).property("tally.backends", "db").build();

    @Test
    void runsOnTheFixturesSchema() throws Exception {
      tally.get().usageStats().track(UUID.randomUUID(), UUID.randomUUID(), 2, 1);
      tally.get().usageStats().flush();

      assertThat(tally.jdbcUrl()).isEqualTo(pg.jdbcUrl());
      assertThat(tally.get().config().store()).isEqualTo("postgres");
      try (Connection c = pg.dataSource().getConnection();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM tally_usage_stats")) {
        rs.next();
        assertThat(rs.getLong(1)).isEqualTo(1);
      }
    }
  }

  @Test
  void closesTallyAndFailsWhenAComponentLostItems() {
    ComponentStats lossy = ComponentStats.builder("lossy").accepted(3).flushedRows(2).build();
    TallyExtension extension =
        TallyExtension.builder()
            .modules(
                binder ->
                    Multibinder.newSetBinder(binder, TallyComponent.class)
                        .addBinding()
                        .toInstance(new Fixed(lossy)))
            .build();
    ExtensionContext passed = context();

    extension.beforeEach(passed);
    assertThat(extension.get().components()).hasSize(5);
    assertThatThrownBy(() -> extension.afterEach(passed))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Conservation broken for lossy")
        .hasMessageContaining("items lost");
    assertThatThrownBy(extension::get).hasMessageContaining("no running Tally");
    assertThat(extension.finalStats()).extracting(ComponentStats::component).contains("last-used");
  }

  /** A context whose test passed: all the extension asks of it. */
  private static ExtensionContext context() {
    return (ExtensionContext)
        Proxy.newProxyInstance(
            ExtensionContext.class.getClassLoader(),
            new Class<?>[] {ExtensionContext.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getExecutionException")) {
                return Optional.empty();
              }
              throw new UnsupportedOperationException(method.getName());
            });
  }

  /** A component whose counters never change. */
  private static final class Fixed implements TallyComponent {
    private final ComponentStats stats;

    Fixed(ComponentStats stats) {
      this.stats = stats;
    }

    @Override
    public String name() {
      return stats.component();
    }

    @Override
    public ComponentStats stats() {
      return stats;
    }

    @Override
    public Health health() {
      return Health.HEALTHY;
    }

    @Override
    public void close() {}
  }
}
