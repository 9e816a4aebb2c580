package io.tally.examples.demo;

import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.FlushResult;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import io.tally.core.TallyModule;
import io.tally.core.usagestats.UsageStatsTracker;
import io.tally.core.usagestats.UsageSummary;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run of the demo: starts the replicas, drives the generators, collects a usage summary at
 * every period boundary, simulates the database outage, stops everything and verifies.
 *
 * <p>At each period boundary the generators pause for a moment (a write lock they otherwise share
 * as readers) so that every replica can flush and one replica can collect: the summary must then
 * equal exactly what was tracked since the previous summary. A boundary where the database is down
 * collects nothing; its usage is carried into the next summary, which must then cover both.
 */
final class FleetRun {
  private static final Pattern JSONL_ID = Pattern.compile("\\{\"id\":\"([0-9a-f-]{36})\"");

  private final DemoOptions o;
  private final PrintStream out;
  private final Clock clock = Clock.system();
  private final GroundTruth truth = new GroundTruth();
  private final ReentrantReadWriteLock pause = new ReentrantReadWriteLock(true);
  private final List<Tally> replicas = new ArrayList<>();
  private final List<Path> jsonlFiles = new ArrayList<>();
  private final List<PeriodCheck> periods = new ArrayList<>();
  private GroundTruth.UsageRound carried = new GroundTruth.UsageRound();
  private Instant lastClaimedPeriodEnd;
  private int deferredRounds;
  private int doubleReports;
  private final NatsPath nats;

  /** One usage summary compared with the ground truth. */
  static final class PeriodCheck {
    final UsageSummary summary;
    final long expectedWorkspaces;
    final long expectedUsers;
    final long expectedAllowed;
    final long expectedDenied;

    PeriodCheck(UsageSummary s, GroundTruth.UsageRound r) {
      summary = s;
      expectedWorkspaces = r.workspaces.size();
      expectedUsers = r.users.size();
      expectedAllowed = r.allowed.sum();
      expectedDenied = r.denied.sum();
    }

    boolean ok() {
      return summary.uniqueWorkspaces() == expectedWorkspaces
          && summary.uniqueUsers() == expectedUsers
          && summary.allowedRequests() == expectedAllowed
          && summary.deniedRequests() == expectedDenied;
    }
  }

  FleetRun(DemoOptions options, PrintStream out) {
    this.o = options;
    this.out = out;
    this.nats = options.backends.contains(NatsPath.NAME) ? new NatsPath(options.natsUrl) : null;
  }

  /**
   * @return the exit code: 0 when everything was verified
   */
  int call() throws Exception {
    Path workDir = Files.createTempDirectory("tally-demo-work-");
    try (DemoDatabase db = DemoDatabase.open(o)) {
      OutageSwitch outage = new OutageSwitch(db.dataSource());
      say("Tally demo: " + o);
      say("Database: " + db.description);
      if (nats != null) {
        say("Stream: " + nats.describe());
      }
      startReplicas(db, outage, workDir);
      World world = new World(o.workspaces, o.users, o.seed);
      Report.Run run = drive(world, outage);
      if (nats != null && !nats.awaitRelayed(replicas)) {
        say("The NATS stream was not relayed completely in time; what is left stays in the stream");
      }
      closeReplicas();
      Verifier verifier = new Verifier(db.dataSource(), db.tablePrefix);
      Report report =
          new Report(
              o, db.storeName, run, truth, aggregate(), periods, deferredRounds, doubleReports);
      if (o.backends.contains("db") || nats != null) {
        report.add(verifier.connectionLog(truth));
      }
      report.add(verifier.lastUsed(truth));
      if (o.backends.contains("jsonl")) {
        report.add(jsonlCheck());
      }
      report.print(out);
      if (o.reportJson != null) {
        Files.writeString(o.reportJson, report.toJson());
        say("Wrote " + o.reportJson);
      }
      return report.verified() ? 0 : 1;
    } finally {
      closeReplicas();
      if (nats != null) {
        nats.deleteStream();
      }
      for (Path p : jsonlFiles) {
        Files.deleteIfExists(p);
      }
      Files.deleteIfExists(workDir);
    }
  }

