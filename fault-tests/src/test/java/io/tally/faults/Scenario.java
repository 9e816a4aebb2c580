package io.tally.faults;

import java.time.Duration;
import java.util.Map;

/** The course every fault scenario takes: warm up, fault, recover, stop, audit. */
final class Scenario {
  /** Normal running before the fault: every replica has flushed at least twice. */
  static final Duration WARM_UP = Duration.ofSeconds(1);

  /** Normal running after the fault, before the writers stop and the replicas close. */
  static final Duration RECOVERY = Duration.ofSeconds(2);

  /** Injects a fault into a running fleet and returns once it has healed. */
  interface Fault {
    void inject(Fleet fleet) throws Exception;
  }

  private Scenario() {}

  /**
   * Starts a fleet with the steady load, runs it through {@code fault}, waits until the server has
   * ended the transactions the fault cut off, lets the fleet recover, stops the writers, closes the
   * replicas and audits the database.
   *
   * @return the audit; call {@link Audit#assertExact()}
   */
  static Audit run(Fleet.Database db, Fault fault) throws Exception {
    return run(db, Map.of(), Fleet.Load.STEADY, fault);
  }

  /** As {@link #run(Fleet.Database, Fault)}, with extra settings and another load. */
  static Audit run(Fleet.Database db, Map<String, String> settings, Fleet.Load load, Fault fault)
      throws Exception {
    try (Fleet fleet = Fleet.start(db, settings, load)) {
      Fleet.runFor(WARM_UP);
      fault.inject(fleet);
      fleet.awaitServerReleased();
      Fleet.runFor(RECOVERY);
      fleet.stopAndClose();
      return fleet.audit();
    }
  }
}
