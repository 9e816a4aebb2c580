package io.tally.core.lastused;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tally.core.DropReasons;
import io.tally.core.FlushResult;
import io.tally.core.InputRules;
import io.tally.core.StoreException;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.FaultyStore;
import io.tally.testkit.InMemoryLastUsedStore;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The last-used tracker's input rules and its isolation of entries the store rejects. */
class LastUsedInputTest {
  private static final int GOOD = 2_000;

  private final ManualClock clock = ManualClock.create();
  private final Instant t0 = clock.now();
  private final InMemoryLastUsedStore<String> memory = new InMemoryLastUsedStore<>();
  private final FaultyStore<LastUsedStore<String>> faulty = FaultyStore.wrap(memory);
  private final List<LastUsedTracker<String>> trackers = new ArrayList<>();
  private ListAppender<ILoggingEvent> logs;

  private LastUsedTracker<String> tracker() {
    LastUsedTracker<String> t =
        LastUsedTracker.builder(faulty.store())
            .clock(clock)
            .flushInterval(Duration.ofMinutes(1))
            .flushTimeout(Duration.ofSeconds(60))
            .build();
    trackers.add(t);
    return t;
  }

  @AfterEach
  void closeAndCheckConservation() {
    faulty.reset();
    memory.rejecting(id -> false, StoreException.Kind.DATA);
    for (LastUsedTracker<String> t : trackers) {
      t.close();
      ConservationCheck.assertConserved(t.stats());
    }
    if (logs != null) {
      ((Logger) LoggerFactory.getLogger(LastUsedTracker.class)).detachAppender(logs);
    }
  }

