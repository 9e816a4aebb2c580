package io.tally.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The report says when the run missed its target rate, and which component blocked. */
class RateCheckTest {
  private static Generator generator() {
    return new Generator(null, null, null, 1000, null, null, 1, null);
  }

  @Test
  void aMetTargetSaysNothing() {
    RateCheck r = new RateCheck(20_000, 300_000, 15_000_000_000L, List.of(generator()));
    assertThat(r.met()).isTrue();
    assertThat(r.lines()).isEmpty();
  }

  @Test
  void aMissNamesTheComponentThatBlockedLargestFirst() {
    Generator a = generator();
    Generator b = generator();
    a.blockedCalls[RateCheck.WRITE] = 300;
    a.blockedNanos[RateCheck.WRITE] = 6_000_000_000L;
    b.blockedCalls[RateCheck.WRITE] = 100;
    b.blockedNanos[RateCheck.WRITE] = 2_000_000_000L;
    b.blockedCalls[RateCheck.MARK_USED] = 2;
    b.blockedNanos[RateCheck.MARK_USED] = 4_000_000L;
    a.failedCalls[RateCheck.TRACK] = 5;
    a.pausedNanos = 600_000_000L;
    // 150,000 events in 15 s at a target of 20,000/s: 7.5 s of 15 lost
    RateCheck r = new RateCheck(20_000, 150_000, 15_000_000_000L, List.of(a, b));
    assertThat(r.met()).isFalse();
    assertThat(r.lines())
        .containsExactly(
            "TARGET MISSED    10,000 events/s of the 20,000 targeted (50%), because:",
            "                 - connection-log write blocked 400 calls for 4.0s (waiting for room or"
                + " for its flush)",
            "                 - paused 0.3s at period boundaries (every replica flushes its usage,"
                + " one collects)",
            "                 - last-used markUsed blocked 2 calls for 0.0s (waiting for room or for"
                + " its flush)",
            "                 - usage-stats track threw 5 times");
    assertThat(r.toJson()).containsEntry("met", false);
  }

  @Test
  void aMissThatNoCallExplainsBlamesTheMachine() {
    RateCheck r =
        new RateCheck(20_000, 100_000, 10_000_000_000L, List.of(generator(), generator()));
    assertThat(r.lines())
        .containsExactly(
            "TARGET MISSED    10,000 events/s of the 20,000 targeted (50%), because:",
            "                 - the 2 agent thread(s) could not send faster on this machine (no call"
                + " blocked long enough to explain the rest: the CPU is busy)");
  }
}
