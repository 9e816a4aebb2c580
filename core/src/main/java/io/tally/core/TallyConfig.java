package io.tally.core;

import io.tally.core.internal.SecretText;
import io.tally.core.lastused.TimestampMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * Tally's configuration: which store and backends to use, how to reach the database and every
 * component's intervals, sizes, timeouts and retry policy. Immutable and thread-safe.
 *
 * <p>Build one with {@link #builder()} (typed setters, or {@link Builder#set(String, String)} for
 * any key), from a map of {@code tally.*} keys with {@link #from(Map)}, or from the process with
 * {@link #fromEnvironment()}: defaults, overridden by system properties, overridden by environment
 * variables. An environment variable names a key in upper case with every {@code .} and {@code -}
 * turned into {@code _}: {@code TALLY_FLUSH_INTERVAL} sets {@code tally.flush-interval}, {@code
 * TALLY_BATCH_SIZE} sets {@code tally.batch.size}. A {@code TALLY_*} variable that names no setting
 * is logged at WARN and ignored, since other tools share that namespace; an unknown {@code tally.*}
 * system property or key is an error.
 *
 * <p>Validation is strict and complete: {@code build()} and {@code from(..)} check every key and
 * throw one {@link ConfigException} listing every problem, for example {@code tally.batch.size was
 * '0' but must be >= 1}. A key under {@code tally.} that Tally does not know is an error (a typo),
 * except keys under {@code tally.store.<name>.}, {@code tally.backend.<name>.} and {@code
 * tally.tracker.<name>.}, which belong to that provider, and keys under {@code tally.test.}, which
 * are reserved for Tally's test tooling and ignored. A provider that declares its keys ({@link
 * ConfigKey}, the providers' {@code keys()}) has them checked when Tally starts, together with
 * every other selected provider's, and reads them with {@link #get(ConfigKey)}; a provider that
 * declares none reads its keys unchecked with {@link #property(String)}. Keys that do not start
 * with {@code tally.} are ignored by {@code from(..)}. Values are trimmed, except the password.
 *
 * <p>Durations are written {@code 250ms}, {@code 5s}, {@code 1m}, {@code 2h}, {@code 1d} or in
 * ISO-8601 ({@code PT5S}); every duration must be positive and at most {@code 365d} ({@link
 * #MAX_DURATION}), for example {@code tally.flush-interval was '200000d' but must be at most 365d}.
 * Lists are comma-separated; booleans are {@code true} or {@code false}.
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code tally.store}</td><td>the one store provider that accepts {@code
 *       tally.jdbc.url}; {@code h2} without a URL</td>
 *       <td>the store provider's name ({@code h2}, {@code postgres}, {@code mariadb} or a third
 *       party's: 1 to 40 lower-case letters, digits, {@code -} or {@code _}, the whole value).
 *       Unset, Tally asks every store provider whether it takes the URL ({@code
 *       StoreProvider.acceptsJdbcUrl}) when it starts; none or several is an error. A built-in
 *       store refuses a URL of another database's scheme, naming the scheme it needs but never
 *       showing the URL</td></tr>
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
 *   <tr><td>{@code tally.store.<name>.*}, {@code tally.backend.<name>.*}, {@code
 *       tally.tracker.<name>.*}</td><td></td>
 *       <td>settings of a provider, documented by it (the {@code slog} backend's in {@code
 *       io.tally.backend.slog}, the {@code nats} backend's in {@code io.tally.backend.nats});
 *       {@link #toString()} shows as {@code ****} those whose key contains {@code password},
 *       {@code secret}, {@code token}, {@code credential}, {@code key}, {@code auth}, {@code pass}
 *       or {@code pwd}</td></tr>
 * </table>
 */
@NullMarked
public final class TallyConfig {
  /**
   * The store provider used when neither {@code tally.store} nor {@code tally.jdbc.url} is set:
   * {@value}.
   */
  public static final String DEFAULT_STORE = "h2";

  /** The default backend providers: {@value}. */
  public static final String DEFAULT_BACKENDS = "db";

  /** The default table prefix: {@value}. */
  public static final String DEFAULT_TABLE_PREFIX = "tally_";

  /**
   * The longest {@code tally.table-prefix}: {@value} characters, the stores' limit too (so that the
   * longest name a store derives from it fits PostgreSQL's 63 bytes).
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

  /**
   * The default logger of the {@code slog} backend: {@value}.
   *
   * @deprecated the {@code slog} backend owns its keys: use {@code
   *     io.tally.backend.slog.SlogBackend.DEFAULT_LOGGER_NAME}
   */
  @Deprecated(since = "0.2", forRemoval = true)
  public static final String DEFAULT_SLOG_LOGGER = "io.tally.connection_log";

  /**
   * The longest duration any setting accepts: 365 days. Longer ones are refused rather than
   * overflowing a scheduler's nanosecond arithmetic.
   */
  public static final Duration MAX_DURATION = ConfigValues.MAX_DURATION;

  /** The largest {@code tally.jdbc.pool-size}: {@value}. */
  public static final int MAX_POOL_SIZE = 1_000;

  /** The largest {@code tally.batch.size}: {@value}. */
  public static final int MAX_BATCH_SIZE = 100_000;

  /**
   * The largest {@code tally.batch.queue-capacity}: {@value} (the queue is allocated up front, so a
   * larger one could exhaust the heap).
   */
  public static final int MAX_QUEUE_CAPACITY = 1_000_000;

  /** The largest {@code tally.batch.retry.max-attempts}: {@value}. */
  public static final int MAX_RETRY_ATTEMPTS = 1_000;

  /** The largest {@code tally.connection-log.retention-batch-size}: {@value}. */
  public static final int MAX_RETENTION_BATCH_SIZE = 100_000;

  /** The largest {@code tally.health.degraded-after-failures}: {@value}. */
  public static final int MAX_DEGRADED_AFTER_FAILURES = 10_000;

  private static final String MASK = "****";
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,39}");
  private static final Pattern PREFIX =
      Pattern.compile("([A-Za-z_][A-Za-z0-9_]{0," + (MAX_TABLE_PREFIX_LENGTH - 1) + "})?");
  private static final List<String> PROVIDER_PREFIXES =
      List.of("tally.store.", "tally.backend.", "tally.tracker.");
  private static final String RESERVED = "tally.test.";
  private static final String SLOG_PREFIX = "tally.backend.slog.";

  private static final Map<String, ConfigKey<?>> KEYS = new LinkedHashMap<>();

  private static final ConfigKey<String> STORE =
      register(
          ConfigKey.text(
              "tally.store",
              DEFAULT_STORE,
              n -> NAME.matcher(n).matches(),
              "must be a provider name (lower-case letters, digits, '-' and '_', starting with a"
                  + " letter or digit)"));
  private static final ConfigKey<List<String>> BACKENDS =
      register(names("tally.backends", List.of(DEFAULT_BACKENDS)));
  private static final ConfigKey<List<String>> TRACKERS =
      register(names("tally.trackers", List.of()));
  private static final ConfigKey<UUID> REPLICA_ID =
      register(
          ConfigKey.of(
              "tally.replica-id", ConfigValues::parseUuid, UUID::toString, null, null, false));
  private static final ConfigKey<Boolean> MIGRATE_ON_START =
      register(ConfigKey.flag("tally.migrate-on-start", true));
  private static final ConfigKey<String> TABLE_PREFIX =
      register(
          ConfigKey.text(
              "tally.table-prefix",
              DEFAULT_TABLE_PREFIX,
              p -> PREFIX.matcher(p).matches(),
              "must be empty or an SQL identifier of at most "
                  + MAX_TABLE_PREFIX_LENGTH
                  + " characters"));
  private static final ConfigKey<String> JDBC_URL =
      register(ConfigKey.text("tally.jdbc.url", null));
  private static final ConfigKey<String> JDBC_USER =
      register(ConfigKey.text("tally.jdbc.user", null));
  private static final ConfigKey<String> JDBC_PASSWORD =
      register(ConfigKey.secret("tally.jdbc.password"));
  static final ConfigKey<Integer> POOL_SIZE =
      register(ConfigKey.integer("tally.jdbc.pool-size", DEFAULT_POOL_SIZE, 1, MAX_POOL_SIZE));
  private static final ConfigKey<Duration> NETWORK_TIMEOUT =
      register(ConfigKey.duration("tally.jdbc.network-timeout", null));
  private static final ConfigKey<Duration> MIGRATION_TIMEOUT =
      register(ConfigKey.duration("tally.jdbc.migration-timeout", DEFAULT_MIGRATION_TIMEOUT));
  private static final ConfigKey<Duration> CLOSE_TIMEOUT =
      register(ConfigKey.duration("tally.close-timeout", DEFAULT_CLOSE_TIMEOUT));
  private static final ConfigKey<Boolean> REQUIRE_DATABASE =
      register(ConfigKey.flag("tally.start.require-database", true));
  private static final ConfigKey<Duration> FLUSH_INTERVAL =
      register(ConfigKey.duration("tally.flush-interval", DEFAULT_FLUSH_INTERVAL));
  private static final ConfigKey<Duration> LAST_USED_FLUSH_INTERVAL =
      register(ConfigKey.duration("tally.last-used.flush-interval", null));
  private static final ConfigKey<Duration> LAST_USED_FLUSH_TIMEOUT =
      register(ConfigKey.duration("tally.last-used.flush-timeout", DEFAULT_FLUSH_TIMEOUT));
  private static final ConfigKey<Duration> LAST_USED_SHUTDOWN_TIMEOUT =
      register(ConfigKey.duration("tally.last-used.shutdown-timeout", DEFAULT_SHUTDOWN_TIMEOUT));
  private static final ConfigKey<TimestampMode> LAST_USED_TIMESTAMP_MODE =
      register(
          ConfigKey.choice(
              "tally.last-used.timestamp-mode", TimestampMode.class, TimestampMode.EVENT_TIME));
  private static final ConfigKey<Duration> USAGE_FLUSH_INTERVAL =
      register(ConfigKey.duration("tally.usage-stats.flush-interval", null));
  private static final ConfigKey<Duration> USAGE_FLUSH_TIMEOUT =
      register(ConfigKey.duration("tally.usage-stats.flush-timeout", DEFAULT_FLUSH_TIMEOUT));
  private static final ConfigKey<Duration> USAGE_SHUTDOWN_TIMEOUT =
      register(ConfigKey.duration("tally.usage-stats.shutdown-timeout", DEFAULT_SHUTDOWN_TIMEOUT));
  private static final ConfigKey<Duration> USAGE_REPORT_PERIOD =
      register(ConfigKey.duration("tally.usage-stats.report-period", DEFAULT_REPORT_PERIOD));
  static final ConfigKey<Integer> BATCH_SIZE =
      register(ConfigKey.integer("tally.batch.size", DEFAULT_BATCH_SIZE, 1, MAX_BATCH_SIZE));
  private static final ConfigKey<Duration> BATCH_FLUSH_INTERVAL =
      register(ConfigKey.duration("tally.batch.flush-interval", DEFAULT_BATCH_FLUSH_INTERVAL));
  private static final ConfigKey<Integer> BATCH_QUEUE_CAPACITY =
      register(ConfigKey.integer("tally.batch.queue-capacity", null, 1, MAX_QUEUE_CAPACITY));
  private static final ConfigKey<Duration> BATCH_WRITE_TIMEOUT =
      register(ConfigKey.duration("tally.batch.write-timeout", DEFAULT_BATCH_WRITE_TIMEOUT));
  private static final ConfigKey<Duration> BATCH_FLUSH_TIMEOUT =
      register(ConfigKey.duration("tally.batch.flush-timeout", DEFAULT_FLUSH_TIMEOUT));
  private static final ConfigKey<Duration> BATCH_SHUTDOWN_TIMEOUT =
      register(ConfigKey.duration("tally.batch.shutdown-timeout", DEFAULT_SHUTDOWN_TIMEOUT));
  private static final ConfigKey<Integer> RETRY_MAX_ATTEMPTS =
      register(ConfigKey.integer("tally.batch.retry.max-attempts", null, 0, MAX_RETRY_ATTEMPTS));
  static final ConfigKey<Integer> BATCH_MAX_PENDING =
      register(ConfigKey.integer("tally.batch.max-pending", null, 1, MAX_BATCH_MAX_PENDING));
  static final ConfigKey<Integer> BATCH_PARALLELISM =
      register(ConfigKey.integer("tally.batch.parallelism", null, 1, MAX_BATCH_PARALLELISM));
  static final ConfigKey<Duration> RETRY_INITIAL_BACKOFF =
      register(
          ConfigKey.duration("tally.batch.retry.initial-backoff", DEFAULT_RETRY_INITIAL_BACKOFF));
  static final ConfigKey<Duration> RETRY_MAX_BACKOFF =
      register(ConfigKey.duration("tally.batch.retry.max-backoff", DEFAULT_RETRY_MAX_BACKOFF));
  private static final ConfigKey<Duration> RETENTION =
      register(ConfigKey.duration("tally.connection-log.retention", null));
  private static final ConfigKey<Duration> RETENTION_INTERVAL =
      register(
          ConfigKey.duration(
              "tally.connection-log.retention-interval", DEFAULT_RETENTION_INTERVAL));
  private static final ConfigKey<Integer> RETENTION_BATCH_SIZE =
      register(
          ConfigKey.integer(
              "tally.connection-log.retention-batch-size",
              DEFAULT_RETENTION_BATCH_SIZE,
              1,
              MAX_RETENTION_BATCH_SIZE));
  private static final ConfigKey<Integer> HEALTH_DEGRADED_AFTER =
      register(
          ConfigKey.integer(
              "tally.health.degraded-after-failures",
              HealthPolicy.DEFAULT_DEGRADED_AFTER_FAILURES,
              1,
              MAX_DEGRADED_AFTER_FAILURES));
  private static final ConfigKey<Duration> HEALTH_FAILING_AFTER =
      register(
          ConfigKey.duration("tally.health.failing-after", HealthPolicy.DEFAULT_FAILING_AFTER));

  /** Known keys by their environment-variable form, e.g. TALLY_BATCH_SIZE. */
  private static final Map<String, ConfigKey<?>> KEYS_BY_VARIABLE = new HashMap<>();

  static {
    for (ConfigKey<?> key : KEYS.values()) {
      ConfigKey<?> clash = KEYS_BY_VARIABLE.put(KeyHints.variable(key.name()), key);
      if (clash != null) {
        throw new AssertionError(key.name() + " and " + clash.name() + " share a variable name");
      }
    }
  }

  private final Map<ConfigKey<?>, Object> values;
  private final boolean storeConfigured; // tally.store was set
  private final Map<String, String> properties; // provider keys by variable form -> value
  private final Map<String, String> propertyNames; // provider keys by variable form -> key

  private TallyConfig(Builder b, UUID replicaId) {
    Map<ConfigKey<?>, Object> v = new HashMap<>();
    for (ConfigKey<?> key : KEYS.values()) {
      Object value =
          b.values.containsKey(key) ? b.values.get(key) : key.defaultValue().orElse(null);
      if (value != null) {
        v.put(key, value);
      }
    }
    v.put(REPLICA_ID, replicaId);
    this.values = Collections.unmodifiableMap(v);
    this.storeConfigured = b.values.containsKey(STORE);
    this.properties = Collections.unmodifiableMap(new TreeMap<>(b.properties));
    this.propertyNames = Collections.unmodifiableMap(new TreeMap<>(b.propertyNames));
  }

  /**
   * @return a builder with every key at its default
   */
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
    Map<String, String> layered =
        EnvironmentConfig.layer(
            systemProperties,
            environment,
            variable -> {
              ConfigKey<?> key = KEYS_BY_VARIABLE.get(variable);
              return key == null ? null : key.name();
            },
            TallyConfig::isProviderKey,
            KeyHints.variable(RESERVED),
            TallyConfig::hint);
    Builder b = builder();
    layered.forEach(b::set);
    return b.build();
  }

  /**
   * @return every key Tally knows, in documentation order
   */
  static Set<String> knownKeys() {
    return Collections.unmodifiableSet(KEYS.keySet());
  }

  /**
   * Returns {@code tally.store} when it is set, else {@value #DEFAULT_STORE}. When it is not set
   * but {@code tally.jdbc.url} is, Tally chooses the store when it starts, asking the store
   * providers which one accepts the URL; {@link #configuredStore()} tells whether it was set, and
   * {@code TallyModule.config()} holds the store chosen.
   *
   * @return the configured store provider's name, or {@value #DEFAULT_STORE}
   */
  public String store() {
    return value(STORE);
  }

  /**
   * Returns {@code tally.store} as configured.
   *
   * @return the store provider's name, or empty when {@code tally.store} was not set
   */
  public Optional<String> configuredStore() {
    return storeConfigured ? Optional.of(value(STORE)) : Optional.empty();
  }

  /**
   * Returns this configuration with {@code tally.store} set, the replica id and everything else
   * unchanged: the module binds it once the store is chosen from the URL.
   */
  TallyConfig withStore(String store) {
    Builder b = builder();
    b.values.putAll(values);
    b.values.put(STORE, store);
    b.properties.putAll(properties);
    b.propertyNames.putAll(propertyNames);
    return new TallyConfig(b, replicaId());
  }

  /**
   * @return the backend providers' names, in configured order; unmodifiable
   */
  public List<String> backends() {
    return value(BACKENDS);
  }

  /**
   * @return the extra tracker providers' names, in configured order; unmodifiable
   */
  public List<String> trackers() {
    return value(TRACKERS);
  }

  /**
   * Returns this replica's id: {@code tally.replica-id}, or a random UUID chosen when this
   * configuration was built without one; either way the same for every call.
   *
   * @return this replica's id
   */
  public UUID replicaId() {
    return value(REPLICA_ID);
  }

  /**
   * @return whether Tally applies missing schema migrations when it starts
   */
  public boolean migrateOnStart() {
    return value(MIGRATE_ON_START);
  }

  /**
   * @return the prefix of every table name
   */
  public String tablePrefix() {
    return value(TABLE_PREFIX);
  }

  /**
   * @return the database's JDBC URL, if configured
   */
  public Optional<String> jdbcUrl() {
    return Optional.ofNullable(value(JDBC_URL));
  }

  /**
   * @return the database user, if configured
   */
  public Optional<String> jdbcUser() {
    return Optional.ofNullable(value(JDBC_USER));
  }

  /**
   * @return the database password, if configured; never log it
   */
  public Optional<String> jdbcPassword() {
    return Optional.ofNullable(value(JDBC_PASSWORD));
  }

  /**
   * @return the maximum size of the connection pool Tally creates
   */
  public int poolSize() {
    return value(POOL_SIZE);
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
    Duration set = value(NETWORK_TIMEOUT);
    return set != null ? set : longestFlushTimeout().plus(NETWORK_TIMEOUT_MARGIN);
  }

  /**
   * @return the longest of the last-used, usage-stats and connection-log flush timeouts
   */
  public Duration longestFlushTimeout() {
    Duration a = lastUsedFlushTimeout();
    Duration b = usageStatsFlushTimeout();
    Duration c = batchFlushTimeout();
    Duration ab = a.compareTo(b) >= 0 ? a : b;
    return ab.compareTo(c) >= 0 ? ab : c;
  }

  /**
   * @return the network, statement and lock timeout of the schema migrations
   */
  public Duration jdbcMigrationTimeout() {
    return value(MIGRATION_TIMEOUT);
  }

  /**
   * @return the bound on the whole of {@code Tally.close()}
   */
  public Duration closeTimeout() {
    return value(CLOSE_TIMEOUT);
  }

  /**
   * @return whether {@code Tally.start} fails when the database cannot be reached ({@code true},
   *     the default) rather than starting and buffering
   */
  public boolean requireDatabaseAtStart() {
    return value(REQUIRE_DATABASE);
  }

  /**
   * @return the flush interval of the trackers that do not set their own
   */
  public Duration flushInterval() {
    return value(FLUSH_INTERVAL);
  }

  /**
   * @return how often the last-used tracker writes
   */
  public Duration lastUsedFlushInterval() {
    return orElse(LAST_USED_FLUSH_INTERVAL, FLUSH_INTERVAL);
  }

  /**
   * @return how long one last-used flush may take
   */
  public Duration lastUsedFlushTimeout() {
    return value(LAST_USED_FLUSH_TIMEOUT);
  }

  /**
   * @return the bound on the last-used tracker's final flush at close
   */
  public Duration lastUsedShutdownTimeout() {
    return value(LAST_USED_SHUTDOWN_TIMEOUT);
  }

  /**
   * @return the last-used tracker's timestamp mode
   */
  public TimestampMode lastUsedTimestampMode() {
    return value(LAST_USED_TIMESTAMP_MODE);
  }

  /**
   * @return how often the usage-stats tracker writes
   */
  public Duration usageStatsFlushInterval() {
    return orElse(USAGE_FLUSH_INTERVAL, FLUSH_INTERVAL);
  }

  /**
   * @return how long one usage-stats flush may take
   */
  public Duration usageStatsFlushTimeout() {
    return value(USAGE_FLUSH_TIMEOUT);
  }

  /**
   * @return the bound on the usage-stats tracker's final flush at close
   */
  public Duration usageStatsShutdownTimeout() {
    return value(USAGE_SHUTDOWN_TIMEOUT);
  }

  /**
   * @return the usage reporter's period
   */
  public Duration usageReportPeriod() {
    return value(USAGE_REPORT_PERIOD);
  }

  /**
   * @return connection-log events per database write
   */
  public int batchSize() {
    return value(BATCH_SIZE);
  }

  /**
   * @return how often a partial connection-log batch is written
   */
  public Duration batchFlushInterval() {
    return value(BATCH_FLUSH_INTERVAL);
  }

  /**
   * @return connection-log events queued before {@code write} blocks
   */
  public int batchQueueCapacity() {
    return values.containsKey(BATCH_QUEUE_CAPACITY) ? value(BATCH_QUEUE_CAPACITY) : batchSize();
  }

  /**
   * @return how long a connection-log {@code write} waits for room in a full queue
   */
  public Duration batchWriteTimeout() {
    return value(BATCH_WRITE_TIMEOUT);
  }

  /**
   * @return how long one connection-log write to the database may take
   */
  public Duration batchFlushTimeout() {
    return value(BATCH_FLUSH_TIMEOUT);
  }

  /**
   * @return the bound on draining the connection log at close
   */
  public Duration batchShutdownTimeout() {
    return value(BATCH_SHUTDOWN_TIMEOUT);
  }

  /**
   * @return retries of a failed connection-log batch before it is dropped; {@link
   *     #DEFAULT_RETRY_MAX_ATTEMPTS} (unlimited) when not set
   */
  public int retryMaxAttempts() {
    return values.containsKey(RETRY_MAX_ATTEMPTS)
        ? value(RETRY_MAX_ATTEMPTS)
        : DEFAULT_RETRY_MAX_ATTEMPTS;
  }

  /**
   * @return connection-log events held in memory at most (queue not included)
   */
  public int batchMaxPending() {
    return values.containsKey(BATCH_MAX_PENDING)
        ? value(BATCH_MAX_PENDING)
        : (int) Math.min(MAX_BATCH_MAX_PENDING, Math.max(batchSize(), 10L * batchSize()));
  }

  /**
   * Returns how many connection-log writes run at once: {@code tally.batch.parallelism}, by default
   * the machine's cores, at most {@value #DEFAULT_BATCH_PARALLELISM_CAP} and at most {@code
   * tally.jdbc.pool-size} − {@value #POOL_CONNECTIONS_KEPT} (at least 1).
   *
   * @return the connection log's parallelism
   */
  public int batchParallelism() {
    if (values.containsKey(BATCH_PARALLELISM)) {
      return value(BATCH_PARALLELISM);
    }
    int cores = Runtime.getRuntime().availableProcessors();
    return Math.min(Math.min(cores, DEFAULT_BATCH_PARALLELISM_CAP), maxParallelism(poolSize()));
  }

  static int maxParallelism(int poolSize) {
    return Math.max(1, poolSize - POOL_CONNECTIONS_KEPT);
  }

  /**
   * @return the wait before the first retry
   */
  public Duration retryInitialBackoff() {
    return value(RETRY_INITIAL_BACKOFF);
  }

  /**
   * @return the longest wait between retries
   */
  public Duration retryMaxBackoff() {
    return value(RETRY_MAX_BACKOFF);
  }

  /**
   * @return how long connection-log rows are kept; empty (the default) keeps them for ever
   */
  public Optional<Duration> connectionLogRetention() {
    return Optional.ofNullable(value(RETENTION));
  }

  /**
   * @return how long after one retention run the next starts
   */
  public Duration connectionLogRetentionInterval() {
    return value(RETENTION_INTERVAL);
  }

  /**
   * @return rows one retention delete removes
   */
  public int connectionLogRetentionBatchSize() {
    return value(RETENTION_BATCH_SIZE);
  }

  /**
   * @return the health policy every component uses
   */
  public HealthPolicy healthPolicy() {
    return HealthPolicy.of(value(HEALTH_DEGRADED_AFTER), value(HEALTH_FAILING_AFTER));
  }

  /**
   * Returns {@code tally.backend.slog.logger}, unchecked: the {@code slog} backend checks its keys.
   *
   * @return the SLF4J logger name of the {@code slog} backend
   * @deprecated the {@code slog} backend owns its keys: read {@code
   *     get(io.tally.backend.slog.SlogBackendProvider.LOGGER)}
   */
  @Deprecated(since = "0.2", forRemoval = true)
  public String slogLogger() {
    return property(SLOG_PREFIX + "logger").orElse(DEFAULT_SLOG_LOGGER);
  }

  /**
   * Returns {@code tally.backend.slog.redacted-fields}, unchecked: the {@code slog} backend checks
   * its keys.
   *
   * @return event fields the {@code slog} backend masks; unmodifiable
   * @deprecated the {@code slog} backend owns its keys: read {@code
   *     get(io.tally.backend.slog.SlogBackendProvider.REDACTED_FIELDS)}
   */
  @Deprecated(since = "0.2", forRemoval = true)
  public List<String> slogRedactedFields() {
    return property(SLOG_PREFIX + "redacted-fields").map(ConfigValues::parseList).orElse(List.of());
  }

  /**
   * Returns the value of a key, as configured or its default: a key of Tally's own or a provider's
   * (see {@link ConfigKey}).
   *
   * @param <T> the value's type
   * @param key the key
   * @return its value
   * @throws NullPointerException if {@code key} is null
   * @throws ConfigException if the configured value cannot be read or breaks the key's rule
   * @throws NoSuchElementException if the key is not set and has no default; use {@link
   *     #find(ConfigKey)} for such keys
   */
  public <T> T get(ConfigKey<T> key) {
    return find(key)
        .orElseThrow(
            () -> new NoSuchElementException(key.name() + " is not set and has no default"));
  }

  /**
   * Returns the value of a key, as configured or its default, if it has either.
   *
   * @param <T> the value's type
   * @param key the key
   * @return its value, or empty when it is not set and has no default
   * @throws NullPointerException if {@code key} is null
   * @throws ConfigException if the configured value cannot be read or breaks the key's rule
   */
  public <T> Optional<T> find(ConfigKey<T> key) {
    Objects.requireNonNull(key, "key");
    Optional<String> raw = property(key.name());
    return raw.isPresent() ? Optional.of(key.parse(raw.get())) : key.defaultValue();
  }

  /**
   * Checks a provider's keys against this configuration and returns every problem: each configured
   * value of {@code keys} that cannot be read or breaks its rule, and each configured key under
   * {@code namespace} that is not one of {@code keys} (a typo, with a hint). Tally runs it for
   * every selected provider that declares keys when it starts; a provider may run it itself when it
   * is used without Tally.
   *
   * @param namespace the provider's prefix, e.g. {@code tally.backend.slog.}
   * @param keys the provider's keys
   * @return the problems, empty when there is none; unmodifiable
   * @throws NullPointerException if an argument or a key is null
   */
  public List<String> keyProblems(String namespace, Collection<? extends ConfigKey<?>> keys) {
    return DeclaredKeys.problems(this, namespace, keys, propertyNames.values());
  }

  /**
   * Returns a setting in its string form, for providers: a key under {@code tally.store.<name>.} or
   * {@code tally.backend.<name>.} as configured, or any key Tally knows (its configured or default
   * value).
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
    ConfigKey<?> known = KEYS.get(key);
    if (known != null) {
      return Optional.ofNullable(values.get(known)).map(v -> format(known, v));
    }
    return Optional.ofNullable(properties.get(KeyHints.variable(key)));
  }

  @Override
  public boolean equals(@Nullable Object o) {
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
   * information ({@code Secrets.redactUrl}), and as {@code ****} the provider settings whose key
   * contains {@code password}, {@code secret}, {@code token}, {@code credential}, {@code key},
   * {@code auth}, {@code pass} or {@code pwd} in any case ({@code Secrets.isSecretName}).
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("TallyConfig{");
    String sep = "";
    for (ConfigKey<?> key : KEYS.values()) {
      Object value = values.get(key);
      if (value != null) {
        String shown = key.isSecret() ? MASK : format(key, value);
        if (key == JDBC_URL) {
          shown = redactUrl(shown);
        }
        sb.append(sep).append(key.name()).append('=').append(shown);
        sep = ", ";
      }
    }
    for (Map.Entry<String, String> e : propertyNames.entrySet()) {
      String name = e.getValue();
      sb.append(sep)
          .append(name)
          .append('=')
          .append(SecretText.isSecretName(name) ? MASK : properties.get(e.getKey()));
      sep = ", ";
    }
    return sb.append('}').toString();
  }

  /**
   * Returns a JDBC URL safe to log: see {@code Secrets.redactUrl}.
   *
   * @param url a JDBC URL
   * @return the URL without user information, parameters or properties
   */
  static String redactUrl(String url) {
    return SecretText.redactUrl(url);
  }

  /** The value of one of Tally's keys; null only for keys without a default that are not set. */
  private <T> @Nullable T value(ConfigKey<T> key) {
    Object v = values.get(key);
    return v == null ? null : key.cast(v);
  }

  private static <T> String format(ConfigKey<T> key, Object value) {
    return key.format(key.cast(value));
  }

  private Duration orElse(ConfigKey<Duration> key, ConfigKey<Duration> fallback) {
    return values.containsKey(key) ? value(key) : value(fallback);
  }

  /**
   * Tells whether a key belongs to a provider: {@code tally.store.<name>.<key>}, {@code
   * tally.backend.<name>.<key>} or {@code tally.tracker.<name>.<key>}.
   */
  static boolean isProviderKey(String key) {
    for (String prefix : PROVIDER_PREFIXES) {
      if (key.startsWith(prefix)) {
        int dot = key.indexOf('.', prefix.length());
        return dot > prefix.length() && dot < key.length() - 1;
      }
    }
    return false;
  }

  /** Suggests the closest of Tally's keys for a typo, or nothing. */
  private static String hint(String unknown) {
    return KeyHints.hint(unknown, KEYS.keySet());
  }

  private static <T> ConfigKey<T> register(ConfigKey<T> key) {
    KEYS.put(key.name(), key);
    return key;
  }

  private static ConfigKey<List<String>> names(String name, List<String> defaultValue) {
    return ConfigKey.list(
        name,
        defaultValue,
        l ->
            l.stream().allMatch(n -> NAME.matcher(n).matches())
                && new LinkedHashSet<>(l).size() == l.size(),
        "must be a comma-separated list of distinct provider names"
            + " (lower-case letters, digits, '-' and '_')");
  }

  /**
   * Builds a {@link TallyConfig}. Setters record values; {@link #build()} checks them all and
   * reports every problem at once. Not thread-safe.
   */
  public static final class Builder {
    private final Map<ConfigKey<?>, Object> values = new HashMap<>();
    private final Map<ConfigKey<?>, String> shown = new HashMap<>();
    private final Map<String, String> problems = new TreeMap<>();
    private final Map<String, String> properties = new HashMap<>();
    private final Map<String, String> propertyNames = new HashMap<>();
    private final Map<String, List<ConfigKey<?>>> declared = new LinkedHashMap<>();

    private Builder() {}

    private <T> Builder put(ConfigKey<T> key, T value) {
      values.put(key, value);
      shown.put(key, key.format(value));
      problems.remove(key.name());
      return this;
    }

    /**
     * Sets a key from its value: one of Tally's keys or a provider's ({@link ConfigKey}), for
     * example {@code set(SlogBackendProvider.LEVEL, Level.WARN)}. The value is stored in its string
     * form; a value that breaks the key's rule is reported by {@link #build()}.
     *
     * @param <T> the value's type
     * @param key the key
     * @param value its value
     * @return this
     * @throws NullPointerException if {@code key} or {@code value} is null
     */
    public <T> Builder set(ConfigKey<T> key, T value) {
      Objects.requireNonNull(key, "key");
      String text = key.format(Objects.requireNonNull(value, "value"));
      String broken = key.check(value);
      set(key.name(), text);
      if (broken != null) {
        problems.put(key.name(), key.problem(text, broken));
      }
      return this;
    }

    /**
     * Declares a provider's keys, so that {@link #build()} checks them together with Tally's own
     * (as {@link TallyConfig#keyProblems} does) and one {@link ConfigException} lists every
     * problem. Tally checks the selected providers' keys again when it starts; declaring them here
     * only reports their problems earlier.
     *
     * @param namespace the provider's prefix, e.g. {@code tally.backend.slog.}
     * @param keys the provider's keys, e.g. {@code new SlogBackendProvider().keys()}
     * @return this
     * @throws NullPointerException if an argument or a key is null
     */
    public Builder declare(String namespace, List<? extends ConfigKey<?>> keys) {
      declared.put(Objects.requireNonNull(namespace, "namespace"), List.copyOf(keys));
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
      ConfigKey<?> known = KEYS.get(key);
      if (known != null) {
        setKnown(known, known.isSecret() ? value : value.trim());
      } else if (isProviderKey(key)) {
        properties.put(KeyHints.variable(key), value.trim());
        propertyNames.put(KeyHints.variable(key), key);
        problems.remove(key);
      } else if (!key.startsWith(RESERVED)) {
        problems.put(
            key,
            key.startsWith("tally.")
                ? key + " is not a known key" + hint(key)
                : key + " is not a Tally key (they start with 'tally.')");
      }
      return this;
    }

    private <T> void setKnown(ConfigKey<T> key, String value) {
      try {
        T parsed = key.read(value);
        values.put(key, parsed);
        shown.put(key, value);
        problems.remove(key.name());
      } catch (IllegalArgumentException e) {
        values.remove(key);
        problems.put(key.name(), key.problem(value, e.getMessage()));
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
      return put(LAST_USED_TIMESTAMP_MODE, Objects.requireNonNull(timestampMode, "timestampMode"));
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
     * Sets {@code tally.backend.slog.logger}; the {@code slog} backend checks it when Tally starts.
     *
     * @param slogLogger {@code tally.backend.slog.logger}
     * @return this
     * @deprecated the {@code slog} backend owns its keys: use {@code
     *     set(SlogBackendProvider.LOGGER, name)}
     */
    @Deprecated(since = "0.2", forRemoval = true)
    public Builder slogLogger(String slogLogger) {
      return set(SLOG_PREFIX + "logger", Objects.requireNonNull(slogLogger, "slogLogger"));
    }

    /**
     * Sets {@code tally.backend.slog.redacted-fields}; the {@code slog} backend checks it when
     * Tally starts.
     *
     * @param fields {@code tally.backend.slog.redacted-fields}
     * @return this
     * @deprecated the {@code slog} backend owns its keys: use {@code
     *     set(SlogBackendProvider.REDACTED_FIELDS, List.of(fields))}
     */
    @Deprecated(since = "0.2", forRemoval = true)
    public Builder slogRedactedFields(String... fields) {
      return set(
          SLOG_PREFIX + "redacted-fields",
          ConfigValues.formatList(List.of(Objects.requireNonNull(fields, "fields"))));
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
      for (Map.Entry<ConfigKey<?>, Object> e : values.entrySet()) {
        String problem = problemOf(e.getKey(), e.getValue(), shown.get(e.getKey()));
        if (problem != null) {
          all.put(e.getKey().name(), problem);
        }
      }
      CrossKeyRules.check(values, all);
      UUID replicaId = (UUID) values.get(REPLICA_ID);
      TallyConfig config = new TallyConfig(this, replicaId != null ? replicaId : UUID.randomUUID());
      for (Map.Entry<String, List<ConfigKey<?>>> d : declared.entrySet()) {
        for (String problem : config.keyProblems(d.getKey(), d.getValue())) {
          all.put(problem.substring(0, Math.max(0, problem.indexOf(' '))), problem);
        }
      }
      List<String> list = new ArrayList<>(all.values());
      if (!list.isEmpty()) {
        throw new ConfigException(list);
      }
      return config;
    }

    private static <T> @Nullable String problemOf(ConfigKey<T> key, Object value, String shown) {
      String broken = key.check(key.cast(value));
      return broken == null ? null : key.problem(shown, broken);
    }
  }
}
