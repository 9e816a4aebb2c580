package io.tally.core.usagestats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tally.core.Health;
import io.tally.core.StoreException;
import io.tally.testkit.FaultyStore;
import io.tally.testkit.InMemoryUsageStatsStore;
import io.tally.testkit.InjectedFault;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class UsageStatsReporterTest {
  private final ManualClock clock = ManualClock.startingAt(Instant.parse("2026-01-01T10:17:00Z"));
  private final InMemoryUsageStatsStore memory = new InMemoryUsageStatsStore();

  @Test
  void periodEndsAtNowTruncatedToThePeriodSinceTheEpoch() {
    Duration half = Duration.ofMinutes(30);
    assertThat(DefaultUsageStatsReporter.periodEnd(Instant.parse("2026-01-01T10:17:00Z"), half))
        .isEqualTo(Instant.parse("2026-01-01T10:00:00Z"));
    assertThat(DefaultUsageStatsReporter.periodEnd(Instant.parse("2026-01-01T10:30:00Z"), half))
        .isEqualTo(Instant.parse("2026-01-01T10:30:00Z"));
    assertThat(
            DefaultUsageStatsReporter.periodEnd(
                Instant.parse("2026-01-01T10:29:59.999999999Z"), half))
        .isEqualTo(Instant.parse("2026-01-01T10:00:00Z"));
    assertThat(
            DefaultUsageStatsReporter.periodEnd(
                Instant.parse("2026-01-01T10:17:00Z"), Duration.ofDays(1)))
        .isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(DefaultUsageStatsReporter.periodEnd(Instant.parse("1969-12-31T23:50:00Z"), half))
        .isEqualTo(Instant.parse("1969-12-31T23:30:00Z"));
  }

  @Test
  void collectReportsThePeriodThatEndedLastOnce() {
    UsageStatsReporter reporter = UsageStatsReporter.builder(memory).clock(clock).build();
    UsageStatsTracker t = UsageStatsTracker.builder(memory, UUID.randomUUID()).clock(clock).build();
    t.track(UUID.randomUUID(), UUID.randomUUID(), 4, 5);
    t.flush();

    UsageSummary summary = reporter.collectAndReset().orElseThrow();

    assertThat(summary.periodStart()).isEqualTo(Instant.parse("2026-01-01T09:30:00Z"));
    assertThat(summary.periodEnd()).isEqualTo(Instant.parse("2026-01-01T10:00:00Z"));
    assertThat(summary.periodDuration()).isEqualTo(UsageStatsReporter.Builder.DEFAULT_PERIOD);
    assertThat(summary.allowedRequests()).isEqualTo(4);
    assertThat(reporter.collectAndReset()).isEmpty();
    clock.advance(Duration.ofMinutes(13));
    assertThat(reporter.collectAndReset()).isPresent();
    t.close();
    reporter.close();
  }

  @Test
  void aFailingStoreIsReportedCountedAndRetriable() {
    FaultyStore<UsageStatsStore> faulty = FaultyStore.wrap(memory);
    UsageStatsReporter reporter = UsageStatsReporter.builder(faulty.store()).clock(clock).build();
    faulty.failNext(3);

    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(reporter::collectAndReset).isInstanceOf(InjectedFault.class);
    }

    assertThat(reporter.stats().failedFlushes()).isEqualTo(3);
    assertThat(reporter.health()).isEqualTo(Health.DEGRADED);
    assertThat(reporter.collectAndReset()).isPresent();
    assertThat(reporter.health()).isEqualTo(Health.HEALTHY);
    assertThat(reporter.stats().accepted()).isZero();
    reporter.close();
    assertThatThrownBy(reporter::collectAndReset).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aCollectionThatHangsIsBoundedByTheTimeout() {
    FaultyStore<UsageStatsStore> faulty = FaultyStore.wrap(memory);
    UsageStatsReporter reporter =
        UsageStatsReporter.builder(faulty.store())
            .clock(clock)
            .timeout(Duration.ofMillis(200))
            .build();
    faulty.block();
    try {
      assertThatThrownBy(reporter::collectAndReset)
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("did not finish within PT0.2S")
          .hasCauseInstanceOf(TimeoutException.class);
      assertThat(reporter.stats().failedFlushes()).isEqualTo(1);
      assertThat(reporter.stats().consecutiveFailures()).isEqualTo(1);

      faulty.release();
      assertThat(reporter.collectAndReset()).isPresent();
      assertThat(reporter.health()).isEqualTo(Health.HEALTHY);
    } finally {
      faulty.reset();
      reporter.close();
    }
  }

  @Test
  void aSummaryReturnedOnceIsNotReturnedAgainByTheSameInstanceButIsByARestartedOne() {
    UsageStatsTracker t = UsageStatsTracker.builder(memory, UUID.randomUUID()).clock(clock).build();
    t.track(UUID.randomUUID(), UUID.randomUUID(), 3, 0);
    t.flush();
    UsageStatsReporter first =
        UsageStatsReporter.builder(memory).clock(clock).reporterId("r1").build();
    assertThat(first.collectAndReset()).map(UsageSummary::allowedRequests).contains(3L);
    assertThat(first.collectAndReset()).isEmpty();
    first.close();

    UsageStatsReporter restarted =
        UsageStatsReporter.builder(memory).clock(clock).reporterId("r1").build();
    UsageStatsReporter other =
        UsageStatsReporter.builder(memory).clock(clock).reporterId("r2").build();
    assertThat(restarted.collectAndReset()).map(UsageSummary::allowedRequests).contains(3L);
    assertThat(other.collectAndReset()).isEmpty();
    t.close();
    restarted.close();
    other.close();
  }

  @Test
  void collectAllReturnsTheSummariesOfPeriodsInDoubtThenTheCurrentOne() {
    FaultyStore<UsageStatsStore> faulty = faultyCollections();
    UsageStatsTracker t = UsageStatsTracker.builder(memory, UUID.randomUUID()).clock(clock).build();
    UsageStatsReporter reporter =
        UsageStatsReporter.builder(faulty.store()).clock(clock).reporterId("r1").build();
    Duration period = reporter.period();
    t.track(UUID.randomUUID(), UUID.randomUUID(), 1, 0);
    t.flush();
    faulty.commitThenThrowNext(1); // period A: claimed, but the caller sees a failure
    assertThatThrownBy(reporter::collectAndReset).isInstanceOf(InjectedFault.class);
    clock.advance(period);
    t.track(UUID.randomUUID(), UUID.randomUUID(), 2, 0);
    t.flush();
    faulty.failOnCall(2); // A's summary is obtained, then period B's call fails: B in doubt
    assertThatThrownBy(reporter::collectAll).isInstanceOf(InjectedFault.class);
    clock.advance(period);
    t.track(UUID.randomUUID(), UUID.randomUUID(), 4, 0);
    t.flush();

    List<UsageSummary> all = reporter.collectAll(); // A kept from before; B claimed now; C

    assertThat(all).extracting(UsageSummary::allowedRequests).containsExactly(1L, 6L, 0L);
    assertThat(all.get(1).periodStart()).isEqualTo(all.get(0).periodEnd());
    assertThat(all.get(2).periodStart()).isEqualTo(all.get(1).periodEnd());
    assertThat(reporter.collectAll()).isEmpty();
    assertThat(reporter.collectAndReset()).isEmpty();
    assertThat(reporter.stats().flushes()).isEqualTo(3);
    t.close();
    reporter.close();
  }

  @Test
  void aCallerOncePerPeriodGetsEverySummaryClaimedForIt() {
    FaultyStore<UsageStatsStore> faulty = faultyCollections();
    UsageStatsTracker t = UsageStatsTracker.builder(memory, UUID.randomUUID()).clock(clock).build();
    UsageStatsReporter reporter = UsageStatsReporter.builder(faulty.store()).clock(clock).build();
    long total = 0;
    long reported = 0;
    for (int i = 1; i <= 10; i++) {
      t.track(UUID.randomUUID(), UUID.randomUUID(), i, 0);
      t.flush();
      total += i;
      if (i % 3 == 0) {
        faulty.commitThenThrowNext(1);
      }
      try {
        reported += reporter.collectAndReset().map(UsageSummary::allowedRequests).orElse(0L);
      } catch (InjectedFault lostReply) {
        // the claim committed: a later call returns it
      }
      clock.advance(reporter.period());
    }
    reported += reporter.collectAndReset().map(UsageSummary::allowedRequests).orElse(0L);

    assertThat(reported).isEqualTo(total);
    assertThat(reporter.collectAndReset()).isEmpty();
    t.close();
    reporter.close();
  }

  @Test
  void closingWithAPeriodInDoubtLogsIt() {
    FaultyStore<UsageStatsStore> faulty = faultyCollections();
    UsageStatsReporter reporter = UsageStatsReporter.builder(faulty.store()).clock(clock).build();
    Logger logger = (Logger) LoggerFactory.getLogger(UsageStatsReporter.class);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    logger.addAppender(logs);
    try {
      faulty.commitThenThrowNext(1);
      assertThatThrownBy(reporter::collectAndReset).isInstanceOf(InjectedFault.class);

      reporter.close();

      assertThat(logs.list)
          .anySatisfy(
              e -> {
                assertThat(e.getLevel()).isEqualTo(Level.ERROR);
                assertThat(e.getFormattedMessage())
                    .contains("the periods ending [2026-01-01T10:00:00Z] in doubt");
              });
    } finally {
      logger.detachAppender(logs);
    }
  }

  @Test
  void builderValidatesOptions() {
    assertThatThrownBy(() -> UsageStatsReporter.builder(memory).timeout(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout was PT0S but must be positive");
    assertThatThrownBy(() -> UsageStatsReporter.builder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("store");
    assertThatThrownBy(() -> UsageStatsReporter.builder(memory).period(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("period was PT0S but must be positive");
    assertThatThrownBy(() -> UsageStatsReporter.builder(memory).reporterId("").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("reporterId was ''");
    assertThat(UsageStatsReporter.builder(memory).build().period())
        .isEqualTo(Duration.ofMinutes(30));
  }

  private FaultyStore<UsageStatsStore> faultyCollections() {
    return FaultyStore.<UsageStatsStore>wrap(memory).affecting("collectAndReset");
  }
}
