package io.tally.core;

import io.tally.core.lastused.TimestampMode;
import io.tally.core.spi.Secrets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Tally's configuration: which store and backends to use, how to reach the database and every
 * component's intervals, sizes, timeouts and retry policy. Immutable and thread-safe.
 *
 * <p>Build one with {@link #builder()} (typed setters, or {@link Builder#set(String, String)} for
 * any key), from a map of {@code tally.*} keys with {@link #from(Map)}, or from the process with
 * {@link #fromEnvironment()}: defaults, overridden by system properties, overridden by
 * environment variables. An environment variable names a key in upper case with every {@code .}
 * and {@code -} turned into {@code _}: {@code TALLY_FLUSH_INTERVAL} sets {@code
 * tally.flush-interval}, {@code TALLY_BATCH_SIZE} sets {@code tally.batch.size}. A {@code TALLY_*}
 * variable that names no setting is logged at WARN and ignored, since other tools share that
 * namespace; an unknown {@code tally.*} system property or key is an error.
 *
 * <p>Validation is strict and complete: {@code build()} and {@code from(..)} check every key and
 * throw one {@link ConfigException} listing every problem, for example {@code tally.batch.size
 * was '0' but must be >= 1}. A key under {@code tally.} that Tally does not know is an error (a
 * typo), except keys under {@code tally.store.<name>.} and {@code tally.backend.<name>.}, which
 * belong to that store or backend provider and are read with {@link #property(String)}, and keys
 * under {@code tally.test.}, which are reserved for Tally's test tooling and ignored. Keys that
 * do not start with {@code tally.} are ignored by {@code from(..)}. Values are trimmed, except the
 * password.
 *
 * <p>Durations are written {@code 250ms}, {@code 5s}, {@code 1m}, {@code 2h}, {@code 1d} or in
 * ISO-8601 ({@code PT5S}); every duration must be positive and at most {@code 365d} ({@link
 * #MAX_DURATION}), for example {@code tally.flush-interval was '200000d' but must be at most
 * 365d}. Lists are comma-separated; booleans are {@code true} or {@code false}.
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code tally.store}</td><td>from {@code tally.jdbc.url}: {@code postgres} for
 *       {@code jdbc:postgresql:}, else {@code h2}</td>
 *       <td>the store provider's name ({@code h2}, {@code postgres} or a third party's: 1 to 40
 *       lower-case letters, digits, {@code -} or {@code _}, the whole value); set it
 *       for any other database. A built-in store refuses a URL of another database's scheme,
 *       naming the scheme it needs but never showing the URL</td></tr>
 *   <tr><td>{@code tally.backends}</td><td>{@code db}</td>
 *       <td>connection-log backend providers, comma-separated ({@code db}, {@code slog}, …); may
 *       be empty</td></tr>
 *   <tr><td>{@code tally.trackers}</td><td>(none)</td>
 *       <td>extra tracker providers to start, comma-separated</td></tr>
 *   <tr><td>{@code tally.replica-id}</td><td>a random UUID per configuration</td>
 *       <td>this replica's id in the usage statistics (its own usage row); logged at start.
 *       Without it, every {@code TallyConfig} built gets its own random id, kept for its
 *       lifetime: two {@code Tally} instances in one JVM started from two configurations never
 *       share a usage row, while one started twice from the same configuration reuses its
 *       id</td></tr>
 *   <tr><td>{@code tally.migrate-on-start}</td><td>{@code true}</td>
 *       <td>apply missing schema migrations when Tally starts</td></tr>
 *   <tr><td>{@code tally.table-prefix}</td><td>{@code tally_}</td>
 *       <td>prefix of every table name; empty or an SQL identifier</td></tr>
 *   <tr><td>{@code tally.jdbc.url}</td><td>(none)</td>
 *       <td>the database's JDBC URL; without it the {@code h2} store uses a private in-memory
 *       database and the {@code postgres} store needs a {@code DataSource} passed to it. Shown and
 *       logged only without parameters and user information</td></tr>
 *   <tr><td>{@code tally.jdbc.user}</td><td>(none)</td><td>the database user</td></tr>
 *   <tr><td>{@code tally.jdbc.password}</td><td>(none)</td>
 *       <td>the database password; never shown by {@link #toString()} nor logged</td></tr>
 *   <tr><td>{@code tally.jdbc.pool-size}</td><td>{@value #DEFAULT_POOL_SIZE}</td>
 *       <td>maximum connections in the pool Tally creates; 1 to {@value #MAX_POOL_SIZE}</td></tr>
 *   <tr><td>{@code tally.jdbc.network-timeout}</td><td>the longest flush timeout + 5s</td>
 *       <td>how long a store call waits for the database on one connection before the driver
 *       gives the connection up; the built-in stores set it on every connection (see
 *       {@code GuardedDataSource})</td></tr>
 *   <tr><td>{@code tally.jdbc.migration-timeout}</td><td>{@code 5m}</td>
 *       <td>network, statement and lock timeout of the schema migrations</td></tr>
 *   <tr><td>{@code tally.close-timeout}</td><td>{@code 20s}</td>
 *       <td>bound on the whole of {@code Tally.close()}: the components close in parallel, each
 *       within its own shutdown timeout, and Tally waits for them at most this long</td></tr>
 *   <tr><td>{@code tally.start.require-database}</td><td>{@code true}</td>
 *       <td>{@code true}: {@code Tally.start} fails at once when the database cannot be
 *       reached; {@code false}: it starts anyway (the built-in stores wait at most the network
 *       timeout for the migrations at start) and buffers, and the migrations run before the
 *       first write that reaches the database</td></tr>
 *   <tr><td>{@code tally.flush-interval}</td><td>{@code 60s}</td>
 *       <td>flush interval of both trackers unless their own key is set</td></tr>
 *   <tr><td>{@code tally.last-used.flush-interval}</td><td>{@code tally.flush-interval}</td>
 *       <td>how often the last-used tracker writes</td></tr>
 *   <tr><td>{@code tally.last-used.flush-timeout}</td><td>{@code 10s}</td>
 *       <td>how long one last-used flush may take</td></tr>
 *   <tr><td>{@code tally.last-used.shutdown-timeout}</td><td>{@code 10s}</td>
 *       <td>bound on the last-used tracker's final flush at close</td></tr>
 *   <tr><td>{@code tally.last-used.timestamp-mode}</td><td>{@code event-time}</td>
 *       <td>{@code event-time} (each id's own latest time) or {@code flush-time}</td></tr>
 *   <tr><td>{@code tally.usage-stats.flush-interval}</td><td>{@code tally.flush-interval}</td>
 *       <td>how often the usage-stats tracker writes</td></tr>
 *   <tr><td>{@code tally.usage-stats.flush-timeout}</td><td>{@code 10s}</td>
 *       <td>how long one usage-stats store call may take; also bounds the reporter's collectAndReset()</td></tr>
 *   <tr><td>{@code tally.usage-stats.shutdown-timeout}</td><td>{@code 10s}</td>
 *       <td>bound on the usage-stats tracker's final flush at close</td></tr>
 *   <tr><td>{@code tally.usage-stats.report-period}</td><td>{@code 30m}</td>
 *       <td>the usage reporter's period</td></tr>
 *   <tr><td>{@code tally.batch.size}</td><td>{@value #DEFAULT_BATCH_SIZE}</td>
 *       <td>connection-log events per database write ({@code db} backend); 1 to {@value
 *       #MAX_BATCH_SIZE}</td></tr>
 *   <tr><td>{@code tally.batch.flush-interval}</td><td>{@code 5s}</td>
 *       <td>how often a partial connection-log batch is written</td></tr>
 *   <tr><td>{@code tally.batch.queue-capacity}</td><td>{@code tally.batch.size}</td>
 *       <td>events queued before {@code write} blocks (back-pressure); 1 to {@value
 *       #MAX_QUEUE_CAPACITY}</td></tr>
 *   <tr><td>{@code tally.batch.write-timeout}</td><td>{@code 5s}</td>
 *       <td>how long {@code write} waits for room in a full queue before it throws</td></tr>
 *   <tr><td>{@code tally.batch.flush-timeout}</td><td>{@code 10s}</td>
 *       <td>how long one connection-log write to the database may take</td></tr>
 *   <tr><td>{@code tally.batch.shutdown-timeout}</td><td>{@code 10s}</td>
 *       <td>bound on draining the connection log at close</td></tr>
 *   <tr><td>{@code tally.batch.max-pending}</td><td>10 × {@code tally.batch.size}</td>
 *       <td>connection-log events held in memory while the database is slow or down (queue not
 *       included); at the bound {@code write} blocks, then throws; from {@code tally.batch.size}
 *       to {@value #MAX_BATCH_MAX_PENDING}</td></tr>
 *   <tr><td>{@code tally.batch.parallelism}</td><td>min(cores, 4, {@code tally.jdbc.pool-size}
 *       − 2), at least 1</td>
 *       <td>connection-log writes on that many connections at once, split by session so one
 *       session's events always go to the same writer; 1 to {@value #MAX_BATCH_PARALLELISM} and
 *       at most {@code tally.jdbc.pool-size} − 2 (at least 1), so the trackers keep a connection</td></tr>
 *   <tr><td>{@code tally.batch.retry.max-attempts}</td><td>(unlimited)</td>
 *       <td>opt-in: retries of a failed connection-log batch before it is dropped (counted);
 *       0 = none; at most {@value #MAX_RETRY_ATTEMPTS}. Unset, a batch is retried for as long as
 *       the database fails</td></tr>
 *   <tr><td>{@code tally.batch.retry.initial-backoff}</td><td>{@code 1s}</td>
 *       <td>wait before the first retry; doubles per attempt, with jitter</td></tr>
 *   <tr><td>{@code tally.batch.retry.max-backoff}</td><td>{@code 30s}</td>
 *       <td>longest wait between retries; at least the initial backoff</td></tr>
 *   <tr><td>{@code tally.connection-log.retention}</td><td>(none: off)</td>
 *       <td>delete connection-log rows whose connect time is older than this, in the background
 *       ({@link io.tally.core.connectionlog.ConnectionLogRetention}); at most 365d</td></tr>
 *   <tr><td>{@code tally.connection-log.retention-interval}</td><td>{@code 10m}</td>
 *       <td>how long after one retention run the next starts</td></tr>
 *   <tr><td>{@code tally.connection-log.retention-batch-size}</td>
 *       <td>{@value #DEFAULT_RETENTION_BATCH_SIZE}</td>
 *       <td>rows one retention delete (one transaction) removes; 1 to {@value
 *       #MAX_RETENTION_BATCH_SIZE}</td></tr>
 *   <tr><td>{@code tally.health.degraded-after-failures}</td>
 *       <td>{@value HealthPolicy#DEFAULT_DEGRADED_AFTER_FAILURES}</td>
 *       <td>consecutive failed flushes before a component is {@code DEGRADED}; 1 to {@value
 *       #MAX_DEGRADED_AFTER_FAILURES}</td></tr>
 *   <tr><td>{@code tally.health.failing-after}</td><td>{@code 5m}</td>
 *       <td>time without a successful flush before a failing component is {@code FAILING}</td></tr>
 *   <tr><td>{@code tally.backend.slog.logger}</td><td>{@value #DEFAULT_SLOG_LOGGER}</td>
 *       <td>the SLF4J logger the {@code slog} backend writes to</td></tr>
 *   <tr><td>{@code tally.backend.slog.level}</td><td>{@code info}</td>
 *       <td>the level of its log lines: {@code trace}, {@code debug}, {@code info}, {@code warn}
 *       or {@code error}</td></tr>
 *   <tr><td>{@code tally.backend.slog.redacted-fields}</td><td>(none)</td>
 *       <td>event fields the {@code slog} backend logs as {@code [redacted]}, comma-separated,
 *       as it names them ({@code ip}, {@code user_agent}, …)</td></tr>
 *   <tr><td>{@code tally.store.<name>.*}, {@code tally.backend.<name>.*}</td><td></td>
 *       <td>settings of a third-party provider, read with {@link #property(String)}; {@link
 *       #toString()} shows as {@code ****} those whose key contains {@code password}, {@code
 *       secret}, {@code token}, {@code credential}, {@code key}, {@code auth}, {@code pass} or
 *       {@code pwd}</td></tr>
 * </table>
 */
public final class TallyConfig {
  /** The store provider used when {@code tally.store} is not set and no JDBC URL names one: {@value}. */
  public static final String DEFAULT_STORE = "h2";
  /** The default backend providers: {@value}. */
  public static final String DEFAULT_BACKENDS = "db";
  /** The default table prefix: {@value}. */
  public static final String DEFAULT_TABLE_PREFIX = "tally_";

  /**
   * The longest {@code tally.table-prefix}: {@value} characters, the stores' limit too (so that
   * the longest name a store derives from it fits PostgreSQL's 63 bytes).
   */
  public static final int MAX_TABLE_PREFIX_LENGTH = 32;
  /** The default maximum pool size: {@value}. */
  public static final int DEFAULT_POOL_SIZE = 10;
  /** What the default network timeout adds to the longest flush timeout: 5 seconds. */
  public static final Duration NETWORK_TIMEOUT_MARGIN = Duration.ofSeconds(5);
  /** The default bound on the schema migrations: 5 minutes. */
  public static final Duration DEFAULT_MIGRATION_TIMEOUT = Duration.ofMinutes(5);
  /** The default bound on {@code Tally.close()}: 20 seconds. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(20);
  /** The default flush interval of both trackers: 60 seconds. */
  public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(60);
  /** The default bound on one tracker flush: 10 seconds. */
  public static final Duration DEFAULT_FLUSH_TIMEOUT = Duration.ofSeconds(10);
  /** The default bound on a component's final flush at close: 10 seconds. */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);
  /** The default usage report period: 30 minutes. */
  public static final Duration DEFAULT_REPORT_PERIOD = Duration.ofMinutes(30);
  /** The default connection-log batch size: {@value}. */
  public static final int DEFAULT_BATCH_SIZE = 1000;
  /** The default wait for room in a full connection-log queue: 5 seconds. */
  public static final Duration DEFAULT_BATCH_WRITE_TIMEOUT = Duration.ofSeconds(5);
  /** The default connection-log flush interval: 5 seconds. */
  public static final Duration DEFAULT_BATCH_FLUSH_INTERVAL = Duration.ofSeconds(5);
  /** The default number of retries of a failed connection-log batch: unlimited. */
  public static final int DEFAULT_RETRY_MAX_ATTEMPTS = Integer.MAX_VALUE;
  /** The largest {@code tally.batch.parallelism}: {@value}. */
  public static final int MAX_BATCH_PARALLELISM = 64;
  /** The default {@code tally.batch.parallelism} is at most this many: {@value}. */
  public static final int DEFAULT_BATCH_PARALLELISM_CAP = 4;
  /** Pool connections {@code tally.batch.parallelism} leaves to the other components: {@value}. */
  public static final int POOL_CONNECTIONS_KEPT = 2;
  /** The largest {@code tally.batch.max-pending}: {@value}. */
  public static final int MAX_BATCH_MAX_PENDING = 10_000_000;
  /** The default wait before the first retry: 1 second. */
  public static final Duration DEFAULT_RETRY_INITIAL_BACKOFF = Duration.ofSeconds(1);
  /** The default longest wait between retries: 30 seconds. */
  public static final Duration DEFAULT_RETRY_MAX_BACKOFF = Duration.ofSeconds(30);
  /** The default connection-log retention interval: 10 minutes. */
  public static final Duration DEFAULT_RETENTION_INTERVAL = Duration.ofMinutes(10);
  /** The default rows per connection-log retention delete: {@value}. */
  public static final int DEFAULT_RETENTION_BATCH_SIZE = 10_000;
  /** The default logger of the {@code slog} backend: {@value}. */
  public static final String DEFAULT_SLOG_LOGGER = "io.tally.connection_log";

  /**
   * The longest duration any setting accepts: 365 days. Longer ones are refused rather than
   * overflowing a scheduler's nanosecond arithmetic.
   */
  public static final Duration MAX_DURATION = Duration.ofDays(365);

  /** The largest {@code tally.jdbc.pool-size}: {@value}. */
  public static final int MAX_POOL_SIZE = 1_000;

  /** The largest {@code tally.batch.size}: {@value}. */
  public static final int MAX_BATCH_SIZE = 100_000;

  /**
   * The largest {@code tally.batch.queue-capacity}: {@value} (the queue is allocated up front, so
   * a larger one could exhaust the heap).
   */
  public static final int MAX_QUEUE_CAPACITY = 1_000_000;

  /** The largest {@code tally.batch.retry.max-attempts}: {@value}. */
  public static final int MAX_RETRY_ATTEMPTS = 1_000;

  /** The largest {@code tally.connection-log.retention-batch-size}: {@value}. */
  public static final int MAX_RETENTION_BATCH_SIZE = 100_000;

  /** The largest {@code tally.health.degraded-after-failures}: {@value}. */
  public static final int MAX_DEGRADED_AFTER_FAILURES = 10_000;

  private static final Logger log = LoggerFactory.getLogger(TallyConfig.class);
  private static final String MASK = "****";
  private static final String POSTGRES_SCHEME = "jdbc:postgresql:";
  private static final String TOO_LONG = "must be at most " + formatDuration(MAX_DURATION);
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,39}");
  private static final Pattern PREFIX =
      Pattern.compile("([A-Za-z_][A-Za-z0-9_]{0," + (MAX_TABLE_PREFIX_LENGTH - 1) + "})?");
  private static final Pattern SHORT_DURATION = Pattern.compile("(-?\\d+)(ms|s|m|h|d)");
  private static final Pattern UUID_TEXT =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final String STORE_PROPERTIES = "tally.store.";
  private static final String BACKEND_PROPERTIES = "tally.backend.";
  private static final String RESERVED = "tally.test.";

  private static final Map<String, Key<?>> KEYS = new LinkedHashMap<>();

  private static final Key<String> STORE =
      register(
          text(
              "tally.store",
              DEFAULT_STORE,
              n -> NAME.matcher(n).matches(),
              "must be a provider name (lower-case letters, digits, '-' and '_', starting with a"
                  + " letter or digit)"));
  private static final Key<List<String>> BACKENDS =
      register(names("tally.backends", List.of(DEFAULT_BACKENDS)));
  private static final Key<List<String>> TRACKERS = register(names("tally.trackers", List.of()));
  private static final Key<UUID> REPLICA_ID =
      register(
          new Key<>(
              "tally.replica-id",
              TallyConfig::parseUuid,
              UUID::toString,
              UUID.class::cast,
              null,
              null,
              null,
              false));
  private static final Key<Boolean> MIGRATE_ON_START =
      register(flag("tally.migrate-on-start", true));
  private static final Key<String> TABLE_PREFIX =
      register(
          text(
              "tally.table-prefix",
              DEFAULT_TABLE_PREFIX,
              p -> PREFIX.matcher(p).matches(),
              "must be empty or an SQL identifier of at most "
                  + MAX_TABLE_PREFIX_LENGTH
                  + " characters"));
  private static final Key<String> JDBC_URL = register(text("tally.jdbc.url", null, null, null));
  private static final Key<String> JDBC_USER = register(text("tally.jdbc.user", null, null, null));
  private static final Key<String> JDBC_PASSWORD =
      register(
          new Key<>(
              "tally.jdbc.password",
              Function.identity(),
              Function.identity(),
              String.class::cast,
              null,
              null,
              null,
              true));
  private static final Key<Integer> POOL_SIZE =
      register(integer("tally.jdbc.pool-size", DEFAULT_POOL_SIZE, 1, MAX_POOL_SIZE));
  private static final Key<Duration> NETWORK_TIMEOUT =
      register(duration("tally.jdbc.network-timeout", null));
  private static final Key<Duration> MIGRATION_TIMEOUT =
      register(duration("tally.jdbc.migration-timeout", DEFAULT_MIGRATION_TIMEOUT));
  private static final Key<Duration> CLOSE_TIMEOUT =
      register(duration("tally.close-timeout", DEFAULT_CLOSE_TIMEOUT));
  private static final Key<Boolean> REQUIRE_DATABASE =
      register(flag("tally.start.require-database", true));
  private static final Key<Duration> FLUSH_INTERVAL =
      register(duration("tally.flush-interval", DEFAULT_FLUSH_INTERVAL));
  private static final Key<Duration> LAST_USED_FLUSH_INTERVAL =
      register(duration("tally.last-used.flush-interval", null));
  private static final Key<Duration> LAST_USED_FLUSH_TIMEOUT =
      register(duration("tally.last-used.flush-timeout", DEFAULT_FLUSH_TIMEOUT));
  private static final Key<Duration> LAST_USED_SHUTDOWN_TIMEOUT =
      register(duration("tally.last-used.shutdown-timeout", DEFAULT_SHUTDOWN_TIMEOUT));
  private static final Key<TimestampMode> LAST_USED_TIMESTAMP_MODE =
      register(
          choice(
              "tally.last-used.timestamp-mode",
              TimestampMode.class,
              TimestampMode.EVENT_TIME,
              TimestampMode.values()));
  private static final Key<Duration> USAGE_FLUSH_INTERVAL =
      register(duration("tally.usage-stats.flush-interval", null));
  private static final Key<Duration> USAGE_FLUSH_TIMEOUT =
      register(duration("tally.usage-stats.flush-timeout", DEFAULT_FLUSH_TIMEOUT));
  private static final Key<Duration> USAGE_SHUTDOWN_TIMEOUT =
      register(duration("tally.usage-stats.shutdown-timeout", DEFAULT_SHUTDOWN_TIMEOUT));
  private static final Key<Duration> USAGE_REPORT_PERIOD =
      register(duration("tally.usage-stats.report-period", DEFAULT_REPORT_PERIOD));
  private static final Key<Integer> BATCH_SIZE =
      register(integer("tally.batch.size", DEFAULT_BATCH_SIZE, 1, MAX_BATCH_SIZE));
  private static final Key<Duration> BATCH_FLUSH_INTERVAL =
      register(duration("tally.batch.flush-interval", DEFAULT_BATCH_FLUSH_INTERVAL));
  private static final Key<Integer> BATCH_QUEUE_CAPACITY =
      register(integer("tally.batch.queue-capacity", null, 1, MAX_QUEUE_CAPACITY));
  private static final Key<Duration> BATCH_WRITE_TIMEOUT =
      register(duration("tally.batch.write-timeout", DEFAULT_BATCH_WRITE_TIMEOUT));
  private static final Key<Duration> BATCH_FLUSH_TIMEOUT =
      register(duration("tally.batch.flush-timeout", DEFAULT_FLUSH_TIMEOUT));
  private static final Key<Duration> BATCH_SHUTDOWN_TIMEOUT =
      register(duration("tally.batch.shutdown-timeout", DEFAULT_SHUTDOWN_TIMEOUT));
  private static final Key<Integer> RETRY_MAX_ATTEMPTS =
      register(integer("tally.batch.retry.max-attempts", null, 0, MAX_RETRY_ATTEMPTS));
  private static final Key<Integer> BATCH_MAX_PENDING =
      register(integer("tally.batch.max-pending", null, 1, MAX_BATCH_MAX_PENDING));
  private static final Key<Integer> BATCH_PARALLELISM =
      register(integer("tally.batch.parallelism", null, 1, MAX_BATCH_PARALLELISM));
  private static final Key<Duration> RETRY_INITIAL_BACKOFF =
      register(duration("tally.batch.retry.initial-backoff", DEFAULT_RETRY_INITIAL_BACKOFF));
  private static final Key<Duration> RETRY_MAX_BACKOFF =
      register(duration("tally.batch.retry.max-backoff", DEFAULT_RETRY_MAX_BACKOFF));
  private static final Key<Duration> RETENTION =
      register(duration("tally.connection-log.retention", null));
  private static final Key<Duration> RETENTION_INTERVAL =
      register(duration("tally.connection-log.retention-interval", DEFAULT_RETENTION_INTERVAL));
  private static final Key<Integer> RETENTION_BATCH_SIZE =
      register(
          integer(
              "tally.connection-log.retention-batch-size",
              DEFAULT_RETENTION_BATCH_SIZE,
              1,
              MAX_RETENTION_BATCH_SIZE));
  private static final Key<Integer> HEALTH_DEGRADED_AFTER =
      register(
          integer(
              "tally.health.degraded-after-failures",
              HealthPolicy.DEFAULT_DEGRADED_AFTER_FAILURES,
              1,
              MAX_DEGRADED_AFTER_FAILURES));
  private static final Key<Duration> HEALTH_FAILING_AFTER =
      register(duration("tally.health.failing-after", HealthPolicy.DEFAULT_FAILING_AFTER));
  private static final Key<String> SLOG_LOGGER =
      register(
          text(
              "tally.backend.slog.logger",
              DEFAULT_SLOG_LOGGER,
              s -> !s.isEmpty(),
              "must not be empty"));
  private static final Key<Level> SLOG_LEVEL =
      register(choice("tally.backend.slog.level", Level.class, Level.INFO, Level.values()));
  private static final Key<List<String>> SLOG_REDACTED_FIELDS =
      register(
          list(
              "tally.backend.slog.redacted-fields",
              List.of(),
              l -> l.stream().allMatch(f -> f.matches("[a-z][a-z0-9_]*")),
              "must be a comma-separated list of event field names such as ip or user_agent"));

  /** Known keys by their environment-variable form, e.g. TALLY_BATCH_SIZE. */
  private static final Map<String, Key<?>> KEYS_BY_VARIABLE = new HashMap<>();

  static {
    for (Key<?> key : KEYS.values()) {
      Key<?> clash = KEYS_BY_VARIABLE.put(variable(key.name), key);
      if (clash != null) {
        throw new AssertionError(key.name + " and " + clash.name + " share a variable name");
      }
    }
  }

  private final Map<Key<?>, Object> values;
  private final boolean storeInferred; // tally.store not set: chosen from the JDBC URL
  private final Map<String, String> properties; // provider keys by variable form -> value
  private final Map<String, String> propertyNames; // provider keys by variable form -> key

  private TallyConfig(Builder b, UUID replicaId) {
    Map<Key<?>, Object> v = new HashMap<>();
    for (Key<?> key : KEYS.values()) {
      Object value =
          b.values.containsKey(key)
              ? b.values.get(key)
              : key == STORE ? inferStore((String) b.values.get(JDBC_URL)) : key.defaultValue;
      if (value != null) {
        v.put(key, value);
      }
    }
    v.put(REPLICA_ID, replicaId);
    this.values = Collections.unmodifiableMap(v);
    this.storeInferred = !b.values.containsKey(STORE);
    this.properties = Collections.unmodifiableMap(new TreeMap<>(b.properties));
    this.propertyNames = Collections.unmodifiableMap(new TreeMap<>(b.propertyNames));
  }

  /**
   * The store to use when {@code tally.store} is not set: the one the JDBC URL's scheme names.
   *
   * @param jdbcUrl the configured URL, or null
   * @return {@code postgres} for a {@code jdbc:postgresql:} URL, else {@value #DEFAULT_STORE}
   */
  private static String inferStore(String jdbcUrl) {
    if (jdbcUrl != null && jdbcUrl.startsWith(POSTGRES_SCHEME)) {
      return "postgres";
    }
    return DEFAULT_STORE;
  }

  /** @return a builder with every key at its default */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads a configuration from {@code tally.*} keys; other keys are ignored.
   *
   * @param values keys and their string values
   * @return the configuration
   * @throws NullPointerException if {@code values}, or a key or value in it, is null
   * @throws ConfigException listing every unknown key and every bad value
   */
  public static TallyConfig from(Map<String, String> values) {
    Objects.requireNonNull(values, "values");
    Builder b = builder();
    for (Map.Entry<String, String> e : new TreeMap<>(values).entrySet()) {
      if (e.getKey().startsWith("tally.")) {
        b.set(e.getKey(), e.getValue());
      }
    }
    return b.build();
  }

  /**
   * Reads the configuration of this process: defaults, overridden by {@code tally.*} system
   * properties, overridden by {@code TALLY_*} environment variables.
   *
   * <p>An unknown {@code tally.*} system property is an error, as in {@link #from(Map)}. An
   * environment variable that starts with {@code TALLY_} but names no Tally setting (say {@code
   * TALLY_HOME}, set by an unrelated tool) is not: environment variables are a namespace shared
   * with other programs, so it is logged at WARN, naming the variable but never its value, and
   * ignored. A bad value of a variable that does name a setting is an error.
   *
   * @return the configuration
   * @throws ConfigException listing every unknown system property and every bad value
   */
  public static TallyConfig fromEnvironment() {
    Properties props = System.getProperties();
    Map<String, String> sys = new HashMap<>();
    for (String name : props.stringPropertyNames()) {
      sys.put(name, props.getProperty(name));
    }
    return fromEnvironment(sys, System.getenv());
  }

  /**
   * {@link #fromEnvironment()} with the system properties and environment given explicitly, so
   * tests need not change the process's.
   */
  static TallyConfig fromEnvironment(
      Map<String, String> systemProperties, Map<String, String> environment) {
    Objects.requireNonNull(systemProperties, "systemProperties");
    Objects.requireNonNull(environment, "environment");
    // Layer by variable form, so that tally.batch.size and TALLY_BATCH_SIZE are one setting.
    Map<String, String[]> merged = new TreeMap<>();
    for (Map.Entry<String, String> e : new TreeMap<>(systemProperties).entrySet()) {
      if (e.getKey().startsWith("tally.")) {
        merged.put(variable(e.getKey()), new String[] {e.getKey(), e.getValue()});
      }
    }
    for (Map.Entry<String, String> e : new TreeMap<>(environment).entrySet()) {
      String name = e.getKey();
      if (!name.startsWith("TALLY_") || name.startsWith(variable(RESERVED))) {
        continue;
      }
      Key<?> key = KEYS_BY_VARIABLE.get(name);
      String providerKey = name.toLowerCase(Locale.ROOT).replace('_', '.');
      if (key != null) {
        merged.put(name, new String[] {key.name, e.getValue()});
      } else if (isProviderKey(providerKey)) {
        merged.put(name, new String[] {providerKey, e.getValue()});
      } else {
        // Environment variables are a namespace shared with every other tool (TALLY_HOME, …):
        // name the variable, never its value, and go on.
        log.warn(
            "Ignoring environment variable {}: it is not a Tally setting{}", name, hint(name));
      }
    }
    Builder b = builder();
    for (String[] kv : merged.values()) {
      b.set(kv[0], kv[1]);
    }
    return b.build();
  }

  /** @return every key Tally knows, in documentation order */
  static Set<String> knownKeys() {
    return Collections.unmodifiableSet(KEYS.keySet());
  }

  /**
   * Returns the store provider's name: {@code tally.store} when it is set; otherwise the store the
   * JDBC URL's scheme names ({@code postgres} for {@code jdbc:postgresql:}, {@code h2} for {@code
   * jdbc:h2:}), and {@value #DEFAULT_STORE} for any other URL or without one.
   *
   * @return the store provider's name
   */
  public String store() {
    return get(STORE);
  }

  /** @return the backend providers' names, in configured order; unmodifiable */
  public List<String> backends() {
    return get(BACKENDS);
  }

  /** @return the extra tracker providers' names, in configured order; unmodifiable */
  public List<String> trackers() {
    return get(TRACKERS);
  }

  /**
   * Returns this replica's id: {@code tally.replica-id}, or a random UUID chosen when this
   * configuration was built without one; either way the same for every call.
   *
   * @return this replica's id
   */
  public UUID replicaId() {
    return get(REPLICA_ID);
  }

  /** @return whether Tally applies missing schema migrations when it starts */
  public boolean migrateOnStart() {
    return get(MIGRATE_ON_START);
  }

  /** @return the prefix of every table name */
  public String tablePrefix() {
    return get(TABLE_PREFIX);
  }

  /** @return true when {@code tally.store} was not set and {@link #store()} came from the URL */
  boolean storeInferred() {
    return storeInferred;
  }

  /** @return the database's JDBC URL, if configured */
  public Optional<String> jdbcUrl() {
    return Optional.ofNullable(get(JDBC_URL));
  }

  /** @return the database user, if configured */
  public Optional<String> jdbcUser() {
    return Optional.ofNullable(get(JDBC_USER));
  }

  /** @return the database password, if configured; never log it */
  public Optional<String> jdbcPassword() {
    return Optional.ofNullable(get(JDBC_PASSWORD));
  }

  /** @return the maximum size of the connection pool Tally creates */
  public int poolSize() {
    return get(POOL_SIZE);
  }

  /**
   * Returns how long a store call may wait for the database on one connection: {@code
   * tally.jdbc.network-timeout}, by default the longest of the three flush timeouts plus {@link
   * #NETWORK_TIMEOUT_MARGIN}, so that a component gives a call up (and aborts its connection)
   * before the driver does.
   *
   * @return the network timeout of the connections the built-in stores use
   */
  public Duration jdbcNetworkTimeout() {
    Duration set = get(NETWORK_TIMEOUT);
    return set != null ? set : longestFlushTimeout().plus(NETWORK_TIMEOUT_MARGIN);
  }

  /** @return the longest of the last-used, usage-stats and connection-log flush timeouts */
  public Duration longestFlushTimeout() {
    Duration a = lastUsedFlushTimeout();
    Duration b = usageStatsFlushTimeout();
    Duration c = batchFlushTimeout();
    Duration ab = a.compareTo(b) >= 0 ? a : b;
    return ab.compareTo(c) >= 0 ? ab : c;
  }

  /** @return the network, statement and lock timeout of the schema migrations */
  public Duration jdbcMigrationTimeout() {
    return get(MIGRATION_TIMEOUT);
  }

  /** @return the bound on the whole of {@code Tally.close()} */
  public Duration closeTimeout() {
    return get(CLOSE_TIMEOUT);
  }

  /**
   * @return whether {@code Tally.start} fails when the database cannot be reached ({@code true},
   *     the default) rather than starting and buffering
   */
  public boolean requireDatabaseAtStart() {
    return get(REQUIRE_DATABASE);
  }

  /** @return the flush interval of the trackers that do not set their own */
  public Duration flushInterval() {
    return get(FLUSH_INTERVAL);
  }

  /** @return how often the last-used tracker writes */
  public Duration lastUsedFlushInterval() {
    return orElse(LAST_USED_FLUSH_INTERVAL, FLUSH_INTERVAL);
  }

  /** @return how long one last-used flush may take */
  public Duration lastUsedFlushTimeout() {
    return get(LAST_USED_FLUSH_TIMEOUT);
  }

  /** @return the bound on the last-used tracker's final flush at close */
  public Duration lastUsedShutdownTimeout() {
    return get(LAST_USED_SHUTDOWN_TIMEOUT);
  }

  /** @return the last-used tracker's timestamp mode */
  public TimestampMode lastUsedTimestampMode() {
    return get(LAST_USED_TIMESTAMP_MODE);
  }

  /** @return how often the usage-stats tracker writes */
  public Duration usageStatsFlushInterval() {
    return orElse(USAGE_FLUSH_INTERVAL, FLUSH_INTERVAL);
  }

  /** @return how long one usage-stats flush may take */
  public Duration usageStatsFlushTimeout() {
    return get(USAGE_FLUSH_TIMEOUT);
  }

  /** @return the bound on the usage-stats tracker's final flush at close */
  public Duration usageStatsShutdownTimeout() {
    return get(USAGE_SHUTDOWN_TIMEOUT);
  }

  /** @return the usage reporter's period */
  public Duration usageReportPeriod() {
    return get(USAGE_REPORT_PERIOD);
  }

  /** @return connection-log events per database write */
  public int batchSize() {
    return get(BATCH_SIZE);
  }

  /** @return how often a partial connection-log batch is written */
  public Duration batchFlushInterval() {
    return get(BATCH_FLUSH_INTERVAL);
  }

  /** @return connection-log events queued before {@code write} blocks */
  public int batchQueueCapacity() {
    return values.containsKey(BATCH_QUEUE_CAPACITY) ? get(BATCH_QUEUE_CAPACITY) : batchSize();
  }

  /** @return how long a connection-log {@code write} waits for room in a full queue */
  public Duration batchWriteTimeout() {
    return get(BATCH_WRITE_TIMEOUT);
  }

  /** @return how long one connection-log write to the database may take */
  public Duration batchFlushTimeout() {
    return get(BATCH_FLUSH_TIMEOUT);
  }

  /** @return the bound on draining the connection log at close */
  public Duration batchShutdownTimeout() {
    return get(BATCH_SHUTDOWN_TIMEOUT);
  }

  /**
   * @return retries of a failed connection-log batch before it is dropped; {@link
   *     #DEFAULT_RETRY_MAX_ATTEMPTS} (unlimited) when not set
   */
  public int retryMaxAttempts() {
    return values.containsKey(RETRY_MAX_ATTEMPTS) ? get(RETRY_MAX_ATTEMPTS) : DEFAULT_RETRY_MAX_ATTEMPTS;
  }

  /** @return connection-log events held in memory at most (queue not included) */
  public int batchMaxPending() {
    return values.containsKey(BATCH_MAX_PENDING)
        ? get(BATCH_MAX_PENDING)
        : (int) Math.min(MAX_BATCH_MAX_PENDING, Math.max(batchSize(), 10L * batchSize()));
  }

  /**
   * Returns how many connection-log writes run at once: {@code tally.batch.parallelism}, by
   * default the machine's cores, at most {@value #DEFAULT_BATCH_PARALLELISM_CAP} and at most
   * {@code tally.jdbc.pool-size} − {@value #POOL_CONNECTIONS_KEPT} (at least 1).
   *
   * @return the connection log's parallelism
   */
  public int batchParallelism() {
    if (values.containsKey(BATCH_PARALLELISM)) {
      return get(BATCH_PARALLELISM);
    }
    int cores = Runtime.getRuntime().availableProcessors();
    return Math.min(Math.min(cores, DEFAULT_BATCH_PARALLELISM_CAP), maxParallelism(poolSize()));
  }

  private static int maxParallelism(int poolSize) {
    return Math.max(1, poolSize - POOL_CONNECTIONS_KEPT);
  }

  /** @return the wait before the first retry */
  public Duration retryInitialBackoff() {
    return get(RETRY_INITIAL_BACKOFF);
  }

  /** @return the longest wait between retries */
  public Duration retryMaxBackoff() {
    return get(RETRY_MAX_BACKOFF);
  }

  /** @return how long connection-log rows are kept; empty (the default) keeps them for ever */
  public Optional<Duration> connectionLogRetention() {
    return Optional.ofNullable(get(RETENTION));
  }

  /** @return how long after one retention run the next starts */
  public Duration connectionLogRetentionInterval() {
    return get(RETENTION_INTERVAL);
  }

  /** @return rows one retention delete removes */
  public int connectionLogRetentionBatchSize() {
    return get(RETENTION_BATCH_SIZE);
  }

  /** @return the health policy every component uses */
  public HealthPolicy healthPolicy() {
    return HealthPolicy.of(get(HEALTH_DEGRADED_AFTER), get(HEALTH_FAILING_AFTER));
  }

  /** @return the SLF4J logger name of the {@code slog} backend */
  public String slogLogger() {
    return get(SLOG_LOGGER);
  }

  /** @return the level of the {@code slog} backend's lines */
  public Level slogLevel() {
    return get(SLOG_LEVEL);
  }

  /** @return event fields the {@code slog} backend masks; unmodifiable */
  public List<String> slogRedactedFields() {
    return get(SLOG_REDACTED_FIELDS);
  }

  /**
   * Returns a setting in its string form, for providers: a key under {@code tally.store.<name>.}
   * or {@code tally.backend.<name>.} as configured, or any key Tally knows (its configured or
   * default value).
   *
   * <p>Keys match whatever their source spelled them with: {@code tally.backend.jsonl.file-name}
   * finds the environment variable {@code TALLY_BACKEND_JSONL_FILE_NAME}.
   *
   * @param key the full key, e.g. {@code tally.backend.jsonl.file}
   * @return its value, or empty when it is not set and has no default
   * @throws NullPointerException if {@code key} is null
   */
  public Optional<String> property(String key) {
    Objects.requireNonNull(key, "key");
    Key<?> known = KEYS.get(key);
    if (known != null) {
      return Optional.ofNullable(values.get(known)).map(known::format);
    }
    return Optional.ofNullable(properties.get(variable(key)));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TallyConfig
        && ((TallyConfig) o).values.equals(values)
        && ((TallyConfig) o).properties.equals(properties);
  }

  @Override
  public int hashCode() {
    return 31 * values.hashCode() + properties.hashCode();
  }

  /**
   * Shows every setting; the password as {@code ****}, the JDBC URL without its parameters or user
   * information ({@link Secrets#redactUrl(String)}), and as {@code ****} the provider settings whose
   * key contains {@code password}, {@code secret}, {@code token}, {@code credential}, {@code key},
   * {@code auth}, {@code pass} or {@code pwd} in any case ({@link Secrets#isSecretName(String)}).
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("TallyConfig{");
    String sep = "";
    for (Key<?> key : KEYS.values()) {
      Object value = values.get(key);
      if (value != null) {
        String shown = key.secret ? MASK : key.format(value);
        if (key == JDBC_URL) {
          shown = redactUrl(shown);
        }
        sb.append(sep).append(key.name).append('=').append(shown);
        sep = ", ";
      }
    }
    for (Map.Entry<String, String> e : propertyNames.entrySet()) {
      String name = e.getValue();
      sb.append(sep)
          .append(name)
          .append('=')
          .append(Secrets.isSecretName(name) ? MASK : properties.get(e.getKey()));
      sep = ", ";
    }
    return sb.append('}').toString();
  }

  /**
   * Returns a JDBC URL safe to log: see {@link Secrets#redactUrl(String)}.
   *
   * @param url a JDBC URL
   * @return the URL without user information, parameters or properties
   */
  static String redactUrl(String url) {
    return Secrets.redactUrl(url);
  }

  private <T> T get(Key<T> key) {
    Object value = values.get(key);
    return value == null ? null : key.cast.apply(value);
  }

  private Duration orElse(Key<Duration> key, Key<Duration> fallback) {
    return values.containsKey(key) ? get(key) : get(fallback);
  }

  /** The environment-variable form of a key: upper case, {@code .} and {@code -} as {@code _}. */
  static String variable(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private static boolean isProviderKey(String key) {
    for (String prefix : List.of(STORE_PROPERTIES, BACKEND_PROPERTIES)) {
      if (key.startsWith(prefix)) {
        int dot = key.indexOf('.', prefix.length());
        return dot > prefix.length() && dot < key.length() - 1;
      }
    }
    return false;
  }

  /** Suggests the closest known key for a typo, or nothing. */
  private static String hint(String unknown) {
    String target = variable(unknown);
    String best = null;
    int bestDistance = 4;
    for (Key<?> key : KEYS.values()) {
      int d = distance(target, variable(key.name));
      if (d < bestDistance) {
        best = key.name;
        bestDistance = d;
      }
    }
    return best == null ? "" : " (did you mean " + best + "?)";
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  // ---- value parsing

  static Duration parseDuration(String text) {
    Matcher m = SHORT_DURATION.matcher(text);
    if (m.matches()) {
      try {
        long n = Long.parseLong(m.group(1));
        switch (m.group(2)) {
          case "ms":
            return Duration.ofMillis(n);
          case "s":
            return Duration.ofSeconds(n);
          case "m":
            return Duration.ofMinutes(n);
          case "h":
            return Duration.ofHours(n);
          default:
            return Duration.ofDays(n);
        }
      } catch (ArithmeticException | NumberFormatException e) {
        // beyond what a Duration (or a long) holds: far outside the rule, on one side or the other
        throw new IllegalArgumentException(
            m.group(1).startsWith("-") ? "must be positive" : TOO_LONG, e);
      }
    }
    try {
      return Duration.parse(text);
    } catch (DateTimeParseException | ArithmeticException e) {
      throw new IllegalArgumentException(
          "must be a duration such as 250ms, 5s, 1m, 2h or PT5S", e);
    }
  }

  /** Formats a duration in the short form when it has one, else ISO-8601. */
  static String formatDuration(Duration d) {
    if (d.isNegative() || d.getNano() % 1_000_000 != 0) {
      return d.toString();
    }
    long ms = d.toMillis();
    long[] units = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
    String[] names = {"d", "h", "m", "s"};
    for (int i = 0; i < units.length; i++) {
      if (ms != 0 && ms % units[i] == 0) {
        return ms / units[i] + names[i];
      }
    }
    return ms + "ms";
  }

  private static int parseInt(String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be an integer", e);
    }
  }

  private static boolean parseBoolean(String text) {
    if (text.equalsIgnoreCase("true")) {
      return true;
    }
    if (text.equalsIgnoreCase("false")) {
      return false;
    }
    throw new IllegalArgumentException("must be true or false");
  }

  private static UUID parseUuid(String text) {
    if (!UUID_TEXT.matcher(text).matches()) {
      throw new IllegalArgumentException("must be a UUID");
    }
    return UUID.fromString(text);
  }

  private static List<String> parseList(String text) {
    List<String> out = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      String p = part.trim();
      if (!p.isEmpty()) {
        out.add(p);
      }
    }
    return List.copyOf(out);
  }

  private static List<String> castList(Object o) {
    List<String> out = new ArrayList<>();
    for (Object e : (List<?>) o) {
      out.add((String) e);
    }
    return Collections.unmodifiableList(out);
  }

  // ---- key definitions

  private static <T> Key<T> register(Key<T> key) {
    KEYS.put(key.name, key);
    return key;
  }

  private static Key<String> text(
      String name, String defaultValue, Predicate<String> rule, String ruleText) {
    return new Key<>(
        name,
        Function.identity(),
        Function.identity(),
        String.class::cast,
        defaultValue,
        rule,
        ruleText,
        false);
  }

  private static Key<Boolean> flag(String name, boolean defaultValue) {
    return new Key<>(
        name,
        TallyConfig::parseBoolean,
        String::valueOf,
        Boolean.class::cast,
        defaultValue,
        null,
        null,
        false);
  }

  private static Key<Duration> duration(String name, Duration defaultValue) {
    return new Key<>(
        name,
        TallyConfig::parseDuration,
        TallyConfig::formatDuration,
        Duration.class::cast,
        defaultValue,
        TallyConfig::durationRule,
        false);
  }

  /** @return the rule {@code d} breaks, or null: positive and at most {@link #MAX_DURATION} */
  private static String durationRule(Duration d) {
    if (d.isZero() || d.isNegative()) {
      return "must be positive";
    }
    return d.compareTo(MAX_DURATION) > 0 ? TOO_LONG : null;
  }

  private static Key<Integer> integer(String name, Integer defaultValue, int min, int max) {
    return new Key<>(
        name,
        TallyConfig::parseInt,
        String::valueOf,
        Integer.class::cast,
        defaultValue,
        n -> n < min ? "must be >= " + min : n > max ? "must be at most " + max : null,
        false);
  }

  /** A key whose value is one constant of an enum, spelled in lower case with dashes. */
  @SafeVarargs
  private static <E extends Enum<E>> Key<E> choice(
      String name, Class<E> type, E defaultValue, E... allowed) {
    Map<String, E> byName = new LinkedHashMap<>();
    for (E e : allowed) {
      byName.put(spell(e), e);
    }
    String ruleText = "must be one of " + String.join(", ", byName.keySet());
    return new Key<>(
        name,
        s -> {
          E v = byName.get(s.toLowerCase(Locale.ROOT).replace('_', '-'));
          if (v == null) {
            throw new IllegalArgumentException(ruleText);
          }
          return v;
        },
        TallyConfig::spell,
        type::cast,
        defaultValue,
        null,
        null,
        false);
  }

  private static String spell(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static Key<List<String>> list(
      String name, List<String> defaultValue, Predicate<List<String>> rule, String ruleText) {
    return new Key<>(
        name,
        TallyConfig::parseList,
        l -> String.join(",", l),
        TallyConfig::castList,
        defaultValue,
        rule,
        ruleText,
        false);
  }

  private static Key<List<String>> names(String name, List<String> defaultValue) {
    return list(
        name,
        defaultValue,
        l -> l.stream().allMatch(n -> NAME.matcher(n).matches()) && new LinkedHashSet<>(l).size() == l.size(),
        "must be a comma-separated list of distinct provider names"
            + " (lower-case letters, digits, '-' and '_')");
  }

  /** One known key: how to read, show and check its value. */
  private static final class Key<T> {
    final String name;
    final Function<String, T> parser;
    final Function<T, String> formatter;
    final Function<Object, T> cast;
    final T defaultValue;
    final Function<T, String> rule; // the rule a value breaks, or null
    final boolean secret;

    Key(
        String name,
        Function<String, T> parser,
        Function<T, String> formatter,
        Function<Object, T> cast,
        T defaultValue,
        Predicate<T> rule,
        String ruleText,
        boolean secret) {
      this(
          name,
          parser,
          formatter,
          cast,
          defaultValue,
          rule == null ? null : v -> rule.test(v) ? null : ruleText,
          secret);
    }

    Key(
        String name,
        Function<String, T> parser,
        Function<T, String> formatter,
        Function<Object, T> cast,
        T defaultValue,
        Function<T, String> rule,
        boolean secret) {
      this.name = name;
      this.parser = parser;
      this.formatter = formatter;
      this.cast = cast;
      this.defaultValue = defaultValue;
      this.rule = rule;
      this.secret = secret;
    }

    String format(Object value) {
      return formatter.apply(cast.apply(value));
    }

    /** @return the problem with {@code value}, or null */
    String check(Object value, String shown) {
      String broken = rule == null ? null : rule.apply(cast.apply(value));
      if (broken == null) {
        return null;
      }
      return name + " was '" + (secret ? MASK : shown) + "' but " + broken;
    }
  }

  /**
   * Builds a {@link TallyConfig}. Setters record values; {@link #build()} checks them all and
   * reports every problem at once. Not thread-safe.
   */
  public static final class Builder {
    private final Map<Key<?>, Object> values = new HashMap<>();
    private final Map<Key<?>, String> shown = new HashMap<>();
    private final Map<String, String> problems = new TreeMap<>();
    private final Map<String, String> properties = new HashMap<>();
    private final Map<String, String> propertyNames = new HashMap<>();

    private Builder() {}

    private <T> Builder put(Key<T> key, T value) {
      values.put(key, value);
      shown.put(key, key.formatter.apply(value));
      problems.remove(key.name);
      return this;
    }

    /**
     * Sets any key from its string form, as {@link TallyConfig#from(Map)} does. A bad value or an
     * unknown key is recorded and reported by {@link #build()} together with every other problem.
     *
     * @param key a {@code tally.*} key
     * @param value its value
     * @return this
     * @throws NullPointerException if {@code key} or {@code value} is null
     */
    public Builder set(String key, String value) {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
      Key<?> known = KEYS.get(key);
      if (known != null) {
        setKnown(known, known.secret ? value : value.trim());
      } else if (isProviderKey(key)) {
        properties.put(variable(key), value.trim());
        propertyNames.put(variable(key), key);
      } else if (!key.startsWith(RESERVED)) {
        problems.put(
            key,
            key.startsWith("tally.")
                ? key + " is not a known key" + hint(key)
                : key + " is not a Tally key (they start with 'tally.')");
      }
      return this;
    }

    private <T> void setKnown(Key<T> key, String value) {
      try {
        T parsed = key.parser.apply(value);
        values.put(key, parsed);
        shown.put(key, value);
        problems.remove(key.name);
      } catch (IllegalArgumentException e) {
        values.remove(key);
        problems.put(
            key.name,
            key.name + " was '" + (key.secret ? MASK : value) + "' but " + e.getMessage());
      }
    }

    /**
     * @param store the store provider's name ({@code tally.store})
     * @return this
     */
    public Builder store(String store) {
      return put(STORE, Objects.requireNonNull(store, "store"));
    }

    /**
     * @param backends the backend providers' names, in order ({@code tally.backends})
     * @return this
     */
    public Builder backends(String... backends) {
      return backends(List.of(Objects.requireNonNull(backends, "backends")));
    }

    /**
     * @param backends the backend providers' names, in order ({@code tally.backends})
     * @return this
     */
    public Builder backends(List<String> backends) {
      return put(BACKENDS, List.copyOf(Objects.requireNonNull(backends, "backends")));
    }

    /**
     * @param trackers the extra tracker providers' names ({@code tally.trackers})
     * @return this
     */
    public Builder trackers(String... trackers) {
      return put(TRACKERS, List.of(Objects.requireNonNull(trackers, "trackers")));
    }

    /**
     * @param replicaId this replica's id ({@code tally.replica-id})
     * @return this
     */
    public Builder replicaId(UUID replicaId) {
      return put(REPLICA_ID, Objects.requireNonNull(replicaId, "replicaId"));
    }

    /**
     * @param migrateOnStart whether to apply missing migrations at start ({@code
     *     tally.migrate-on-start})
     * @return this
     */
    public Builder migrateOnStart(boolean migrateOnStart) {
      return put(MIGRATE_ON_START, migrateOnStart);
    }

    /**
     * @param tablePrefix the table prefix ({@code tally.table-prefix})
     * @return this
     */
    public Builder tablePrefix(String tablePrefix) {
      return put(TABLE_PREFIX, Objects.requireNonNull(tablePrefix, "tablePrefix"));
    }

    /**
     * @param jdbcUrl the database's JDBC URL ({@code tally.jdbc.url})
     * @return this
     */
    public Builder jdbcUrl(String jdbcUrl) {
      return put(JDBC_URL, Objects.requireNonNull(jdbcUrl, "jdbcUrl"));
    }

    /**
     * @param jdbcUser the database user ({@code tally.jdbc.user})
     * @return this
     */
    public Builder jdbcUser(String jdbcUser) {
      return put(JDBC_USER, Objects.requireNonNull(jdbcUser, "jdbcUser"));
    }

    /**
     * @param jdbcPassword the database password ({@code tally.jdbc.password})
     * @return this
     */
    public Builder jdbcPassword(String jdbcPassword) {
      return put(JDBC_PASSWORD, Objects.requireNonNull(jdbcPassword, "jdbcPassword"));
    }

    /**
     * @param poolSize the maximum pool size ({@code tally.jdbc.pool-size})
     * @return this
     */
    public Builder poolSize(int poolSize) {
      return put(POOL_SIZE, poolSize);
    }

    /**
     * @param flushInterval both trackers' default flush interval ({@code tally.flush-interval})
     * @return this
     */
    public Builder flushInterval(Duration flushInterval) {
      return put(FLUSH_INTERVAL, Objects.requireNonNull(flushInterval, "flushInterval"));
    }

    /**
     * @param lastUsedFlushInterval {@code tally.last-used.flush-interval}
     * @return this
     */
    public Builder lastUsedFlushInterval(Duration lastUsedFlushInterval) {
      return put(
          LAST_USED_FLUSH_INTERVAL,
          Objects.requireNonNull(lastUsedFlushInterval, "lastUsedFlushInterval"));
    }

    /**
     * @param lastUsedFlushTimeout {@code tally.last-used.flush-timeout}
     * @return this
     */
    public Builder lastUsedFlushTimeout(Duration lastUsedFlushTimeout) {
      return put(
          LAST_USED_FLUSH_TIMEOUT,
          Objects.requireNonNull(lastUsedFlushTimeout, "lastUsedFlushTimeout"));
    }

    /**
     * @param lastUsedShutdownTimeout {@code tally.last-used.shutdown-timeout}
     * @return this
     */
    public Builder lastUsedShutdownTimeout(Duration lastUsedShutdownTimeout) {
      return put(
          LAST_USED_SHUTDOWN_TIMEOUT,
          Objects.requireNonNull(lastUsedShutdownTimeout, "lastUsedShutdownTimeout"));
    }

    /**
     * @param timestampMode {@code tally.last-used.timestamp-mode}
     * @return this
     */
    public Builder lastUsedTimestampMode(TimestampMode timestampMode) {
      return put(
          LAST_USED_TIMESTAMP_MODE, Objects.requireNonNull(timestampMode, "timestampMode"));
    }

    /**
     * @param usageStatsFlushInterval {@code tally.usage-stats.flush-interval}
     * @return this
     */
    public Builder usageStatsFlushInterval(Duration usageStatsFlushInterval) {
      return put(
          USAGE_FLUSH_INTERVAL,
          Objects.requireNonNull(usageStatsFlushInterval, "usageStatsFlushInterval"));
    }

    /**
     * @param usageStatsFlushTimeout {@code tally.usage-stats.flush-timeout}
     * @return this
     */
    public Builder usageStatsFlushTimeout(Duration usageStatsFlushTimeout) {
      return put(
          USAGE_FLUSH_TIMEOUT,
          Objects.requireNonNull(usageStatsFlushTimeout, "usageStatsFlushTimeout"));
    }

    /**
     * @param usageStatsShutdownTimeout {@code tally.usage-stats.shutdown-timeout}
     * @return this
     */
    public Builder usageStatsShutdownTimeout(Duration usageStatsShutdownTimeout) {
      return put(
          USAGE_SHUTDOWN_TIMEOUT,
          Objects.requireNonNull(usageStatsShutdownTimeout, "usageStatsShutdownTimeout"));
    }

    /**
     * @param usageReportPeriod {@code tally.usage-stats.report-period}
     * @return this
     */
    public Builder usageReportPeriod(Duration usageReportPeriod) {
      return put(
          USAGE_REPORT_PERIOD, Objects.requireNonNull(usageReportPeriod, "usageReportPeriod"));
    }

    /**
     * @param batchSize {@code tally.batch.size}
     * @return this
     */
    public Builder batchSize(int batchSize) {
      return put(BATCH_SIZE, batchSize);
    }

    /**
     * @param batchFlushInterval {@code tally.batch.flush-interval}
     * @return this
     */
    public Builder batchFlushInterval(Duration batchFlushInterval) {
      return put(
          BATCH_FLUSH_INTERVAL, Objects.requireNonNull(batchFlushInterval, "batchFlushInterval"));
    }

    /**
     * @param batchQueueCapacity {@code tally.batch.queue-capacity}
     * @return this
     */
    public Builder batchQueueCapacity(int batchQueueCapacity) {
      return put(BATCH_QUEUE_CAPACITY, batchQueueCapacity);
    }

    /**
     * @param batchMaxPending {@code tally.batch.max-pending}
     * @return this
     */
    public Builder batchMaxPending(int batchMaxPending) {
      return put(BATCH_MAX_PENDING, batchMaxPending);
    }

    /**
     * @param batchParallelism {@code tally.batch.parallelism}
     * @return this
     */
    public Builder batchParallelism(int batchParallelism) {
      return put(BATCH_PARALLELISM, batchParallelism);
    }

    /**
     * @param batchWriteTimeout {@code tally.batch.write-timeout}
     * @return this
     */
    public Builder batchWriteTimeout(Duration batchWriteTimeout) {
      return put(
          BATCH_WRITE_TIMEOUT, Objects.requireNonNull(batchWriteTimeout, "batchWriteTimeout"));
    }

    /**
     * @param batchFlushTimeout {@code tally.batch.flush-timeout}
     * @return this
     */
    public Builder batchFlushTimeout(Duration batchFlushTimeout) {
      return put(
          BATCH_FLUSH_TIMEOUT, Objects.requireNonNull(batchFlushTimeout, "batchFlushTimeout"));
    }

    /**
     * @param batchShutdownTimeout {@code tally.batch.shutdown-timeout}
     * @return this
     */
    public Builder batchShutdownTimeout(Duration batchShutdownTimeout) {
      return put(
          BATCH_SHUTDOWN_TIMEOUT,
          Objects.requireNonNull(batchShutdownTimeout, "batchShutdownTimeout"));
    }

    /**
     * @param retryMaxAttempts {@code tally.batch.retry.max-attempts}
     * @return this
     */
    public Builder retryMaxAttempts(int retryMaxAttempts) {
      return put(RETRY_MAX_ATTEMPTS, retryMaxAttempts);
    }

    /**
     * @param retryInitialBackoff {@code tally.batch.retry.initial-backoff}
     * @return this
     */
    public Builder retryInitialBackoff(Duration retryInitialBackoff) {
      return put(
          RETRY_INITIAL_BACKOFF,
          Objects.requireNonNull(retryInitialBackoff, "retryInitialBackoff"));
    }

    /**
     * @param retryMaxBackoff {@code tally.batch.retry.max-backoff}
     * @return this
     */
    public Builder retryMaxBackoff(Duration retryMaxBackoff) {
      return put(RETRY_MAX_BACKOFF, Objects.requireNonNull(retryMaxBackoff, "retryMaxBackoff"));
    }

    /**
     * @param retention {@code tally.connection-log.retention}: turns retention on
     * @return this
     */
    public Builder connectionLogRetention(Duration retention) {
      return put(RETENTION, Objects.requireNonNull(retention, "retention"));
    }

    /**
     * @param interval {@code tally.connection-log.retention-interval}
     * @return this
     */
    public Builder connectionLogRetentionInterval(Duration interval) {
      return put(RETENTION_INTERVAL, Objects.requireNonNull(interval, "interval"));
    }

    /**
     * @param batchSize {@code tally.connection-log.retention-batch-size}
     * @return this
     */
    public Builder connectionLogRetentionBatchSize(int batchSize) {
      return put(RETENTION_BATCH_SIZE, batchSize);
    }

    /**
     * @param healthPolicy sets {@code tally.health.degraded-after-failures} and {@code
     *     tally.health.failing-after}
     * @return this
     */
    public Builder healthPolicy(HealthPolicy healthPolicy) {
      Objects.requireNonNull(healthPolicy, "healthPolicy");
      put(HEALTH_DEGRADED_AFTER, healthPolicy.degradedAfterFailures());
      return put(HEALTH_FAILING_AFTER, healthPolicy.failingAfter());
    }

    /**
     * @param slogLogger {@code tally.backend.slog.logger}
     * @return this
     */
    public Builder slogLogger(String slogLogger) {
      return put(SLOG_LOGGER, Objects.requireNonNull(slogLogger, "slogLogger"));
    }

    /**
     * @param slogLevel {@code tally.backend.slog.level}
     * @return this
     */
    public Builder slogLevel(Level slogLevel) {
      return put(SLOG_LEVEL, Objects.requireNonNull(slogLevel, "slogLevel"));
    }

    /**
     * @param fields {@code tally.backend.slog.redacted-fields}
     * @return this
     */
    public Builder slogRedactedFields(String... fields) {
      return put(SLOG_REDACTED_FIELDS, List.of(Objects.requireNonNull(fields, "fields")));
    }

    /**
     * Checks every setting and builds the configuration. Without a replica id, a random one is
     * chosen for this configuration (each call of {@code build()} chooses a new one).
     *
     * @return the configuration
     * @throws ConfigException listing every problem: unknown keys, unreadable values and values
     *     that break their rule
     */
    public TallyConfig build() {
      Map<String, String> all = new TreeMap<>(problems);
      for (Map.Entry<Key<?>, Object> e : values.entrySet()) {
        String problem = e.getKey().check(e.getValue(), shown.get(e.getKey()));
        if (problem != null) {
          all.put(e.getKey().name, problem);
        }
      }
      Duration initial = (Duration) values.getOrDefault(RETRY_INITIAL_BACKOFF, DEFAULT_RETRY_INITIAL_BACKOFF);
      Duration max = (Duration) values.getOrDefault(RETRY_MAX_BACKOFF, DEFAULT_RETRY_MAX_BACKOFF);
      if (!all.containsKey(RETRY_MAX_BACKOFF.name)
          && !all.containsKey(RETRY_INITIAL_BACKOFF.name)
          && max.compareTo(initial) < 0) {
        all.put(
            RETRY_MAX_BACKOFF.name,
            RETRY_MAX_BACKOFF.name
                + " was '"
                + formatDuration(max)
                + "' but must be >= "
                + RETRY_INITIAL_BACKOFF.name
                + " ('"
                + formatDuration(initial)
                + "')");
      }
      Integer maxPending = (Integer) values.get(BATCH_MAX_PENDING);
      int size = (Integer) values.getOrDefault(BATCH_SIZE, DEFAULT_BATCH_SIZE);
      if (maxPending != null && !all.containsKey(BATCH_MAX_PENDING.name) && maxPending < size) {
        all.put(
            BATCH_MAX_PENDING.name,
            BATCH_MAX_PENDING.name + " was '" + maxPending + "' but must be >= tally.batch.size ('" + size + "')");
      }
      Integer parallelism = (Integer) values.get(BATCH_PARALLELISM);
      int pool = (Integer) values.getOrDefault(POOL_SIZE, DEFAULT_POOL_SIZE);
      if (parallelism != null
          && !all.containsKey(BATCH_PARALLELISM.name)
          && parallelism > maxParallelism(pool)) {
        all.put(
            BATCH_PARALLELISM.name,
            BATCH_PARALLELISM.name
                + " was '"
                + parallelism
                + "' but must be <= tally.jdbc.pool-size - "
                + POOL_CONNECTIONS_KEPT
                + " ('"
                + maxParallelism(pool)
                + "'), so the other components keep a connection");
      }
      List<String> list = new ArrayList<>(all.values());
      if (!list.isEmpty()) {
        throw new ConfigException(list);
      }
      UUID replicaId = (UUID) values.get(REPLICA_ID);
      return new TallyConfig(this, replicaId != null ? replicaId : UUID.randomUUID());
    }
  }
}
