package io.tally.examples.demo;

import io.tally.core.ComponentStats;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The end-of-run report: what each component did, what the database holds, and the verdict. */
final class Report {

  /** What the driver measured. */
  static final class Run {
    final long elapsedNanos;
    final List<Generator> generators;
    final long writeErrors;
    final Throwable lastWriteError;
    final long refusedConnections;
    final long unreportedUsageCalls;
    final boolean generatorsStuck;

    Run(
        long elapsedNanos,
        List<Generator> generators,
        long writeErrors,
        Throwable lastWriteError,
        long refusedConnections,
        long unreportedUsageCalls,
        boolean generatorsStuck) {
      this.elapsedNanos = elapsedNanos;
      this.generators = generators;
      this.writeErrors = writeErrors;
      this.lastWriteError = lastWriteError;
      this.refusedConnections = refusedConnections;
      this.unreportedUsageCalls = unreportedUsageCalls;
      this.generatorsStuck = generatorsStuck;
    }
  }

  /** One component's counters summed over the replicas. */
  static final class Totals {
    long accepted;
    long flushedRows;
    long flushes;
    long failedFlushes;
    long coalesced;
    long retries;
    long dropped;
    long pending;
  }

  private final DemoOptions o;
  private final String store;
  private final Run run;
  private final GroundTruth truth;
  private final Map<String, Totals> components = new LinkedHashMap<>();
  private final List<FleetRun.PeriodCheck> periods;
  private final int deferredRounds;
  private final int doubleReports;
  private final List<Verifier.Check> checks = new ArrayList<>();

  Report(
      DemoOptions o,
      String store,
      Run run,
      GroundTruth truth,
      List<ComponentStats> stats,
      List<FleetRun.PeriodCheck> periods,
      int deferredRounds,
      int doubleReports) {
    this.o = o;
    this.store = store;
    this.run = run;
    this.truth = truth;
    this.periods = List.copyOf(periods);
    this.deferredRounds = deferredRounds;
    this.doubleReports = doubleReports;
    for (ComponentStats s : stats) {
      Totals t = components.computeIfAbsent(s.component(), k -> new Totals());
      t.accepted += s.accepted();
      t.flushedRows += s.flushedRows();
      t.flushes += s.flushes();
      t.failedFlushes += s.failedFlushes();
      t.coalesced += s.coalesced();
      t.retries += s.retries();
      t.dropped += s.droppedTotal();
      t.pending += s.pending();
    }
  }

  void add(Verifier.Check check) {
    checks.add(check);
  }

  long lost() {
    long lost = 0;
    for (Verifier.Check c : checks) {
      lost += c.lost;
    }
    long collected = 0;
    for (FleetRun.PeriodCheck p : periods) {
      collected += p.summary.allowedRequests() + p.summary.deniedRequests();
    }
    long tracked = truth.totalAllowed.sum() + truth.totalDenied.sum();
    return lost + Math.max(0, tracked - collected);
  }

  long duplicated() {
    long dup = 0;
    for (Verifier.Check c : checks) {
      dup += c.duplicated;
    }
    long collected = 0;
    for (FleetRun.PeriodCheck p : periods) {
      collected += p.summary.allowedRequests() + p.summary.deniedRequests();
    }
    long tracked = truth.totalAllowed.sum() + truth.totalDenied.sum();
    return dup + Math.max(0, collected - tracked);
  }

  private long droppedByTally() {
    long d = 0;
    for (Totals t : components.values()) {
      d += t.dropped;
    }
    return d;
  }

  boolean periodsOk() {
    for (FleetRun.PeriodCheck p : periods) {
      if (!p.ok()) {
        return false;
      }
    }
    return doubleReports == 0 && run.unreportedUsageCalls == 0;
  }

  boolean verified() {
    for (Verifier.Check c : checks) {
      if (!c.ok()) {
        return false;
      }
    }
    return lost() == 0
        && duplicated() == 0
        && droppedByTally() == 0
        && periodsOk()
        && run.writeErrors == 0
        && !run.generatorsStuck;
  }

