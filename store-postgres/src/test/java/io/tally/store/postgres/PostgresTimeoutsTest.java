package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.tally.core.FlushResult;
import io.tally.core.TallyConfig;
import io.tally.core.batch.Batcher;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.connectionlog.ConnectionType;
import io.tally.core.lastused.LastUsedTracker;
import io.tally.core.spi.ProviderContext;
import io.tally.core.spi.Stores;
import io.tally.core.usagestats.UsageStatsReporter;
import io.tally.testkit.Await;
import io.tally.testkit.ManualClock;
import io.tally.testkit.PostgresDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A store call that outlives its timeout really ends, and the next one runs on a healthy
 * connection: the built-in provider's connections carry a network timeout and are aborted when a
 * component gives a call up.
 */
class PostgresTimeoutsTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(4);

  private static final String APPLICATION = "tally-timeouts-test";

  private final ManualClock clock = ManualClock.create();

  private TallyConfig.Builder config(String url) {
    TallyConfig.Builder b =
        TallyConfig.builder()
            .store("postgres")
            .jdbcUser(pg.user())
            .lastUsedFlushTimeout(FLUSH_TIMEOUT)
            .usageStatsFlushTimeout(FLUSH_TIMEOUT)
            .batchFlushTimeout(FLUSH_TIMEOUT);
    if (!pg.password().isEmpty()) {
      b.jdbcPassword(pg.password());
    }
    return url.isEmpty() ? b : b.jdbcUrl(url);
  }

  private static Instant stored(UUID id) throws SQLException {
    try (Connection c = pg.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT last_used_at FROM tally_last_used WHERE id = ?")) {
      ps.setString(1, id.toString());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getTimestamp(1).toInstant() : null;
      }
    }
  }

  @Test
  void aConnectionThatGoesSilentCostsOneFlushAndTheNextRunsOnAHealthyOne() throws Exception {
    String application = "tally-silent-" + UUID.randomUUID().toString().substring(0, 8);
    try (SilentProxy proxy = SilentProxy.toServerOf(pg);
        Stores stores =
            new PostgresStoreProvider()
                .open(
                    ProviderContext.of(
                        config(proxy.url(pg) + "&ApplicationName=" + application).build(),
                        null,
                        clock))) {
      // The whole pool is open (the network goes silent under every connection, not under a
      // connection the pool is still logging in, which would hold its single connection maker).
      Await.until(
          "the pool holds its " + TallyConfig.DEFAULT_POOL_SIZE + " connections",
          Duration.ofSeconds(30),
          () -> backends(application) == TallyConfig.DEFAULT_POOL_SIZE);
      silentConnectionCostsOneFlush(proxy, stores);
    }
  }

  private static int backends(String application) {
    try (Connection c = pg.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
      ps.setString(1, application);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aDataSourceOfYourOwnGetsTheSameProtection() throws Exception {
    try (SilentProxy proxy = SilentProxy.toServerOf(pg)) {
      HikariConfig hikari = new HikariConfig();
      hikari.setJdbcUrl(proxy.url(pg));
      hikari.setUsername(pg.user());
      if (!pg.password().isEmpty()) {
        hikari.setPassword(pg.password());
      }
      hikari.setMaximumPoolSize(1);
      try (HikariDataSource own = new HikariDataSource(hikari);
          Stores stores =
              new PostgresStoreProvider(own)
                  .open(ProviderContext.of(config("").build(), null, clock))) {
        silentConnectionCostsOneFlush(proxy, stores);
        assertThat(own.isClosed()).isFalse();
      }
    }
  }

  @Test
  void aConnectionLogBatchOnASilentConnectionCostsOneFlush() throws Exception {
    // The batcher makes its store calls on an I/O thread of its own (not through TimedCall);
    // before, a call given up at its timeout kept that thread in a socket read until the
    // network timeout, and the next batch queued behind it.
    try (SilentProxy proxy = SilentProxy.toServerOf(pg)) {
      HikariConfig hikari = new HikariConfig();
      hikari.setJdbcUrl(proxy.url(pg));
      hikari.setUsername(pg.user());
      if (!pg.password().isEmpty()) {
        hikari.setPassword(pg.password());
      }
      hikari.setMaximumPoolSize(1);
      try (HikariDataSource own = new HikariDataSource(hikari);
          Stores stores =
              new PostgresStoreProvider(own)
                  .open(ProviderContext.of(config("").build(), null, clock))) {
        stores.migrate();
        Batcher<ConnectionEvent> batcher =
            Batcher.builder(stores.connectionLog())
                .coalescing(ConnectionEvents.coalescing())
                .flushTimeout(FLUSH_TIMEOUT)
                .shutdownTimeout(FLUSH_TIMEOUT)
                .clock(clock)
                .build();
        try {
          batcher.write(session(UUID.randomUUID()));
          assertThat(batcher.flush().isSuccess()).isTrue();

          proxy.silenceOpenConnections();
          UUID second = UUID.randomUUID();
          batcher.write(session(second));
          FlushResult stuck = batcher.flush();
          assertThat(stuck.isSuccess())
              .as("the flush on the silent connection: %s", stuck)
              .isFalse();

          FlushResult next = batcher.flush();
          assertThat(next.isSuccess()).as("the flush after the stuck one: %s", next).isTrue();
          assertThat(connectionRows(second)).isEqualTo(1);
        } finally {
          batcher.close();
        }
      }
    }
  }

  private ConnectionEvent session(UUID connectionId) {
    return ConnectionEvent.builder()
        .id(UUID.randomUUID())
        .organizationId(UUID.randomUUID())
        .workspaceOwnerId(UUID.randomUUID())
        .workspaceId(UUID.randomUUID())
        .workspaceName("ws")
        .agentName("main")
        .type(ConnectionType.SSH)
        .ip("192.0.2.1")
        .userId(UUID.randomUUID())
        .connectionId(connectionId)
        .connect(clock.now());
  }

  private static int connectionRows(UUID connectionId) throws SQLException {
    try (Connection c = pg.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FROM tally_connection_log WHERE connection_id = ?")) {
      ps.setObject(1, connectionId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private LastUsedTracker<UUID> tracker(Stores stores) {
    return LastUsedTracker.builder(stores.lastUsed())
        .flushTimeout(FLUSH_TIMEOUT)
        .shutdownTimeout(FLUSH_TIMEOUT)
        .clock(clock)
        .build();
  }

  private void silentConnectionCostsOneFlush(SilentProxy proxy, Stores stores) throws Exception {
    stores.migrate();
    LastUsedTracker<UUID> tracker = tracker(stores);
    try {
      UUID first = UUID.randomUUID();
      tracker.markUsed(first);
      assertThat(tracker.flush().isSuccess()).isTrue();

      proxy.silenceOpenConnections();
      UUID second = UUID.randomUUID();
      tracker.markUsed(second);
      FlushResult stuck = tracker.flush();
      assertThat(stuck.outcome()).isEqualTo(FlushResult.Outcome.TIMED_OUT);

      // Before: the I/O thread stayed in a socket read forever (no socket timeout, interrupts
      // ignored), so every later flush queued behind it and timed out too.
      FlushResult next = tracker.flush();
      assertThat(next.isSuccess()).as("the flush after the stuck one: %s", next).isTrue();
      assertThat(stored(first)).isNotNull();
      assertThat(stored(second)).isNotNull();
    } finally {
      tracker.close();
    }
  }

  /** Backends of this schema's Tally pool that wait for a lock on the last-used table. */
  private static int waitingForALock(int holder) throws SQLException {
    try (Connection c = pg.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE pid <> ? AND wait_event_type = 'Lock'"
                    + " AND query LIKE '%tally_last_used%' AND state = 'active'"
                    + " AND application_name = ?")) {
      ps.setInt(1, holder);
      ps.setString(2, APPLICATION);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  @Test
  void aFlushStuckOnARowLockGivesTheLockWaitUpOnTheServerToo() throws Exception {
    String url = pg.jdbcUrl() + "&ApplicationName=" + APPLICATION;
    try (Stores stores =
        new PostgresStoreProvider().open(ProviderContext.of(config(url).build(), null, clock))) {
      stores.migrate();
      LastUsedTracker<UUID> tracker = tracker(stores);
      UUID locked = UUID.randomUUID();
      try (Connection holder = pg.dataSource().getConnection()) {
        tracker.markUsed(locked, clock.now().minusSeconds(60));
        assertThat(tracker.flush().isSuccess()).isTrue();
        holder.setAutoCommit(false);
        int holderPid;
        try (PreparedStatement ps =
            holder.prepareStatement(
                "SELECT pg_backend_pid() FROM tally_last_used WHERE id = ? FOR UPDATE")) {
          ps.setString(1, locked.toString());
          try (ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            holderPid = rs.getInt(1);
          }
        }

        tracker.markUsed(locked);
        // lock_timeout equals the flush timeout, so either side may give up first: the server
        // (the flush FAILED with a lock timeout) or the client (TIMED_OUT). Both keep the entry.
        FlushResult blocked = tracker.flush();
        assertThat(blocked.outcome())
            .isIn(FlushResult.Outcome.TIMED_OUT, FlushResult.Outcome.FAILED);

        // Before: the abandoned UPDATE kept waiting on the server for as long as the lock was
        // held (no lock timeout), holding its own locks and its pooled connection.
        Await.until(
            "no Tally backend waits for the row lock any more",
            Duration.ofSeconds(30),
            () -> {
              try {
                return waitingForALock(holderPid) == 0;
              } catch (SQLException e) {
                throw new IllegalStateException(e);
              }
            });
        holder.rollback();
      }
      assertThat(tracker.flush().isSuccess()).isTrue();
      assertThat(stored(locked)).isEqualTo(clock.now());
      tracker.close();
    }
  }

  @Test
  void theReportersCallIsBoundedByTheNetworkTimeout() throws Exception {
    try (SilentProxy proxy = SilentProxy.toServerOf(pg);
        Stores stores =
            new PostgresStoreProvider()
                .open(
                    ProviderContext.of(
                        config(proxy.url(pg)).set("tally.jdbc.network-timeout", "3s").build(),
                        null,
                        clock))) {
      stores.migrate();
      UsageStatsReporter reporter =
          UsageStatsReporter.builder(stores.usageStats()).clock(clock).build();
      try {
        reporter.collectAndReset();
        proxy.silenceOpenConnections();
        // Before: the call waited on the silent socket for ever (pgjdbc's socketTimeout is 0).
        assertTimeoutPreemptively(
            Duration.ofSeconds(60),
            () -> {
              try {
                reporter.collectAndReset();
              } catch (RuntimeException expected) {
                // a silent connection fails the call; what matters is that it returns
              }
            });
        clock.advance(Duration.ofHours(1));
        Await.until(
            "a later collection succeeds on fresh connections",
            Duration.ofSeconds(60),
            () -> {
              try {
                reporter.collectAndReset();
                return true;
              } catch (RuntimeException stillBroken) {
                return false;
              }
            });
      } finally {
        reporter.close();
      }
    }
  }
}