  private List<ILoggingEvent> captureLogs() {
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(LastUsedTracker.class)).addAppender(logs);
    return logs.list;
  }

  private void markGoodAndPoison(LastUsedTracker<String> t, String... poison) {
    for (int i = 0; i < GOOD; i++) {
      t.markUsed("good-" + i, t0.plusMillis(i));
    }
    for (String p : poison) {
      t.markUsed(p, t0);
    }
  }

  private void assertOnlyGoodWritten() {
    assertThat(memory.size()).isEqualTo(GOOD);
    for (int i = 0; i < GOOD; i++) {
      assertThat(memory.lastUsed("good-" + i)).contains(t0.plusMillis(i));
    }
  }

  @Test
  void timesOutsideTheStorableRangeAreRejectedAtTheCallAndNothingIsQueued() {
    LastUsedTracker<String> t = tracker();
    for (Instant bad :
        List.of(
            Instant.MAX,
            Instant.MIN,
            Instant.parse("+10000-01-01T00:00:00Z"),
            InputRules.MAX_TIME.plusNanos(1),
            InputRules.MIN_TIME.minusNanos(1),
            Instant.parse("-0001-01-01T00:00:00Z"))) {
      assertThatThrownBy(() -> t.markUsed("a", bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("at was " + bad)
          .hasMessageContaining(
              "must be between 1000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z");
    }
    assertThat(t.stats().accepted()).isZero();
    t.markUsed("min", InputRules.MIN_TIME);
    t.markUsed("max", InputRules.MAX_TIME);
    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
    assertThat(memory.lastUsed("min")).contains(InputRules.MIN_TIME);
    assertThat(memory.lastUsed("max")).contains(InputRules.MAX_TIME);
  }

  @Test
  void stringIdsWithNulLoneSurrogatesOrPastTheLimitAreRejected() {
    LastUsedTracker<String> t = tracker();
    assertThatThrownBy(() -> t.markUsed("a\u0000b", t0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("id was 'a\\0b' but must not contain NUL (U+0000; at index 1)");
    assertThatThrownBy(() -> t.markUsed("x\uD800", t0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lone surrogate");
    assertThatThrownBy(() -> t.markUsed("\uDC00y"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lone surrogate");
    String tooLong = "i".repeat(InputRules.MAX_ID_LENGTH + 1);
    assertThatThrownBy(() -> t.markUsed(tooLong, t0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "id was '"
                + "i".repeat(InputRules.SHOWN_LENGTH)
                + "…' (256 UTF-16 code units) but"
                + " must be at most 255");
    assertThat(t.stats().accepted()).isZero();
    String longest = "i".repeat(InputRules.MAX_ID_LENGTH);
    t.markUsed(longest, t0);
    t.markUsed("\uD83D\uDE00 pair", t0); // a whole surrogate pair is fine
    t.flush();
    assertThat(memory.lastUsed(longest)).contains(t0);
    assertThat(memory.lastUsed("\uD83D\uDE00 pair")).contains(t0);
  }

  @Test
  void onePoisonAmongTwoThousandLosesExactlyThePoison() {
    List<ILoggingEvent> log = captureLogs();
    memory.rejecting("poison"::equals, StoreException.Kind.DATA);
    LastUsedTracker<String> t = tracker();
    markGoodAndPoison(t, "poison");

    FlushResult r = t.flush();

    assertThat(r.outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
    assertThat(r.rows()).isEqualTo(GOOD);
    assertOnlyGoodWritten();
    assertThat(t.stats().dropped()).containsEntry(DropReasons.REJECTED, 1L);
    assertThat(t.stats().pending()).isZero();
    assertThat(t.stats().flushedRows()).isEqualTo(GOOD);
    assertThat(log)
        .anySatisfy(
            e -> {
              assertThat(e.getLevel()).isEqualTo(Level.ERROR);
              assertThat(e.getFormattedMessage())
                  .contains("rejected 1 of 2001")
                  .contains("[poison]")
                  .contains("'rejected'");
            });
    // the store call count stays logarithmic: one whole batch, then two per level of bisection
    assertThat(memory.calls()).isLessThan(2 + 2 * 12);
  }

  @Test
  void severalPoisonsAreEachIsolated() {
    Set<String> poison = Set.of("p1", "p2", "p3");
    memory.rejecting(poison::contains, StoreException.Kind.DATA);
    LastUsedTracker<String> t = tracker();
    markGoodAndPoison(t, "p1", "p2", "p3");

    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);

    assertOnlyGoodWritten();
    assertThat(t.stats().dropped()).containsEntry(DropReasons.REJECTED, 3L);
  }

  @Test
  void aStoreThatDoesNotClassifyIsBisectedAfterAFewFailuresInARow() {
    memory.rejecting("poison"::equals, StoreException.Kind.UNKNOWN);
    LastUsedTracker<String> t = tracker();
    markGoodAndPoison(t, "poison");

    for (int i = 1; i < DefaultLastUsedTracker.ISOLATE_UNKNOWN_AFTER; i++) {
      assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.FAILED);
      assertThat(memory.size()).isZero();
      assertThat(t.stats().pending()).isEqualTo(GOOD + 1);
    }
    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);

    assertOnlyGoodWritten();
    assertThat(t.stats().dropped()).containsEntry(DropReasons.REJECTED, 1L);
  }

  @Test
  void aStoreThatIsDownIsNeverMistakenForPoison() {
    LastUsedTracker<String> t = tracker();
    markGoodAndPoison(t);
    faulty.failing(true);
    for (int i = 0; i < DefaultLastUsedTracker.ISOLATE_UNKNOWN_AFTER + 2; i++) {
      assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.FAILED);
    }
    assertThat(t.stats().droppedTotal()).isZero();
    assertThat(t.stats().pending()).isEqualTo(GOOD);
    faulty.failing(false);

    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
    assertOnlyGoodWritten();
  }

  @Test
  void aTransientFailureKeepsEverything() {
    memory.rejecting("down"::equals, StoreException.Kind.TRANSIENT);
    LastUsedTracker<String> t = tracker();
    markGoodAndPoison(t, "down");
    for (int i = 0; i < DefaultLastUsedTracker.ISOLATE_UNKNOWN_AFTER + 2; i++) {
      assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.FAILED);
    }
    assertThat(memory.size()).isZero();
    assertThat(t.stats().droppedTotal()).isZero();
    assertThat(t.stats().pending()).isEqualTo(GOOD + 1);
  }

  @Test
  void aFlushTimeOutsideTheRangeKeepsTheEntriesInsteadOfRejectingThem() {
    ManualClock farFuture = ManualClock.startingAt(InputRules.MAX_TIME.minusSeconds(1));
    LastUsedTracker<String> t =
        LastUsedTracker.builder(faulty.store())
            .clock(farFuture)
            .timestampMode(TimestampMode.FLUSH_TIME)
            .build();
    trackers.add(t);
    t.markUsed("a");
    assertThat(t.flush().outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
    assertThat(memory.lastUsed("a")).contains(InputRules.MAX_TIME.minusSeconds(1));
    t.markUsed("b");
    farFuture.advance(Duration.ofSeconds(2));

    FlushResult r = t.flush();

    assertThat(r.outcome()).isEqualTo(FlushResult.Outcome.FAILED);
    assertThat(r.failure().orElseThrow())
        .hasMessageContaining("the flush time (clock.now()) was +10000-01-01");
    assertThat(t.stats().droppedTotal()).isZero();
    assertThat(t.stats().pending()).isEqualTo(1);
  }
}
