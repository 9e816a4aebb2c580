package io.tally.backend.slog;

import io.tally.core.backend.Backend;
import io.tally.core.connectionlog.ConnectionEvent;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * A {@link Backend} that writes each {@link ConnectionEvent} as one structured SLF4J 2 event:
 * message {@value #MESSAGE}, every field of the event as a key-value pair (keys in {@link #FIELDS},
 * snake_case like the table's columns; absent values as {@code null}; UUIDs, instants and enums as
 * strings).
 *
 * <pre>{@code
 * Backend<ConnectionEvent> slog = SlogBackend.builder()
 *     .loggerName("audit.connections").level(Level.INFO).redact("ip", "user_agent").build();
 * }</pre>
 *
 * <p>Fields named in {@link Builder#redact(String...)} are logged with the value {@value
 * #REDACTED}. {@link #write(ConnectionEvent)} never throws for a non-null event: if the logging
 * back end throws, the failure is counted ({@link #failures()}) and swallowed, since a log line
 * must never break the caller's request; it is reported at ERROR through the logger {@code
 * io.tally.backend.slog.SlogBackend} (not the audit logger), the first time and then every 1000th,
 * with the exception. Thread-safe.
 */
public final class SlogBackend implements Backend<ConnectionEvent> {
  /** Reports this backend's own failures; never the audit logger the events go to. */
  private static final Logger log = LoggerFactory.getLogger(SlogBackend.class);

  /** The message of every event: {@value}. */
  public static final String MESSAGE = "connection_log";

  /** The value of a redacted field: {@value}. */
  public static final String REDACTED = "[redacted]";

  /** The default logger name: {@value}. */
  public static final String DEFAULT_LOGGER_NAME = "io.tally.connection_log";

  /** The default level: {@code INFO}. */
  public static final Level DEFAULT_LEVEL = Level.INFO;

  /** The keys written, in order. */
  public static final List<String> FIELDS =
      List.of(
          "id",
          "time",
          "organization_id",
          "workspace_owner_id",
          "workspace_id",
          "workspace_name",
          "agent_name",
          "type",
          "code",
          "ip",
          "user_agent",
          "user_id",
          "slug_or_port",
          "connection_id",
          "connection_status",
          "disconnect_reason",
          "connect_time",
          "disconnect_time");

  private final Logger logger;
  private final Level level;
  private final boolean[] redacted = new boolean[FIELDS.size()];
  private final AtomicLong failures = new AtomicLong();

  private SlogBackend(Builder b) {
    this.logger = LoggerFactory.getLogger(b.loggerName);
    this.level = b.level;
    for (String field : b.redact) {
      redacted[FIELDS.indexOf(field)] = true;
    }
  }

  /**
   * Returns a backend with the defaults: logger {@value #DEFAULT_LOGGER_NAME}, level INFO, no
   * redaction.
   *
   * @return the backend
   */
  public static SlogBackend create() {
    return builder().build();
  }

  /**
   * @return a builder with the defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Logs {@code event} as one structured event.
   *
   * @param event the event
   * @throws NullPointerException if {@code event} is null
   */
  @Override
  public void write(ConnectionEvent event) {
    Objects.requireNonNull(event, "event");
    if (!logger.isEnabledForLevel(level)) {
      return;
    }
    try {
      LoggingEventBuilder b = logger.atLevel(level).setMessage(MESSAGE);
      add(b, 0, event.id());
      add(b, 1, event.time());
      add(b, 2, event.organizationId());
      add(b, 3, event.workspaceOwnerId());
      add(b, 4, event.workspaceId());
      add(b, 5, event.workspaceName());
      add(b, 6, event.agentName());
      add(b, 7, event.typeName());
      add(b, 8, event.code());
      add(b, 9, event.ip());
      add(b, 10, event.userAgent());
      add(b, 11, event.userId());
      add(b, 12, event.slugOrPort());
      add(b, 13, event.connectionId());
      add(b, 14, event.status().wireName());
      add(b, 15, event.disconnectReason());
      add(b, 16, event.connectTime());
      add(b, 17, event.disconnectTime());
      b.log();
    } catch (RuntimeException | Error e) {
      if (e instanceof VirtualMachineError) {
        throw (VirtualMachineError) e;
      }
      failed(e);
    }
  }

  private void failed(Throwable e) {
    long n = failures.incrementAndGet();
    if (n == 1 || n % 1000 == 0) {
      try {
        log.error(
            "connection-log events could not be logged to '{}' ({} failures so far; the events"
                + " are lost for this backend)",
            logger.getName(),
            n,
            e);
      } catch (RuntimeException ignored) {
        // the logging back end itself is broken; the count above still tells
      }
    }
  }

  private void add(LoggingEventBuilder b, int field, @Nullable Object value) {
    Object v;
    if (redacted[field]) {
      v = REDACTED;
    } else if (value == null || value instanceof String || value instanceof Integer) {
      v = value;
    } else {
      v = value.toString();
    }
    b.addKeyValue(FIELDS.get(field), v);
  }

  /**
   * @return how many events the logging back end failed to take
   */
  public long failures() {
    return failures.get();
  }

  @Override
  public String toString() {
    return "SlogBackend{logger=" + logger.getName() + ", level=" + level + '}';
  }

  /** Builds a {@link SlogBackend}; not thread-safe. */
  public static final class Builder {
    private String loggerName = DEFAULT_LOGGER_NAME;
    private Level level = DEFAULT_LEVEL;
    private final Set<String> redact = new LinkedHashSet<>();

    private Builder() {}

    /**
     * @param name the SLF4J logger to write to (default {@value #DEFAULT_LOGGER_NAME})
     * @return this
     */
    public Builder loggerName(String name) {
      Objects.requireNonNull(name, "loggerName");
      if (name.isBlank()) {
        throw new IllegalArgumentException("loggerName was '' but must not be blank");
      }
      this.loggerName = name;
      return this;
    }

    /**
     * @param level the level of every event (default INFO)
     * @return this
     */
    public Builder level(Level level) {
      this.level = Objects.requireNonNull(level, "level");
      return this;
    }

    /**
     * Logs these fields as {@value #REDACTED}. Adds to earlier calls.
     *
     * @param fields keys from {@link #FIELDS}, e.g. {@code "ip"}, {@code "user_agent"}
     * @return this
     * @throws IllegalArgumentException if a name is not in {@link #FIELDS}
     */
    public Builder redact(String... fields) {
      Objects.requireNonNull(fields, "fields");
      for (String f : fields) {
        Objects.requireNonNull(f, "field");
        if (!FIELDS.contains(f)) {
          throw new IllegalArgumentException(
              "redact field was '" + f + "' but must be one of " + FIELDS);
        }
        redact.add(f);
      }
      return this;
    }

    /**
     * @return the backend
     */
    public SlogBackend build() {
      return new SlogBackend(this);
    }
  }
}
