package io.tally.faults;

import io.tally.core.ComponentStats;
import io.tally.core.DropReasons;
import io.tally.core.usagestats.UsageSummary;
import io.tally.testkit.ConnectionLogRow;
import io.tally.testkit.ConservationCheck;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database compared with the {@link Truth}, exactly, and every replica's counters checked for
 * conservation: each problem found is one line of {@link #problems()}.
 */
final class Audit {
  private static final Logger log = LoggerFactory.getLogger(Audit.class);
  private static final int EXAMPLES = 5;

  /** {@code Tally.close()} has one total budget, 20 s by default (issue 9). */
  static final Duration CLOSE_BUDGET = Duration.ofSeconds(20);

  private final List<String> problems = new ArrayList<>();
  private final List<String> facts = new ArrayList<>();

  private Audit() {}

  static Audit of(Fleet fleet, List<List<ComponentStats>> finalStats) {
    Audit a = new Audit();
    Truth truth = fleet.truth;
    a.facts.add(
        "calls returned "
            + truth.calls.sum()
            + ", refused "
            + truth.refusedCalls.sum()
            + "; proxy connections "
            + fleet.proxy.acceptedConnections()
            + "; close took "
            + fleet.closeTimes());
    synchronized (fleet.problems) {
      a.problems.addAll(fleet.problems);
    }
    a.lastUsed(fleet, truth);
    a.connectionLog(fleet, truth);
    a.usage(truth, fleet);
    a.stats(finalStats, truth);
    for (Duration t : fleet.closeTimes()) {
      if (t.compareTo(CLOSE_BUDGET) > 0) {
        a.problems.add("close() took " + t + ", more than its total budget of " + CLOSE_BUDGET);
      }
    }
    if (truth.acceptedAfterClose.sum() > 0) {
      a.problems.add(
          truth.acceptedAfterClose.sum() + " calls made after close() returned did not throw");
    }
    log.info("{}: {}", fleet.applicationName, a);
    return a;
  }

  List<String> problems() {
    return problems;
  }

  /** Throws one error listing every problem, or returns if there is none. */
  void assertExact() {
    if (!problems.isEmpty()) {
      throw new AssertionError(
          "The database or the counters differ from the truth:\n  - "
              + String.join("\n  - ", problems)
              + "\n("
              + String.join("; ", facts)
              + ")");
    }
  }

  private void lastUsed(Fleet fleet, Truth truth) {
    Map<UUID, Instant> stored = new HashMap<>();
    String sql = "SELECT id, last_used_at FROM " + Fleet.PREFIX + "last_used";
    try (Connection c = fleet.db.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        OffsetDateTime at = rs.getObject(2, OffsetDateTime.class);
        stored.put(UUID.fromString(rs.getString(1)), at.toInstant());
      }
    } catch (SQLException e) {
      throw new AssertionError(sql, e);
    }
    Mismatches m = new Mismatches("last-used times");
    for (Map.Entry<UUID, Instant> e : truth.lastUsed.entrySet()) {
      Instant found = stored.remove(e.getKey());
      if (found == null) {
        m.lost("workspace " + e.getKey() + " has no row; expected " + e.getValue());
      } else if (!found.equals(e.getValue())) {
        m.wrong("workspace " + e.getKey() + " expected " + e.getValue() + " found " + found);
      }
    }
    stored.forEach((id, t) -> m.extra("workspace " + id + " was never marked but has " + t));
    m.report(truth.lastUsed.size());
  }

  private void connectionLog(Fleet fleet, Truth truth) {
    Map<UUID, ConnectionLogRow> rows = new HashMap<>();
    Mismatches m = new Mismatches("connection-log sessions");
    for (ConnectionLogRow row :
        ConnectionLogRow.readAll(fleet.db.dataSource(), Fleet.PREFIX + "connection_log")) {
      if (row.connectionId() == null || rows.put(row.connectionId(), row) != null) {
        m.extra("more than one row (or no connection id) for session " + row.connectionId());
      }
    }
    for (Map.Entry<UUID, Truth.Session> e : truth.sessions.entrySet()) {
      Truth.Session s = e.getValue();
      ConnectionLogRow row = rows.remove(e.getKey());
      if (row == null) {
        m.lost(
            "session " + e.getKey() + " has no row; expected " + s.connect + " / " + s.disconnect);
      } else if (!s.connect.equals(row.connectTime())
          || (s.disconnect == null
              ? row.disconnectTime() != null
              : !s.disconnect.equals(row.disconnectTime()))) {
        m.wrong(
            "session "
                + e.getKey()
                + " expected "
                + s.connect
                + " / "
                + s.disconnect
                + " found "
                + row.connectTime()
                + " / "
                + row.disconnectTime());
      }
    }
    rows.keySet().forEach(id -> m.extra("session " + id + " was never written but has a row"));
    m.report(truth.sessions.size());
  }

  private void usage(Truth truth, Fleet fleet) {
    long allowed = 0;
    long denied = 0;
    long users = 0;
    for (UsageSummary s : truth.summaries.values()) {
      allowed += s.allowedRequests();
      denied += s.deniedRequests();
      users += s.uniqueUsers();
      if (s.uniqueWorkspaces() > Fleet.WORKSPACES) {
        problems.add(
            "usage: period "
                + s.periodStart()
                + " counts "
                + s.uniqueWorkspaces()
                + " unique workspaces but only "
                + Fleet.WORKSPACES
                + " exist");
      }
    }
    facts.add(truth.summaries.size() + " usage periods reported");
    if (allowed != truth.allowed.sum() || denied != truth.denied.sum()) {
      problems.add(
          "usage: the summaries count "
              + allowed
              + " allowed / "
              + denied
              + " denied requests but "
              + truth.allowed.sum()
              + " / "
              + truth.denied.sum()
              + " were tracked ("
              + (truth.allowed.sum() - allowed)
              + " allowed missing)");
    }
    if (fleet.freshUsers() && users != truth.users.size()) {
      problems.add(
          "usage: the summaries count "
              + users
              + " unique users but "
              + truth.users.size()
              + " distinct users were tracked (each in one call, so in exactly one period)");
    }
    synchronized (truth.summaryConflicts) {
      problems.addAll(truth.summaryConflicts);
    }
  }

  /**
   * Conservation in every component, nothing pending after close, and nothing dropped except writes
   * refused at the memory bound ({@code queue_full}): those calls threw, so they are not in the
   * truth, and there can be no more of them than calls that threw.
   */
  private void stats(List<List<ComponentStats>> finalStats, Truth truth) {
    if (finalStats == null) {
      problems.add("the replicas were not closed");
      return;
    }
    long refusedWrites = 0;
    for (List<ComponentStats> replica : finalStats) {
      for (ComponentStats s : replica) {
        try {
          ConservationCheck.assertConserved(s);
        } catch (AssertionError e) {
          problems.add(e.getMessage());
        }
        long refused = s.dropped().getOrDefault(DropReasons.QUEUE_FULL, 0L);
        refusedWrites += refused;
        if (s.droppedTotal() > refused || s.pending() > 0) {
          problems.add(
              s.component()
                  + " dropped "
                  + s.dropped()
                  + " and left "
                  + s.pending()
                  + " pending: "
                  + s);
        }
      }
    }
    if (refusedWrites > truth.refusedCalls.sum()) {
      problems.add(
          refusedWrites
              + " writes counted as refused (queue_full) but only "
              + truth.refusedCalls.sum()
              + " calls threw");
    }
  }

  /** Counts and a few examples of one comparison's differences. */
  private final class Mismatches {
    final String what;
    long lost;
    long wrong;
    long extra;
    final List<String> examples = new ArrayList<>();

    Mismatches(String what) {
      this.what = what;
    }

    void lost(String example) {
      lost++;
      example(example);
    }

    void wrong(String example) {
      wrong++;
      example(example);
    }

    void extra(String example) {
      extra++;
      example(example);
    }

    private void example(String text) {
      if (examples.size() < EXAMPLES) {
        examples.add(text);
      }
    }

    void report(long expected) {
      facts.add(what + ": " + expected + " expected");
      if (lost + wrong + extra > 0) {
        problems.add(
            what
                + ": "
                + lost
                + " lost, "
                + wrong
                + " wrong, "
                + extra
                + " unexpected of "
                + expected
                + "; e.g. "
                + examples);
      }
    }
  }

  @Override
  public String toString() {
    return (problems.isEmpty() ? "exact" : problems.size() + " problem(s): " + problems)
        + "; "
        + facts;
  }
}
