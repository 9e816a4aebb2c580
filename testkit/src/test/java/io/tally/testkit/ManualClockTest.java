package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManualClockTest {

  @Test
  void startsAtAFixedNonZeroInstant() {
    ManualClock clock = ManualClock.create();
    assertThat(clock.now()).isEqualTo(ManualClock.DEFAULT_START).isAfter(Instant.EPOCH);
    assertThat(clock.nanoTime()).isEqualTo(ManualClock.DEFAULT_NANO_START);
  }

  @Test
  void advanceRunsDueTasksInDueOrderAtTheirDueTime() {
    ManualClock clock = ManualClock.create();
    List<String> ran = new ArrayList<>();
    clock.schedule(Duration.ofSeconds(3), () -> ran.add("c@" + clock.now()));
    clock.schedule(Duration.ofSeconds(1), () -> ran.add("a@" + clock.now()));
    clock.schedule(Duration.ofSeconds(1), () -> ran.add("b@" + clock.now()));
    clock.schedule(Duration.ofSeconds(10), () -> ran.add("late"));

    clock.advance(Duration.ofSeconds(5));

    Instant t0 = ManualClock.DEFAULT_START;
    assertThat(ran)
        .containsExactly(
            "a@" + t0.plusSeconds(1), "b@" + t0.plusSeconds(1), "c@" + t0.plusSeconds(3));
    assertThat(clock.now()).isEqualTo(t0.plusSeconds(5));
    assertThat(clock.pendingTasks()).isEqualTo(1);
    assertThat(clock.pendingDelays()).containsExactly(Duration.ofSeconds(5));
  }

  @Test
  void tasksScheduledByTasksRunWithinTheSameAdvance() {
    ManualClock clock = ManualClock.create();
    List<Instant> ticks = new ArrayList<>();
    Runnable[] tick = new Runnable[1];
    tick[0] =
        () -> {
          ticks.add(clock.now());
          clock.schedule(Duration.ofSeconds(2), tick[0]);
        };
    clock.schedule(Duration.ofSeconds(2), tick[0]);

    clock.advance(Duration.ofSeconds(7));

    assertThat(ticks).hasSize(3);
    assertThat(clock.pendingTasks()).isEqualTo(1);
  }

  @Test
  void cancelledTasksDoNotRun() {
    ManualClock clock = ManualClock.create();
    List<String> ran = new ArrayList<>();
    Clock.Cancellable handle = clock.schedule(Duration.ofSeconds(1), () -> ran.add("x"));
    assertThat(handle.cancel()).isTrue();
    assertThat(handle.cancel()).isFalse();
    clock.advance(Duration.ofSeconds(2));
    assertThat(ran).isEmpty();
    assertThat(clock.pendingTasks()).isZero();
  }

  @Test
  void nanoTimeSurvivesOverflow() {
    ManualClock clock = ManualClock.startingAt(ManualClock.DEFAULT_START, Long.MAX_VALUE - 5);
    long before = clock.nanoTime();
    clock.advance(Duration.ofNanos(10));
    assertThat(clock.nanoTime() - before).isEqualTo(10);
  }

  @Test
  void rejectsNegativeDurations() {
    ManualClock clock = ManualClock.create();
    assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT-1S");
    assertThatThrownBy(() -> clock.schedule(Duration.ofMillis(-1), () -> {}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
