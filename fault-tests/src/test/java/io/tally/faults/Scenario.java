package io.tally.faults;

import java.time.Duration;

/** Phases every scenario shares. */
final class Scenario {
  /** Normal running before the fault: every replica has flushed a few times. */
  static final Duration WARM_UP = Duration.ofSeconds(2);
  /** Normal running after the fault, before the writers stop and the replicas close. */
  static final Duration RECOVERY = Duration.ofSeconds(2);

  private Scenario() {}
}
