package io.tally.examples.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether the run reached its target rate ({@code --rate}) and, when it did not, why: the time the
 * simulated agents lost in calls that blocked (per component), the calls that threw, and the pauses
 * at period boundaries; what these do not explain is the agent threads being too slow on this
 * machine.
 */
final class RateCheck {
  static final int MARK_USED = 0;
  static final int TRACK = 1;
  static final int WRITE = 2;

  /** A hot-path call that takes this long or longer counts as blocked: {@value} ns (1 ms). */
  static final long BLOCKED_NANOS = 1_000_000L;

  /** Below this share of the target, the target counts as missed. */
  static final double MET_SHARE = 0.95;

  private static final String[] CALLS = {
    "last-used markUsed", "usage-stats track", "connection-log write"
  };

  private final long target;
  private final double achieved;
  private final double elapsedSeconds;
  private final int threads;
  private final long[] blockedCalls = new long[3];
  private final long[] blockedNanos = new long[3];
  private final long[] failedCalls = new long[3];
  private long pausedNanos;

  RateCheck(long target, long events, long elapsedNanos, List<Generator> generators) {
    this.target = target;
    this.elapsedSeconds = elapsedNanos / 1e9;
    this.achieved = elapsedSeconds > 0 ? events / elapsedSeconds : 0;
    this.threads = Math.max(1, generators.size());
    for (Generator g : generators) {
      for (int k = 0; k < 3; k++) {
        blockedCalls[k] += g.blockedCalls[k];
        blockedNanos[k] += g.blockedNanos[k];
        failedCalls[k] += g.failedCalls[k];
      }
      pausedNanos += g.pausedNanos;
    }
  }

  /**
   * @return true if the run sent at least {@value #MET_SHARE} of the target rate
   */
  boolean met() {
    return achieved >= MET_SHARE * target;
  }

  /**
   * @return the causes of a miss, largest first, each with the time the agent threads lost to it
   *     (their time summed, divided by the number of threads); empty when the target was met
   */
  List<String> causes() {
    List<String> out = new ArrayList<>();
    if (met()) {
      return out;
    }
    List<long[]> ranked = new ArrayList<>(); // {nanos lost, kind}, kind 3 = boundary pauses
    for (int k = 0; k < 3; k++) {
      if (blockedCalls[k] > 0) {
        ranked.add(new long[] {blockedNanos[k], k});
      }
    }
    if (pausedNanos >= BLOCKED_NANOS) {
      ranked.add(new long[] {pausedNanos, 3});
    }
    ranked.sort((a, b) -> Long.compare(b[0], a[0]));
    long explained = 0;
    for (long[] r : ranked) {
      explained += r[0];
      int k = (int) r[1];
      double seconds = r[0] / 1e9 / threads;
      out.add(
          k == 3
              ? String.format(
                  "paused %.1fs at period boundaries (every replica flushes its usage, one collects)",
                  seconds)
              : String.format(
                  "%s blocked %,d calls for %.1fs (waiting for room or for its flush)",
                  CALLS[k], blockedCalls[k], seconds));
    }
    for (int k = 0; k < 3; k++) {
      if (failedCalls[k] > 0) {
        out.add(String.format("%s threw %,d times", CALLS[k], failedCalls[k]));
      }
    }
    double lost = elapsedSeconds - (achieved * elapsedSeconds) / target; // at the target rate
    if (explained / 1e9 / threads < lost / 2) {
      out.add(
          String.format(
              "the %d agent thread(s) could not send faster on this machine (no call blocked long"
                  + " enough to explain the rest: the CPU is busy)",
              threads));
    }
    return out;
  }

  /**
   * @return the lines the report prints: one headline and one line per cause
   */
  List<String> lines() {
    List<String> out = new ArrayList<>();
    if (met()) {
      return out;
    }
    out.add(
        String.format(
            "TARGET MISSED    %,.0f events/s of the %,d targeted (%.0f%%), because:",
            achieved, target, 100 * achieved / target));
    for (String c : causes()) {
      out.add("                 - " + c);
    }
    return out;
  }

  /**
   * @return the JSON form: met, and the causes when missed
   */
  Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("met", met());
    m.put("causes", causes());
    return m;
  }
}