  private void startReplicas(DemoDatabase db, OutageSwitch outage, Path workDir) {
    for (int i = 0; i < o.replicas; i++) {
      Path jsonl = workDir.resolve("connections-" + i + ".jsonl");
      jsonlFiles.add(jsonl);
      TallyConfig.Builder builder =
          TallyConfig.builder()
              .store(db.storeName)
              .tablePrefix(db.tablePrefix)
              .replicaId(new UUID(0x7a11L, i + 1))
              .backends(o.backends)
              // Short intervals so that a run of a few seconds shows many flushes.
              .lastUsedFlushInterval(Duration.ofSeconds(1))
              .usageStatsFlushInterval(Duration.ofSeconds(1))
              .usageReportPeriod(o.period)
              .batchFlushInterval(Duration.ofMillis(500))
              // Keep retrying through the simulated outage: nothing may be given up.
              .retryMaxAttempts(60)
              .retryInitialBackoff(Duration.ofMillis(100))
              .retryMaxBackoff(Duration.ofSeconds(1))
              .set("tally.backend.jsonl.file", jsonl.toString());
      TallyConfig config = (nats != null ? nats.configure(builder) : builder).build();
      replicas.add(
          Tally.start(TallyModule.builder(config).storeProvider(db.storeProvider(outage)).build()));
    }
  }