  double eventsPerSecond() {
    return truth.events() / (run.elapsedNanos / 1e9);
  }

  void print(PrintStream out) {
    out.println();
    out.printf(
        "%-16s %12s %12s %9s %10s %8s %8s %8s%n",
        "component",
        "accepted",
        "rows written",
        "flushes",
        "coalesced",
        "retries",
        "failed",
        "dropped");
    for (Map.Entry<String, Totals> e : components.entrySet()) {
      Totals t = e.getValue();
      out.printf(
          "%-16s %,12d %,12d %,9d %,10d %,8d %,8d %,8d%n",
          e.getKey(),
          t.accepted,
          t.flushedRows,
          t.flushes,
          t.coalesced,
          t.retries,
          t.failedFlushes,
          t.dropped);
    }
    out.println();
    out.printf(
        "events sent      %,d (markUsed %,d, track %,d, connection %,d) in %.1fs = %,.0f events/s (target %,d)%n",
        truth.events(),
        truth.markUsedCalls.sum(),
        truth.trackCalls.sum(),
        truth.connectionEvents.sum(),
        run.elapsedNanos / 1e9,
        eventsPerSecond(),
        o.rate);
    for (String line : rateCheck().lines()) {
      out.println(line);
    }
    Map<String, long[]> latency = latencies();
    for (Map.Entry<String, long[]> e : latency.entrySet()) {
      out.printf(
          "hot path         %-9s p50 %,6d ns   p99 %,8d ns%n",
          e.getKey(), e.getValue()[0], e.getValue()[1]);
    }
    if (!o.dbOutage.isZero()) {
      out.printf(
          "database outage  %s: %,d connection attempts refused; every failed flush was kept and retried%n",
          DemoOptions.format(o.dbOutage), run.refusedConnections);
    }
    out.println();
    out.println("verification (database read back against the simulation's own record):");
    for (Verifier.Check c : checks) {
      out.printf(
          "  %-4s %-16s expected %,9d  found %,9d  lost %,d  duplicated %,d  mismatched %,d%n",
          c.ok() ? "OK" : "FAIL", c.name, c.expected, c.found, c.lost, c.duplicated, c.mismatched);
      for (String ex : c.examples) {
        out.println("         e.g. " + ex);
      }
    }
    long allowed = 0;
    long denied = 0;
    for (FleetRun.PeriodCheck p : periods) {
      allowed += p.summary.allowedRequests();
      denied += p.summary.deniedRequests();
    }
    out.printf(
        "  %-4s %-16s %d summaries (%d boundaries deferred by the outage), allowed %,d of %,d, denied %,d of %,d%n",
        periodsOk() ? "OK" : "FAIL",
        "usage summaries",
        periods.size(),
        deferredRounds,
        allowed,
        truth.totalAllowed.sum(),
        denied,
        truth.totalDenied.sum());
    for (FleetRun.PeriodCheck p : periods) {
      out.printf(
          "         period %s..%s  workspaces %,d/%,d  users %,d/%,d  allowed %,d/%,d  denied %,d/%,d %s%n",
          p.summary.periodStart(),
          p.summary.periodEnd(),
          p.summary.uniqueWorkspaces(),
          p.expectedWorkspaces,
          p.summary.uniqueUsers(),
          p.expectedUsers,
          p.summary.allowedRequests(),
          p.expectedAllowed,
          p.summary.deniedRequests(),
          p.expectedDenied,
          p.ok() ? "" : "MISMATCH");
    }
    if (doubleReports > 0) {
      out.printf("  FAIL %d periods were reported by more than one replica%n", doubleReports);
    }
    if (run.unreportedUsageCalls > 0) {
      out.printf("  FAIL %,d track calls were never summarised%n", run.unreportedUsageCalls);
    }
    if (run.generatorsStuck) {
      out.println("  FAIL a generator thread was still inside a hot-path call 30 s after the end");
    }
    if (run.writeErrors > 0) {
      out.printf(
          "  FAIL %,d hot-path calls threw; last: %s%n", run.writeErrors, run.lastWriteError);
    }
    out.println();
    out.printf(
        "RESULT: %s  (lost %,d, duplicated %,d)%n",
        verified() ? "PASS" : "FAIL", lost(), duplicated());
  }

