package io.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tally.core.lastused.TimestampMode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

@SuppressWarnings("removal") // the deprecated slog accessors keep working until they are removed
class TallyConfigTest {
  private static final UUID REPLICA = UUID.fromString("8c1e6f8e-2a43-4a55-9d7e-0a4b1c2d3e4f");

  @Test
  void defaults() {
    TallyConfig c = TallyConfig.builder().build();

    assertThat(c.store()).isEqualTo("h2");
    assertThat(c.backends()).containsExactly("db");
    assertThat(c.trackers()).isEmpty();
    assertThat(c.replicaId()).isNotNull();
    assertThat(c.migrateOnStart()).isTrue();
    assertThat(c.tablePrefix()).isEqualTo("tally_");
    assertThat(c.jdbcUrl()).isEmpty();
    assertThat(c.jdbcUser()).isEmpty();
    assertThat(c.jdbcPassword()).isEmpty();
    assertThat(c.poolSize()).isEqualTo(10);
    assertThat(c.flushInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.lastUsedFlushInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.lastUsedFlushTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.lastUsedShutdownTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.lastUsedTimestampMode()).isEqualTo(TimestampMode.EVENT_TIME);
    assertThat(c.usageStatsFlushInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.usageStatsFlushTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.usageStatsShutdownTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.usageReportPeriod()).isEqualTo(Duration.ofMinutes(30));
    assertThat(c.batchSize()).isEqualTo(1000);
    assertThat(c.batchFlushInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.batchQueueCapacity()).isEqualTo(1000);
    assertThat(c.batchWriteTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.batchFlushTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.batchShutdownTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.retryMaxAttempts()).isEqualTo(Integer.MAX_VALUE); // unlimited: limits are opt-in
    assertThat(c.retryInitialBackoff()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.retryMaxBackoff()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.healthPolicy()).isEqualTo(HealthPolicy.defaults());
    assertThat(c.slogLogger()).isEqualTo("io.tally.connection_log");
    assertThat(c.slogRedactedFields()).isEmpty();
  }

  @Test
  void withoutTallyStoreTheConfigurationLeavesTheChoiceToTheProviders() {
    // The store is chosen from the URL by the providers when Tally starts (StoreSelectionTest);
    // the configuration itself no longer knows any scheme.
    TallyConfig postgresUrl = TallyConfig.builder().jdbcUrl("jdbc:postgresql://db/app").build();
    assertThat(postgresUrl.store()).isEqualTo(TallyConfig.DEFAULT_STORE);
    assertThat(postgresUrl.configuredStore()).isEmpty();
    assertThat(TallyConfig.builder().build().store()).isEqualTo("h2");
    assertThat(TallyConfig.builder().build().configuredStore()).isEmpty();
    TallyConfig fromMap = TallyConfig.from(Map.of("tally.jdbc.url", "jdbc:postgresql://db/app"));
    assertThat(fromMap.configuredStore()).isEmpty();
    assertThat(fromMap.property("tally.store")).contains("h2");
    assertThat(TallyConfig.from(Map.of("tally.store", "postgres")).configuredStore())
        .contains("postgres");
  }

  @Test
  void anExplicitTallyStoreWinsOverTheJdbcUrl() {
    assertThat(
            TallyConfig.builder().jdbcUrl("jdbc:postgresql://db/app").store("h2").build().store())
        .isEqualTo("h2");
    assertThat(
            TallyConfig.from(Map.of("tally.jdbc.url", "jdbc:h2:mem:x", "tally.store", "postgres"))
                .store())
        .isEqualTo("postgres");
  }

  @Test
  void randomReplicaIdPerConfiguration() {
    assertThat(TallyConfig.builder().build().replicaId())
        .isNotEqualTo(TallyConfig.builder().build().replicaId());
    Map<String, String> same = Map.of("tally.batch.size", "5");
    TallyConfig first = TallyConfig.from(same);
    TallyConfig second = TallyConfig.from(same);
    assertThat(first.replicaId()).isNotEqualTo(second.replicaId());
    assertThat(first).isNotEqualTo(second);
    assertThat(first.replicaId()).isEqualTo(first.replicaId());
    assertThat(first.property("tally.replica-id")).contains(first.replicaId().toString());
    assertThat(first.toString()).contains("tally.replica-id=" + first.replicaId());
  }