  private Report.Run drive(World world, OutageSwitch outage) throws InterruptedException {
    AtomicBoolean stop = new AtomicBoolean();
    LongAdder sent = new LongAdder();
    int threads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
    List<Generator> generators = new ArrayList<>();
    List<Thread> running = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Generator g =
          new Generator(
              replicas,
              world,
              truth,
              (double) o.rate / threads,
              pause.readLock(),
              stop,
              o.seed + 1 + i,
              sent);
      generators.add(g);
      Thread t = new Thread(g, "demo-agents-" + (i + 1));
      t.setDaemon(true);
      running.add(t);
    }
    long startNanos = clock.nanoTime();
    Instant start = clock.now();
    Instant end = start.plus(o.duration);
    Progress progress = new Progress(out, o, replicas, sent, outage);
    running.forEach(Thread::start);
    List<Clock.Cancellable> outageTimers = new ArrayList<>();
    if (!o.dbOutage.isZero()) {
      // On timers of their own, so a slow usage round cannot delay or skip the outage.
      Duration outageStart = o.duration.minus(o.dbOutage).dividedBy(2);
      outageTimers.add(clock.schedule(outageStart, () -> outage.down(true)));
      outageTimers.add(clock.schedule(outageStart.plus(o.dbOutage), () -> outage.down(false)));
    }
    Instant boundary = nextBoundary(start);
    while (true) {
      long elapsed = clock.nanoTime() - startNanos;
      progress.maybePrint(elapsed);
      Instant now = clock.now();
      if (!now.isBefore(boundary) && boundary.isBefore(end)) {
        round();
        // A slow round (the database down) may have passed further boundaries: skip to the next.
        boundary = nextBoundary(clock.now());
      }
      if (!now.isBefore(end)) {
        break;
      }
      LockSupport.parkNanos(2_000_000L);
    }
    outageTimers.forEach(Clock.Cancellable::cancel);
    outage.down(false);
    stop.set(true);
    boolean stuck = false;
    for (Thread t : running) {
      t.join(30_000);
      stuck |= t.isAlive(); // still inside a hot-path call: the ground truth is not final
    }
    long elapsedNanos = clock.nanoTime() - startNanos;
    progress.finish(elapsedNanos);
    // The last summary needs a period nobody has claimed yet.
    Instant now = clock.now();
    if (lastClaimedPeriodEnd != null && !periodEnd(now).isAfter(lastClaimedPeriodEnd)) {
      say("Waiting for the next period boundary to collect the last usage summary...");
      waitUntil(nextBoundary(now));
    }
    round();
    if (carried.calls.sum() > 0) {
      // The database may still be settling after an outage; try a few more boundaries.
      for (int i = 0; i < 3 && carried.calls.sum() > 0; i++) {
        waitUntil(nextBoundary(clock.now()));
        round();
      }
    }
    long errors = 0;
    Throwable lastError = null;
    for (Generator g : generators) {
      errors += g.errors.sum();
      if (g.lastError != null) {
        lastError = g.lastError;
      }
    }
    return new Report.Run(
        elapsedNanos,
        generators,
        errors,
        lastError,
        outage.refusedConnections(),
        carried.calls.sum(),
        stuck);
  }

  /** Pauses the generators, flushes every replica's usage, and lets one replica collect. */
  private void round() {
    pause.writeLock().lock();
    try {
      carried.absorb(truth.closeRound());
      for (Tally replica : replicas) {
        if (!flushAll(replica.usageStats())) {
          deferredRounds++;
          return; // the database is down: the usage stays in memory and goes with the next round
        }
      }
      // Every replica tries; the database lets one claim the period, the others get nothing. (A
      // round that runs across a boundary may let a second replica claim the next, empty, period.)
      UsageSummary summary = null;
      for (Tally replica : replicas) {
        Optional<UsageSummary> s;
        try {
          s = replica.usageReporter().collectAndReset();
        } catch (RuntimeException e) {
          continue; // another replica may still succeed; if none does, the round is deferred
        }
        if (s.isEmpty()) {
          continue;
        }
        lastClaimedPeriodEnd = s.get().periodEnd();
        if (summary == null || isEmpty(summary)) {
          summary = s.get();
        } else if (!isEmpty(s.get()) || s.get().periodEnd().equals(summary.periodEnd())) {
          doubleReports++; // two summaries of one period, or usage counted twice
        }
      }
      if (summary == null) {
        deferredRounds++;
        return;
      }
      periods.add(new PeriodCheck(summary, carried));
      carried = new GroundTruth.UsageRound();
    } finally {
      pause.writeLock().unlock();
    }
  }

  private static boolean isEmpty(UsageSummary s) {
    return s.allowedRequests() == 0 && s.deniedRequests() == 0 && s.uniqueWorkspaces() == 0;
  }

  private static boolean flushAll(UsageStatsTracker tracker) {
    for (int attempt = 0; attempt < 5; attempt++) {
      FlushResult r = tracker.flush();
      if (!r.isSuccess()) {
        return false;
      }
      if (tracker.stats().pending() == 0) {
        return true;
      }
    }
    return false;
  }

  private void closeReplicas() {
    for (int i = replicas.size() - 1; i >= 0; i--) {
      replicas.get(i).close();
    }
  }

  private List<ComponentStats> aggregate() {
    List<ComponentStats> all = new ArrayList<>();
    for (Tally t : replicas) {
      all.addAll(t.stats());
    }
    return all;
  }

  /** Every connection event must be in the jsonl files exactly once (matched by event id). */
  private Verifier.Check jsonlCheck() throws IOException {
    Map<String, Integer> seen = new HashMap<>();
    long lines = 0;
    for (Path p : jsonlFiles) {
      if (Files.exists(p)) {
        for (String line : Files.readAllLines(p)) {
          lines++;
          Matcher m = JSONL_ID.matcher(line);
          seen.merge(m.lookingAt() ? m.group(1) : "unparsable line " + lines, 1, Integer::sum);
        }
      }
    }
    long lost = 0;
    long duplicated = 0;
    for (String id : truth.connectionEventIds) {
      Integer n = seen.remove(id);
      if (n == null) {
        lost++;
      } else {
        duplicated += n - 1;
      }
    }
    for (int n : seen.values()) {
      duplicated += n; // lines for events the simulation does not know it sent
    }
    return new Verifier.Check(
        "jsonl lines", truth.connectionEventIds.size(), lines, lost, duplicated, 0);
  }

  private Instant nextBoundary(Instant t) {
    return periodEnd(t).plus(o.period);
  }

  private Instant periodEnd(Instant t) {
    long p = o.period.toMillis();
    return Instant.ofEpochMilli(Math.floorDiv(t.toEpochMilli(), p) * p);
  }

  private void waitUntil(Instant t) {
    while (clock.now().isBefore(t)) {
      LockSupport.parkNanos(5_000_000L);
    }
  }

  private void say(String line) {
    out.println(line);
  }
}
