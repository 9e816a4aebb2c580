package io.tally.faults;

import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.ConfigException;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionType;
import io.tally.testkit.Await;
import io.tally.testkit.FaultProxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The system under fault: three {@link Tally} replicas (and their reporters) on one PostgreSQL
 * database, each reaching it through one {@link FaultProxy}; writer threads that call them and
 * record in a {@link Truth} every call that returned normally; reporter threads that collect the
 * usage summary as often as a period allows. {@link #finish()} stops the writers, closes the
 * replicas, collects the last period directly (not through the proxy) and returns the {@link Audit}
 * of the database against the truth.
 */
final class Fleet implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Fleet.class);
  static final int REPLICAS = 3;
  static final int WRITERS = 4;
  static final int WORKSPACES = 300;
  static final String PREFIX = "tally_";

  /** The usage report period: short, so a run sees many periods and the last one ends soon. */
  static final Duration REPORT_PERIOD = Duration.ofSeconds(1);

  /**
   * Settings every replica gets: flushes and retries sized so that every fault below lasts many
   * flush intervals and retry back-offs, yet the suite stays within its time budget. Everything
   * else (retry attempts, shutdown timeouts, memory bounds) keeps its default: the guarantees under
   * test are the default configuration's.
   */
  static Map<String, String> defaults() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("tally.store", "postgres");
    m.put("tally.jdbc.pool-size", "4");
    m.put("tally.last-used.flush-interval", "500ms");
    m.put("tally.usage-stats.flush-interval", "500ms");
    m.put("tally.last-used.flush-timeout", "2s");
    m.put("tally.usage-stats.flush-timeout", "2s");
    m.put("tally.batch.flush-timeout", "2s");
    m.put("tally.batch.flush-interval", "200ms");
    m.put("tally.batch.retry.initial-backoff", "100ms");
    m.put("tally.batch.retry.max-backoff", "1s");
    m.put("tally.usage-stats.report-period", REPORT_PERIOD.toSeconds() + "s");
    return m;
  }

  /** The database the replicas share, as a direct connection (never through the proxy). */
  record Database(String jdbcUrl, String user, String password, DataSource dataSource) {}

  /** How the writers behave. */
  record Load(Duration pause, boolean freshUsers) {
    /** A moderate load: each writer pauses 1 ms between calls; each track call a new user. */
    static final Load STEADY = new Load(Duration.ofMillis(1), true);

    /** As fast as the calls return; users from a fixed pool so memory stays bounded. */
    static final Load FULL_SPEED = new Load(Duration.ZERO, false);
  }

  static final Clock REAL = Clock.system();

  final Database db;
  final FaultProxy proxy;
  final String applicationName;
  final Truth truth = new Truth();

  /** What went wrong in the run itself (a thread that hung), for the audit. */
  final List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());

  private final Map<String, String> settings;
  private final Load load;
  private final List<Tally> tallies = new ArrayList<>();
  private final boolean[] closeReturned = new boolean[REPLICAS];
  private final UUID[] workspaces = new UUID[WORKSPACES];
  private final UUID[] pooledUsers = new UUID[5_000];
  private final List<Thread> writers = new ArrayList<>();
  private final List<Thread> reporters = new ArrayList<>();
  private final AtomicBoolean writing = new AtomicBoolean(true);
  private final AtomicBoolean reporting = new AtomicBoolean(true);
  private final UUID org = UUID.randomUUID();
  private List<List<ComponentStats>> finalStats;
  private final List<Duration> closeTimes = new ArrayList<>();

  private Fleet(Database db, Map<String, String> overrides, Load load) {
    this.db = db;
    this.load = load;
    this.proxy = FaultProxy.forJdbcUrl(db.jdbcUrl());
    this.applicationName = "tally_fault_" + UUID.randomUUID().toString().substring(0, 8);
    this.settings = defaults();
    settings.putAll(overrides);
    for (int i = 0; i < WORKSPACES; i++) {
      workspaces[i] = UUID.randomUUID();
    }
    for (int i = 0; i < pooledUsers.length; i++) {
      pooledUsers[i] = UUID.randomUUID();
    }
  }

  /**
   * Starts the replicas, the writers and the reporters.
   *
   * @param overrides settings on top of {@link #defaults()}; a key this version of Tally does not
   *     know yet is left out (and logged), so the suite runs before and after it is added
   */
  static Fleet start(Database db, Map<String, String> overrides, Load load) {
    Fleet fleet = new Fleet(db, overrides, load);
    try {
      for (int i = 0; i < REPLICAS; i++) {
        fleet.tallies.add(Tally.start(fleet.config(fleet.proxy.redirect(db.jdbcUrl()))));
      }
      for (int w = 0; w < WRITERS; w++) {
        fleet.writers.add(fleet.thread("fault-writer-" + w, fleet::write));
      }
      for (int r = 0; r < REPLICAS; r++) {
        Tally t = fleet.tallies.get(r);
        fleet.reporters.add(fleet.thread("fault-reporter-" + r, () -> fleet.report(t)));
      }
    } catch (RuntimeException | Error e) {
      fleet.close();
      throw e;
    }
    return fleet;
  }

  /**
   * @return the replicas' configuration on {@code url}, with a fresh replica id
   */
  TallyConfig config(String url) {
    Map<String, String> m = new LinkedHashMap<>();
    String sep = url.contains("?") ? "&" : "?";
    m.put("tally.jdbc.url", url + sep + "ApplicationName=" + applicationName + "&sslmode=disable");
    m.put("tally.jdbc.user", db.user());
    if (!db.password().isEmpty()) {
      m.put("tally.jdbc.password", db.password());
    }
    m.put("tally.replica-id", UUID.randomUUID().toString());
    for (Map.Entry<String, String> e : settings.entrySet()) {
      if (known(e.getKey(), e.getValue())) {
        m.put(e.getKey(), e.getValue());
      }
    }
    return TallyConfig.from(m);
  }

  private static boolean known(String key, String value) {
    try {
      TallyConfig.from(Map.of(key, value));
      return true;
    } catch (ConfigException e) {
      if (e.getMessage().contains("not a known key") || e.getMessage().contains("unknown")) {
        log.warn("This Tally does not know {} yet; the fault suite leaves it out", key);
        return false;
      }
      return true; // a real problem: let config() report it
    }
  }

  /**
   * @return the shared test server's schema of {@code pg} as the fleet's database
   */
  static Database on(io.tally.testkit.PostgresDatabase pg) {
    return new Database(pg.jdbcUrl(), pg.user(), pg.password(), pg.dataSource());
  }

  boolean freshUsers() {
    return load.freshUsers();
  }

  List<Tally> tallies() {
    return tallies;
  }

  private Thread thread(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** One writer: a random mix of the three components' calls on random replicas. */
  private void write() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    ArrayDeque<UUID[]> open = new ArrayDeque<>();
    while (writing.get()) {
      int replica = r.nextInt(REPLICAS);
      Tally t = tallies.get(replica);
      boolean wasClosed = closeReturned(replica);
      UUID ws = workspaces[r.nextInt(WORKSPACES)];
      Instant at = REAL.now().truncatedTo(ChronoUnit.MICROS);
      try {
        switch (r.nextInt(4)) {
          case 0 -> {
            t.lastUsed().markUsed(ws, at);
            truth.markedUsed(ws, at);
          }
          case 1 -> {
            UUID user =
                load.freshUsers() ? UUID.randomUUID() : pooledUsers[r.nextInt(pooledUsers.length)];
            long allowed = r.nextInt(1, 5);
            long denied = r.nextInt(2);
            t.usageStats().track(ws, user, allowed, denied);
            truth.tracked(user, allowed, denied);
          }
          case 2 -> {
            UUID connection = UUID.randomUUID();
            t.connectionLog().write(session(connection, ws).connect(at));
            truth.connected(connection, ws, at);
            open.add(new UUID[] {connection, ws});
          }
          default -> {
            UUID[] s =
                open.size() > 50 || (!open.isEmpty() && r.nextBoolean()) ? open.poll() : null;
            if (s == null) {
              continue;
            }
            t.connectionLog().write(session(s[0], s[1]).disconnectReason("bye").disconnect(at));
            truth.disconnected(s[0], s[1], at);
          }
        }
        if (wasClosed) {
          truth.acceptedAfterClose.increment();
        }
      } catch (RuntimeException e) {
        truth.refusedCalls.increment();
      }
      pause(load.pause());
    }
  }

  private ConnectionEvent.Builder session(UUID connection, UUID workspace) {
    return ConnectionEvent.builder()
        .organizationId(org)
        .workspaceOwnerId(org)
        .workspaceId(workspace)
        .workspaceName("ws-" + workspace.toString().substring(0, 8))
        .agentName("main")
        .type(ConnectionType.SSH)
        .ip("10.0.0.7")
        .userAgent("ssh/9.6")
        .userId(org)
        .connectionId(connection);
  }

  /** One reporter thread: collects as the application's telemetry schedule would, but often. */
  private void report(Tally t) {
    while (reporting.get()) {
      try {
        t.usageReporter().collectAndReset().ifPresent(truth::reported);
      } catch (RuntimeException e) {
        log.debug("collecting failed: {}", e.toString());
      }
      pause(Duration.ofMillis(250));
    }
  }

  private synchronized boolean closeReturned(int replica) {
    return closeReturned[replica];
  }

  /** How long the server may keep a transaction open that a fault cut off from its client. */
  static final Duration RELEASE_BOUND = Duration.ofSeconds(20);

  /**
   * Waits until the server holds no transaction of the fleet that began before this call and waits
   * for its client: a client that went silent in the middle of a transaction leaves its backend
   * waiting, holding its locks (the usage-stats lock among them), until a server-side timeout ends
   * it. Healthy transactions end in milliseconds. One still open after {@link #RELEASE_BOUND} is a
   * problem of the run; the proxy then resets every connection, which ends them, so the audit can
   * still run.
   */
  void awaitServerReleased() throws SQLException {
    // Idle in a transaction: the session's idle_in_transaction_session_timeout must end it.
    // Active and waiting for the rest of a message (ClientRead): only the server's TCP keepalive
    // ends it, and the proxy's kernel answers those probes for a client that is long gone, so
    // the proxy stands in for the keepalive by resetting the connections at the bound: that is
    // not a problem of the run.
    String sql =
        "SELECT count(*) FILTER (WHERE state LIKE 'idle in transaction%'),"
            + " count(*) FILTER (WHERE state = 'active' AND wait_event = 'ClientRead')"
            + " FROM pg_stat_activity WHERE application_name = ? AND xact_start < ?";
    long end = REAL.nanoTime() + RELEASE_BOUND.toNanos();
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement now = c.prepareStatement("SELECT now()");
        PreparedStatement ps = c.prepareStatement(sql)) {
      try (ResultSet rs = now.executeQuery()) {
        rs.next();
        ps.setObject(2, rs.getObject(1, java.time.OffsetDateTime.class));
      }
      ps.setString(1, applicationName);
      long[] open;
      while ((open = counts(ps))[0] + open[1] > 0) {
        if (REAL.nanoTime() - end > 0) {
          if (open[0] > 0) {
            problems.add(
                "the server still held "
                    + open[0]
                    + " idle transaction(s) of the fleet open "
                    + RELEASE_BOUND
                    + " after the fault, waiting for their silent clients and keeping their locks");
          }
          proxy.cutConnections();
          return;
        }
        pause(Duration.ofMillis(100));
      }
    }
  }

  private static long[] counts(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getLong(2)};
    }
  }

  /** Lets the fleet run for {@code d} of real time. */
  static void runFor(Duration d) {
    long until = REAL.nanoTime() + d.toNanos();
    Await.until("time passes", d.plusSeconds(30), () -> REAL.nanoTime() - until >= 0);
  }

  static void pause(Duration d) {
    if (!d.isZero()) {
      LockSupport.parkNanos(d.toNanos());
    }
  }

  /** Stops the writers and reporters, then closes every replica, all at once. */
  void stopAndClose() {
    stopWriters();
    closeAll();
  }

  /** Closes every replica at once (writers may still be running) and waits for each close. */
  void closeAll() {
    List<Thread> closers = new ArrayList<>();
    for (int i = 0; i < REPLICAS; i++) {
      int replica = i;
      closers.add(
          thread(
              "fault-close-" + i,
              () -> {
                long start = REAL.nanoTime();
                tallies.get(replica).close();
                synchronized (this) {
                  closeReturned[replica] = true;
                  closeTimes.add(Duration.ofNanos(REAL.nanoTime() - start));
                }
              }));
    }
    join(closers);
    List<List<ComponentStats>> stats = new ArrayList<>();
    for (Tally t : tallies) {
      stats.add(t.stats());
    }
    finalStats = stats;
  }

  /** Stops the writers, then the reporters (after {@link #closeAll()} in the close scenario). */
  void stopWriters() {
    writing.set(false);
    join(writers);
    reporting.set(false);
    join(reporters);
  }

  synchronized List<Duration> closeTimes() {
    return List.copyOf(closeTimes);
  }

  /**
   * Collects the last period directly (no proxy) and compares the database with the truth. Call
   * after the replicas closed.
   */
  Audit audit() {
    collectTheLastPeriod();
    return Audit.of(this, finalStats);
  }

  /**
   * Nothing writes any more: after the next period boundary, one collection takes every row. An
   * auditing Tally, connected directly, does it.
   */
  private void collectTheLastPeriod() {
    Instant now = REAL.now();
    long p = REPORT_PERIOD.toMillis();
    Instant boundary = Instant.ofEpochMilli((now.toEpochMilli() / p + 1) * p).plusMillis(50);
    Await.until(
        "the period ends", REPORT_PERIOD.plusSeconds(30), () -> !REAL.now().isBefore(boundary));
    try (Tally auditor = Tally.start(config(db.jdbcUrl()))) {
      auditor.usageReporter().collectAndReset().ifPresent(truth::reported);
    }
  }

  /** How long a writer, reporter or close may take to return once asked to stop. */
  static final Duration STOP_BOUND = Duration.ofSeconds(30);

  /**
   * Waits for {@code threads} to end. One still running after {@link #STOP_BOUND} is a problem of
   * the run (recorded with where it hangs); the proxy then resets every connection to free it, so
   * that the audit can still show what else went wrong.
   */
  private void join(List<Thread> threads) {
    List<String> stuck = awaitEnd(threads);
    if (!stuck.isEmpty()) {
      problems.add(String.join("\n", stuck));
      proxy.cutConnections();
      List<String> still = awaitEnd(threads);
      if (!still.isEmpty()) {
        throw new AssertionError("even with every connection reset:\n" + String.join("\n", still));
      }
    }
  }

  private static List<String> awaitEnd(List<Thread> threads) {
    List<String> stuck = new ArrayList<>();
    long end = REAL.nanoTime() + STOP_BOUND.toNanos();
    for (Thread t : threads) {
      try {
        t.join(Math.max(1, Duration.ofNanos(end - REAL.nanoTime()).toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
      if (t.isAlive()) {
        StringBuilder stack = new StringBuilder();
        StackTraceElement[] frames = t.getStackTrace();
        for (int i = 0; i < Math.min(frames.length, 25); i++) {
          stack.append("\n      at ").append(frames[i]);
        }
        stuck.add(
            t.getName()
                + " did not return within "
                + STOP_BOUND
                + " once asked to stop; it is at:"
                + stack);
      }
    }
    return stuck;
  }

  /** Closes whatever is still open; safe after a failure. */
  @Override
  public void close() {
    writing.set(false);
    reporting.set(false);
    proxy.close(); // first: frees every call stuck on a silent connection
    for (Tally t : tallies) {
      t.close();
    }
  }
}