  @Test
  void theNetworkTimeoutDefaultsToTheLongestFlushTimeoutPlusAMargin() {
    TallyConfig c =
        TallyConfig.builder()
            .lastUsedFlushTimeout(Duration.ofSeconds(3))
            .usageStatsFlushTimeout(Duration.ofSeconds(30))
            .batchFlushTimeout(Duration.ofSeconds(4))
            .build();
    assertThat(c.longestFlushTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.jdbcNetworkTimeout()).isEqualTo(Duration.ofSeconds(35));
    TallyConfig d = TallyConfig.builder().build();
    assertThat(d.jdbcNetworkTimeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(d.jdbcMigrationTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(d.closeTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(d.requireDatabaseAtStart()).isTrue();
  }

  @Test
  void everyKeyIsParsed() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("tally.store", "postgres");
    m.put("tally.backends", " db , slog ");
    m.put("tally.trackers", "extra");
    m.put("tally.replica-id", REPLICA.toString());
    m.put("tally.migrate-on-start", "FALSE");
    m.put("tally.table-prefix", "app_");
    m.put("tally.jdbc.url", "jdbc:postgresql://db.example:5432/app");
    m.put("tally.jdbc.user", "app");
    m.put("tally.jdbc.password", " s3cret ");
    m.put("tally.jdbc.pool-size", "4");
    m.put("tally.jdbc.network-timeout", "21s");
    m.put("tally.jdbc.migration-timeout", "2m");
    m.put("tally.close-timeout", "9s");
    m.put("tally.start.require-database", "false");
    m.put("tally.flush-interval", "2m");
    m.put("tally.last-used.flush-interval", "30s");
    m.put("tally.last-used.flush-timeout", "250ms");
    m.put("tally.last-used.shutdown-timeout", "PT3S");
    m.put("tally.last-used.timestamp-mode", "flush-time");
    m.put("tally.usage-stats.flush-interval", "2h");
    m.put("tally.usage-stats.flush-timeout", "11s");
    m.put("tally.usage-stats.shutdown-timeout", "12s");
    m.put("tally.usage-stats.report-period", "1d");
    m.put("tally.batch.size", "500");
    m.put("tally.batch.flush-interval", "1s");
    m.put("tally.batch.queue-capacity", "2000");
    m.put("tally.batch.max-pending", "5000");
    m.put("tally.batch.parallelism", "2");
    m.put("tally.batch.write-timeout", "13s");
    m.put("tally.batch.flush-timeout", "14s");
    m.put("tally.batch.shutdown-timeout", "7s");
    m.put("tally.batch.retry.max-attempts", "0");
    m.put("tally.batch.retry.initial-backoff", "100ms");
    m.put("tally.batch.retry.max-backoff", "PT1M");
    m.put("tally.connection-log.retention", "90d");
    m.put("tally.connection-log.retention-interval", "5m");
    m.put("tally.connection-log.retention-batch-size", "2000");
    m.put("tally.health.degraded-after-failures", "5");
    m.put("tally.health.failing-after", "10m");
    m.put("tally.backend.slog.logger", "audit");
    m.put("tally.backend.slog.level", "debug");
    m.put("tally.backend.slog.redacted-fields", "ip,user_agent");
    m.put("tally.backend.jsonl.file", "/tmp/events.jsonl");
    m.put("tally.store.custom.schema", "tally");
    m.put("other.key", "ignored");

    assertThat(m.keySet()).containsAll(TallyConfig.knownKeys());
    TallyConfig c = TallyConfig.from(m);

    assertThat(c.store()).isEqualTo("postgres");
    assertThat(c.backends()).containsExactly("db", "slog");
    assertThat(c.trackers()).containsExactly("extra");
    assertThat(c.replicaId()).isEqualTo(REPLICA);
    assertThat(c.migrateOnStart()).isFalse();
    assertThat(c.tablePrefix()).isEqualTo("app_");
    assertThat(c.jdbcUrl()).contains("jdbc:postgresql://db.example:5432/app");
    assertThat(c.jdbcUser()).contains("app");
    assertThat(c.jdbcPassword()).contains(" s3cret ");
    assertThat(c.poolSize()).isEqualTo(4);
    assertThat(c.jdbcNetworkTimeout()).isEqualTo(Duration.ofSeconds(21));
    assertThat(c.jdbcMigrationTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.closeTimeout()).isEqualTo(Duration.ofSeconds(9));
    assertThat(c.requireDatabaseAtStart()).isFalse();
    assertThat(c.flushInterval()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.lastUsedFlushInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.lastUsedFlushTimeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.lastUsedShutdownTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.lastUsedTimestampMode()).isEqualTo(TimestampMode.FLUSH_TIME);
    assertThat(c.usageStatsFlushInterval()).isEqualTo(Duration.ofHours(2));
    assertThat(c.usageStatsFlushTimeout()).isEqualTo(Duration.ofSeconds(11));
    assertThat(c.usageStatsShutdownTimeout()).isEqualTo(Duration.ofSeconds(12));
    assertThat(c.usageReportPeriod()).isEqualTo(Duration.ofDays(1));
    assertThat(c.batchSize()).isEqualTo(500);
    assertThat(c.batchFlushInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.batchQueueCapacity()).isEqualTo(2000);
    assertThat(c.batchMaxPending()).isEqualTo(5000);
    assertThat(c.batchParallelism()).isEqualTo(2);
    assertThat(c.batchWriteTimeout()).isEqualTo(Duration.ofSeconds(13));
    assertThat(c.batchFlushTimeout()).isEqualTo(Duration.ofSeconds(14));
    assertThat(c.batchShutdownTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(c.retryMaxAttempts()).isZero();
    assertThat(c.retryInitialBackoff()).isEqualTo(Duration.ofMillis(100));
    assertThat(c.retryMaxBackoff()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.connectionLogRetention()).contains(Duration.ofDays(90));
    assertThat(c.connectionLogRetentionInterval()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.connectionLogRetentionBatchSize()).isEqualTo(2000);
    assertThat(c.healthPolicy()).isEqualTo(HealthPolicy.of(5, Duration.ofMinutes(10)));
    assertThat(c.slogLogger()).isEqualTo("audit");
    assertThat(c.slogRedactedFields()).containsExactly("ip", "user_agent");
    assertThat(c.property("tally.backend.jsonl.file")).contains("/tmp/events.jsonl");
    assertThat(c.property("tally.store.custom.schema")).contains("tally");
    assertThat(c.property("tally.backend.slog.level")).contains("debug");
    assertThat(c.property("tally.batch.size")).contains("500");
    assertThat(c.property("tally.backend.jsonl.missing")).isEmpty();
    assertThat(c.property("tally.jdbc.user")).contains("app");
  }

  @Test
  void trackerIntervalsFallBackToTheSharedFlushInterval() {
    TallyConfig c = TallyConfig.builder().flushInterval(Duration.ofSeconds(20)).build();

    assertThat(c.lastUsedFlushInterval()).isEqualTo(Duration.ofSeconds(20));
    assertThat(c.usageStatsFlushInterval()).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void queueCapacityDefaultsToTheBatchSize() {
    assertThat(TallyConfig.builder().batchSize(64).build().batchQueueCapacity()).isEqualTo(64);
  }

  @Test
  void typedSettersMatchTheirKeys() {
    TallyConfig typed =
        TallyConfig.builder()
            .store("postgres")
            .backends("db", "slog")
            .trackers("extra")
            .replicaId(REPLICA)
            .migrateOnStart(false)
            .tablePrefix("app_")
            .jdbcUrl("jdbc:h2:mem:x")
            .jdbcUser("sa")
            .jdbcPassword("pw")
            .poolSize(3)
            .flushInterval(Duration.ofSeconds(9))
            .lastUsedFlushInterval(Duration.ofSeconds(8))
            .lastUsedFlushTimeout(Duration.ofSeconds(7))
            .lastUsedShutdownTimeout(Duration.ofSeconds(6))
            .usageStatsFlushInterval(Duration.ofSeconds(5))
            .usageStatsFlushTimeout(Duration.ofSeconds(41))
            .usageStatsShutdownTimeout(Duration.ofSeconds(42))
            .usageReportPeriod(Duration.ofMinutes(4))
            .batchSize(30)
            .batchFlushInterval(Duration.ofSeconds(2))
            .batchQueueCapacity(60)
            .batchWriteTimeout(Duration.ofSeconds(43))
            .batchFlushTimeout(Duration.ofSeconds(44))
            .batchShutdownTimeout(Duration.ofSeconds(1))
            .retryMaxAttempts(2)
            .retryInitialBackoff(Duration.ofMillis(10))
            .retryMaxBackoff(Duration.ofMillis(20))
            .healthPolicy(HealthPolicy.of(2, Duration.ofMinutes(1)))
            .slogLogger("audit")
            .set("tally.backend.slog.level", "WARN")
            .lastUsedTimestampMode(TimestampMode.FLUSH_TIME)
            .slogRedactedFields("ip")
            .build();

    Map<String, String> m = new LinkedHashMap<>();
    m.put("tally.store", "postgres");
    m.put("tally.backends", "db,slog");
    m.put("tally.trackers", "extra");
    m.put("tally.replica-id", REPLICA.toString());
    m.put("tally.migrate-on-start", "false");
    m.put("tally.table-prefix", "app_");
    m.put("tally.jdbc.url", "jdbc:h2:mem:x");
    m.put("tally.jdbc.user", "sa");
    m.put("tally.jdbc.password", "pw");
    m.put("tally.jdbc.pool-size", "3");
    m.put("tally.flush-interval", "9s");
    m.put("tally.last-used.flush-interval", "8s");
    m.put("tally.last-used.flush-timeout", "7s");
    m.put("tally.last-used.shutdown-timeout", "6s");
    m.put("tally.usage-stats.flush-interval", "5s");
    m.put("tally.usage-stats.flush-timeout", "41s");
    m.put("tally.usage-stats.shutdown-timeout", "42s");
    m.put("tally.usage-stats.report-period", "4m");
    m.put("tally.batch.size", "30");
    m.put("tally.batch.flush-interval", "2s");
    m.put("tally.batch.queue-capacity", "60");
    m.put("tally.batch.write-timeout", "43s");
    m.put("tally.batch.flush-timeout", "44s");
    m.put("tally.batch.shutdown-timeout", "1s");
    m.put("tally.batch.retry.max-attempts", "2");
    m.put("tally.batch.retry.initial-backoff", "10ms");
    m.put("tally.batch.retry.max-backoff", "20ms");
    m.put("tally.health.degraded-after-failures", "2");
    m.put("tally.health.failing-after", "1m");
    m.put("tally.backend.slog.logger", "audit");
    m.put("tally.backend.slog.level", "WARN");
    m.put("tally.last-used.timestamp-mode", "FLUSH_TIME");
    m.put("tally.backend.slog.redacted-fields", "ip");

    assertThat(typed).isEqualTo(TallyConfig.from(m));
    assertThat(typed.toString()).isEqualTo(TallyConfig.from(m).toString());
  }

  @Test
  void everyBadKeyIsReportedInOneException() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("tally.batch.size", "0");
    m.put("tally.flush-interval", "PT-1S");
    m.put("tally.last-used.flush-timeout", "soon");
    m.put("tally.jdbc.pool-size", "many");
    m.put("tally.migrate-on-start", "yes");
    m.put("tally.replica-id", "not-a-uuid");
    m.put("tally.last-used.timestamp-mode", "wall-clock");
    m.put("tally.backends", "db,db");
    m.put("tally.table-prefix", "drop table;");
    m.put("tally.batch.retry.max-attempts", "-1");
    m.put("tally.flush-intervall", "5s");
    m.put("tally.store.x", "no provider segment");
    m.put("tally.jdbc.password", "hunter2");

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> TallyConfig.from(m));

    assertThat(e.problems())
        .containsExactly(
            "tally.backends was 'db,db' but must be a comma-separated list of distinct provider"
                + " names (lower-case letters, digits, '-' and '_')",
            "tally.batch.retry.max-attempts was '-1' but must be >= 0",
            "tally.batch.size was '0' but must be >= 1",
            "tally.flush-interval was 'PT-1S' but must be positive",
            "tally.flush-intervall is not a known key (did you mean tally.flush-interval?)",
            "tally.jdbc.pool-size was 'many' but must be an integer",
            "tally.last-used.flush-timeout was 'soon' but must be a duration such as 250ms, 5s,"
                + " 1m, 2h or PT5S",
            "tally.last-used.timestamp-mode was 'wall-clock' but must be one of event-time,"
                + " flush-time",
            "tally.migrate-on-start was 'yes' but must be true or false",
            "tally.replica-id was 'not-a-uuid' but must be a UUID",
            "tally.store.x is not a known key (did you mean tally.store?)",
            "tally.table-prefix was 'drop table;' but must be empty or an SQL identifier of at"
                + " most 32 characters");
    assertThat(e.getMessage())
        .startsWith("Invalid Tally configuration (12 problems):\n  tally.backends was")
        .doesNotContain("hunter2");
  }

  @Test
  void typedValuesAreCheckedInBuild() {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                TallyConfig.builder()
                    .batchSize(0)
                    .backends("db", "db")
                    .lastUsedFlushInterval(Duration.ofSeconds(-1))
                    .retryInitialBackoff(Duration.ofSeconds(10))
                    .retryMaxBackoff(Duration.ofSeconds(5))
                    .build());

    assertThat(e.problems())
        .containsExactly(
            "tally.backends was 'db,db' but must be a comma-separated list of distinct provider"
                + " names (lower-case letters, digits, '-' and '_')",
            "tally.batch.retry.max-backoff was '5s' but must be >= tally.batch.retry.initial-backoff"
                + " ('10s')",
            "tally.batch.size was '0' but must be >= 1",
            "tally.last-used.flush-interval was 'PT-1S' but must be positive");
  }

  @Test
  void aLaterGoodValueReplacesAnEarlierBadOne() {
    TallyConfig c =
        TallyConfig.builder().set("tally.batch.size", "x").set("tally.batch.size", "7").build();

    assertThat(c.batchSize()).isEqualTo(7);
  }

  @Test
  void nullArgumentsAreNamed() {
    assertThatThrownBy(() -> TallyConfig.builder().flushInterval(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("flushInterval");
    assertThatThrownBy(() -> TallyConfig.builder().set("tally.store", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("value");
    assertThatThrownBy(() -> TallyConfig.from(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("values");
  }

  @Test
  void durationForms() {
    assertThat(ConfigValues.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(ConfigValues.parseDuration("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(ConfigValues.parseDuration("1m")).isEqualTo(Duration.ofMinutes(1));
    assertThat(ConfigValues.parseDuration("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(ConfigValues.parseDuration("1d")).isEqualTo(Duration.ofDays(1));
    assertThat(ConfigValues.parseDuration("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
    assertThat(ConfigValues.formatDuration(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(ConfigValues.formatDuration(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(ConfigValues.formatDuration(Duration.ofHours(2))).isEqualTo("2h");
    assertThat(ConfigValues.formatDuration(Duration.ZERO)).isEqualTo("0ms");
    assertThatThrownBy(() -> ConfigValues.parseDuration("5 s"))
        .hasMessage("must be a duration such as 250ms, 5s, 1m, 2h or PT5S");
  }

  @Test
  void durationsBeyondWhatADurationHoldsAreBadValuesNotArithmeticErrors() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("tally.flush-interval", "999999999999999999d");
    m.put("tally.batch.flush-timeout", "99999999999999999999999ms");
    m.put("tally.last-used.flush-interval", "-999999999999999999d");
    m.put("tally.batch.size", "0");

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> TallyConfig.from(m));

    assertThat(e.problems())
        .containsExactly(
            "tally.batch.flush-timeout was '99999999999999999999999ms' but must be at most 365d",
            "tally.batch.size was '0' but must be >= 1",
            "tally.flush-interval was '999999999999999999d' but must be at most 365d",
            "tally.last-used.flush-interval was '-999999999999999999d' but must be positive");
    assertThatThrownBy(() -> ConfigValues.parseDuration("999999999999999999d"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("must be at most 365d");
  }

  @Test
  void everyDurationIsAtMost365Days() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("tally.flush-interval", "200000d");
    m.put("tally.usage-stats.report-period", "366d");
    m.put("tally.health.failing-after", "PT8761H");
    m.put("tally.batch.retry.max-backoff", "365d");

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> TallyConfig.from(m));

    assertThat(e.problems())
        .containsExactly(
            "tally.flush-interval was '200000d' but must be at most 365d",
            "tally.health.failing-after was 'PT8761H' but must be at most 365d",
            "tally.usage-stats.report-period was '366d' but must be at most 365d");
    ConfigException typed =
        catchThrowableOfType(
            ConfigException.class,
            () -> TallyConfig.builder().flushInterval(Duration.ofDays(200000)).build());
    assertThat(typed.problems())
        .containsExactly("tally.flush-interval was '200000d' but must be at most 365d");
    assertThat(
            TallyConfig.builder()
                .batchShutdownTimeout(TallyConfig.MAX_DURATION)
                .build()
                .batchShutdownTimeout())
        .isEqualTo(Duration.ofDays(365));
  }

  @Test
  void environmentBeatsSystemPropertiesWhichBeatDefaults() {
    Map<String, String> sys =
        Map.of(
            "tally.flush-interval", "30s",
            "tally.batch.size", "200",
            "tally.backend.jsonl.file", "/from/sysprop",
            "user.home", "/ignored");
    Map<String, String> env =
        Map.of(
            "TALLY_FLUSH_INTERVAL", "15s",
            "TALLY_BACKEND_JSONL_FILE", "/from/env",
            "TALLY_LAST_USED_TIMESTAMP_MODE", "FLUSH_TIME",
            "PATH", "/usr/bin");

    TallyConfig c = TallyConfig.fromEnvironment(sys, env);

    assertThat(c.flushInterval()).isEqualTo(Duration.ofSeconds(15)); // env over sysprop
    assertThat(c.batchSize()).isEqualTo(200); // sysprop over default
    assertThat(c.batchFlushInterval()).isEqualTo(Duration.ofSeconds(5)); // default
    assertThat(c.lastUsedTimestampMode()).isEqualTo(TimestampMode.FLUSH_TIME);
    assertThat(c.property("tally.backend.jsonl.file")).contains("/from/env");
  }

  @Test
  void environmentHidesABadSystemProperty() {
    TallyConfig c =
        TallyConfig.fromEnvironment(
            Map.of("tally.batch.size", "zero"), Map.of("TALLY_BATCH_SIZE", "3"));

    assertThat(c.batchSize()).isEqualTo(3);
  }

  @Test
  void unknownSystemPropertiesAreReported() {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                TallyConfig.fromEnvironment(
                    Map.of("tally.bogus", "1", "tally.test.jdbc.url", "reserved"),
                    Map.of("TALLY_TEST_JDBC_URL", "reserved")));

    assertThat(e.problems()).containsExactly("tally.bogus is not a known key");
  }

  @Test
  void unknownEnvironmentVariablesAreLoggedByNameAndIgnored() {
    Logger logger = (Logger) LoggerFactory.getLogger(TallyConfig.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    TallyConfig c;
    try {
      c =
          TallyConfig.fromEnvironment(
              Map.of(),
              Map.of(
                  "TALLY_HOME", "/opt/other-tool-secret",
                  "TALLY_BATCH_SIZ", "hunter2",
                  "TALLY_STORE_X", "hunter3",
                  "TALLY_BATCH_SIZE", "7",
                  "TALLY_TEST_JDBC_URL", "reserved"));
    } finally {
      logger.detachAppender(appender);
    }

    assertThat(c.batchSize()).isEqualTo(7);
    assertThat(c.property("tally.store.x")).isEmpty();
    assertThat(appender.list)
        .extracting(ILoggingEvent::getLevel, ILoggingEvent::getFormattedMessage)
        .containsExactly(
            tuple(
                ch.qos.logback.classic.Level.WARN,
                "Ignoring environment variable TALLY_BATCH_SIZ: it is not a Tally setting"
                    + " (did you mean tally.batch.size?)"),
            tuple(
                ch.qos.logback.classic.Level.WARN,
                "Ignoring environment variable TALLY_HOME: it is not a Tally setting"
                    + " (did you mean tally.store?)"),
            tuple(
                ch.qos.logback.classic.Level.WARN,
                "Ignoring environment variable TALLY_STORE_X: it is not a Tally setting"
                    + " (did you mean tally.store?)"));
  }

  @Test
  void aBadValueOfAKnownEnvironmentVariableIsStillAnError() {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () -> TallyConfig.fromEnvironment(Map.of(), Map.of("TALLY_BATCH_SIZE", "many")));

    assertThat(e.problems()).containsExactly("tally.batch.size was 'many' but must be an integer");
  }

  @Test
  void unknownKeysPassedToFromOrTheBuilderAreErrors() {
    assertThat(
            catchThrowableOfType(
                    ConfigException.class, () -> TallyConfig.from(Map.of("tally.home", "/opt")))
                .problems())
        .containsExactly("tally.home is not a known key (did you mean tally.store?)");
    assertThat(
            catchThrowableOfType(
                    ConfigException.class,
                    () -> TallyConfig.builder().set("tally.home", "/opt").build())
                .problems())
        .containsExactly("tally.home is not a known key (did you mean tally.store?)");
  }

  @Test
  void passwordIsMaskedInToString() {
    TallyConfig c =
        TallyConfig.builder()
            .jdbcUrl("jdbc:postgresql://bob:hunter2@db.example:5432/app?password=hunter2")
            .jdbcUser("bob")
            .jdbcPassword("hunter2")
            .set("tally.store.custom.api-token", "hunter2")
            .set("tally.store.custom.region", "eu")
            .replicaId(REPLICA)
            .build();

    assertThat(c.toString())
        .doesNotContain("hunter2")
        .contains("tally.jdbc.password=****")
        .contains("tally.jdbc.url=jdbc:postgresql://…@db.example:5432/app?…")
        .contains("tally.jdbc.user=bob")
        .contains("tally.store.custom.api-token=****")
        .contains("tally.store.custom.region=eu")
        .contains("tally.replica-id=" + REPLICA)
        .contains("tally.batch.size=1000")
        .contains("tally.flush-interval=1m");
    assertThat(TallyConfig.redactUrl("jdbc:h2:mem:tally;PASSWORD=x"))
        .isEqualTo("jdbc:h2:mem:tally?…");
  }

  @Test
  void providerSettingsNamedLikeSecretsAreMasked() {
    TallyConfig c =
        TallyConfig.builder()
            .set("tally.store.custom.api-key", "k1")
            .set("tally.store.custom.apikey", "k2")
            .set("tally.backend.custom.auth-token", "k3")
            .set("tally.backend.custom.pass", "k4")
            .set("tally.backend.custom.db-pwd", "k5")
            .set("tally.backend.custom.Client-Secret", "k6")
            .set("tally.backend.custom.oauth", "k7")
            .set("tally.store.custom.SSLKEY", "k8")
            .set("tally.store.custom.region", "eu")
            .build();

    assertThat(c.toString())
        .doesNotContain("k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8")
        .contains(
            "tally.store.custom.api-key=****",
            "tally.store.custom.apikey=****",
            "tally.backend.custom.auth-token=****",
            "tally.backend.custom.pass=****",
            "tally.backend.custom.db-pwd=****",
            "tally.backend.custom.Client-Secret=****",
            "tally.backend.custom.oauth=****",
            "tally.store.custom.SSLKEY=****",
            "tally.store.custom.region=eu");
  }

  @Test
  void urlsAreShownWithoutUserInformationOrParameters() {
    assertThat(TallyConfig.redactUrl("jdbc:oracle:thin:scott/tiger@db.example:1521:orcl"))
        .isEqualTo("jdbc:oracle:…@db.example:1521:orcl");
    assertThat(TallyConfig.redactUrl("jdbc:oracle:thin:scott/tiger@//db.example:1521/svc"))
        .isEqualTo("jdbc:oracle:…@//db.example:1521/svc");
    assertThat(TallyConfig.redactUrl("jdbc:postgresql://bob:p@ss@db.example/app"))
        .isEqualTo("jdbc:postgresql://…@db.example/app");
    assertThat(TallyConfig.redactUrl("jdbc:mysql://db.example/app?user=bob&password=tiger"))
        .isEqualTo("jdbc:mysql://db.example/app?…");
    assertThat(TallyConfig.redactUrl("jdbc:sqlserver://db.example;user=bob;password=tiger"))
        .isEqualTo("jdbc:sqlserver://db.example?…");
    assertThat(TallyConfig.redactUrl("scott/tiger@db.example")).isEqualTo("…@db.example");
    assertThat(TallyConfig.redactUrl("jdbc:h2:mem:tally")).isEqualTo("jdbc:h2:mem:tally");
    assertThat(
            TallyConfig.builder()
                .jdbcUrl("jdbc:oracle:thin:scott/tiger@db.example:1521:orcl")
                .store("oracle")
                .build()
                .toString())
        .doesNotContain("tiger")
        .contains("tally.jdbc.url=jdbc:oracle:…@db.example:1521:orcl");
  }

  @Test
  void badPasswordValuesAreNeverEchoed() {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () -> TallyConfig.builder().set("tally.jdbc.pasword", "hunter2").build());

    assertThat(e.problems())
        .containsExactly(
            "tally.jdbc.pasword is not a known key (did you mean tally.jdbc.password?)");
  }

  @Test
  void emptyBackendListIsAllowed() {
    assertThat(TallyConfig.from(Map.of("tally.backends", "")).backends()).isEqualTo(List.of());
  }
}