  private RateCheck rateCheck() {
    return new RateCheck(o.rate, truth.events(), run.elapsedNanos, run.generators);
  }

  private Map<String, long[]> latencies() {
    Map<String, long[]> m = new LinkedHashMap<>();
    List<LatencyRecorder> markUsed = new ArrayList<>();
    List<LatencyRecorder> track = new ArrayList<>();
    List<LatencyRecorder> write = new ArrayList<>();
    for (Generator g : run.generators) {
      markUsed.add(g.markUsedLatency);
      track.add(g.trackLatency);
      write.add(g.writeLatency);
    }
    m.put("markUsed", LatencyRecorder.percentiles(markUsed, 0.50, 0.99));
    m.put("track", LatencyRecorder.percentiles(track, 0.50, 0.99));
    m.put("write", LatencyRecorder.percentiles(write, 0.50, 0.99));
    return m;
  }

  String toJson() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("store", store);
    root.put("replicas", o.replicas);
    Map<String, Object> events = new LinkedHashMap<>();
    events.put("markUsed", truth.markUsedCalls.sum());
    events.put("track", truth.trackCalls.sum());
    events.put("connection", truth.connectionEvents.sum());
    events.put("total", truth.events());
    root.put("events", events);
    root.put("lost", lost());
    root.put("duplicated", duplicated());
    root.put("verified", verified());
    root.put("eventsPerSecond", Math.round(eventsPerSecond()));
    root.put("targetEventsPerSecond", o.rate);
    root.put("targetRate", rateCheck().toJson());
    root.put("dbOutageMs", o.dbOutage.toMillis());
    root.put("durationMs", run.elapsedNanos / 1_000_000);
    root.put("backends", o.backends);
    List<Object> checkList = new ArrayList<>();
    for (Verifier.Check c : checks) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", c.name);
      m.put("ok", c.ok());
      m.put("expected", c.expected);
      m.put("found", c.found);
      m.put("lost", c.lost);
      m.put("duplicated", c.duplicated);
      m.put("mismatched", c.mismatched);
      checkList.add(m);
    }
    root.put("checks", checkList);
    List<Object> periodList = new ArrayList<>();
    for (FleetRun.PeriodCheck p : periods) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("periodStart", p.summary.periodStart().toString());
      m.put("periodEnd", p.summary.periodEnd().toString());
      m.put("ok", p.ok());
      m.put("uniqueWorkspaces", p.summary.uniqueWorkspaces());
      m.put("expectedUniqueWorkspaces", p.expectedWorkspaces);
      m.put("uniqueUsers", p.summary.uniqueUsers());
      m.put("expectedUniqueUsers", p.expectedUsers);
      m.put("allowedRequests", p.summary.allowedRequests());
      m.put("expectedAllowedRequests", p.expectedAllowed);
      m.put("deniedRequests", p.summary.deniedRequests());
      m.put("expectedDeniedRequests", p.expectedDenied);
      periodList.add(m);
    }
    root.put("usagePeriods", periodList);
    root.put("deferredUsageBoundaries", deferredRounds);
    Map<String, Object> comps = new LinkedHashMap<>();
    for (Map.Entry<String, Totals> e : components.entrySet()) {
      Totals t = e.getValue();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("accepted", t.accepted);
      m.put("rowsWritten", t.flushedRows);
      m.put("flushes", t.flushes);
      m.put("coalesced", t.coalesced);
      m.put("retries", t.retries);
      m.put("failedFlushes", t.failedFlushes);
      m.put("dropped", t.dropped);
      m.put("pending", t.pending);
      comps.put(e.getKey(), m);
    }
    root.put("components", comps);
    Map<String, Object> lat = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : latencies().entrySet()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("p50Nanos", e.getValue()[0]);
      m.put("p99Nanos", e.getValue()[1]);
      lat.put(e.getKey(), m);
    }
    root.put("hotPathLatency", lat);
    return Json.write(root);
  }
}
