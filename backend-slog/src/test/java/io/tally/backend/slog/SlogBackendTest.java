package io.tally.backend.slog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.read.ListAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.spi.FilterReply;
import ch.qos.logback.core.status.Status;
import io.tally.core.backend.FanOut;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionType;
import io.tally.testkit.ManualClock;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;

class SlogBackendTest {
  private static final Instant T0 = ManualClock.DEFAULT_START;
  private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
  private Logger attachedTo;

  private ListAppender<ILoggingEvent> capture(String loggerName) {
    attachedTo = (Logger) LoggerFactory.getLogger(loggerName);
    attachedTo.setLevel(ch.qos.logback.classic.Level.DEBUG);
    captured.start();
    attachedTo.addAppender(captured);
    return captured;
  }

  @AfterEach
  void detach() {
    if (attachedTo != null) {
      attachedTo.detachAppender(captured);
      attachedTo.setLevel(null);
    }
  }

  private static ConnectionEvent event() {
    return ConnectionEvent.builder()
        .id(UUID.fromString("00000000-0000-0000-0000-000000000001"))
        .organizationId(UUID.fromString("00000000-0000-0000-0000-000000000002"))
        .workspaceOwnerId(UUID.fromString("00000000-0000-0000-0000-000000000003"))
        .workspaceId(UUID.fromString("00000000-0000-0000-0000-000000000004"))
        .workspaceName("dev")
        .agentName("main")
        .type(ConnectionType.RECONNECTING_PTY)
        .code(0)
        .ip("10.0.0.9")
        .userAgent("curl/8")
        .userId(UUID.fromString("00000000-0000-0000-0000-000000000005"))
        .connectionId(UUID.fromString("00000000-0000-0000-0000-000000000006"))
        .disconnectReason("bye")
        .disconnect(T0);
  }

  private static Map<String, Object> keyValues(ILoggingEvent e) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (KeyValuePair kv : e.getKeyValuePairs()) {
      out.put(kv.key, kv.value);
    }
    return out;
  }

  @Test
  void writesOneEventWithEveryFieldAsAKeyValue() {
    capture(SlogBackend.DEFAULT_LOGGER_NAME);
    SlogBackend.create().write(event());
    assertThat(captured.list).hasSize(1);
    ILoggingEvent e = captured.list.get(0);
    assertThat(e.getMessage()).isEqualTo("connection_log");
    assertThat(e.getLevel()).isEqualTo(ch.qos.logback.classic.Level.INFO);
    Map<String, Object> kv = keyValues(e);
    assertThat(kv.keySet()).containsExactlyElementsOf(SlogBackend.FIELDS);
    assertThat(kv)
        .containsEntry("id", "00000000-0000-0000-0000-000000000001")
        .containsEntry("time", "2026-01-01T00:00:00Z")
        .containsEntry("organization_id", "00000000-0000-0000-0000-000000000002")
        .containsEntry("workspace_owner_id", "00000000-0000-0000-0000-000000000003")
        .containsEntry("workspace_id", "00000000-0000-0000-0000-000000000004")
        .containsEntry("workspace_name", "dev")
        .containsEntry("agent_name", "main")
        .containsEntry("type", "reconnecting_pty")
        .containsEntry("code", 0)
        .containsEntry("ip", "10.0.0.9")
        .containsEntry("user_agent", "curl/8")
        .containsEntry("user_id", "00000000-0000-0000-0000-000000000005")
        .containsEntry("slug_or_port", null)
        .containsEntry("connection_id", "00000000-0000-0000-0000-000000000006")
        .containsEntry("connection_status", "disconnected")
        .containsEntry("disconnect_reason", "bye")
        .containsEntry("connect_time", "2026-01-01T00:00:00Z")
        .containsEntry("disconnect_time", "2026-01-01T00:00:00Z");
  }

  @Test
  void tunnelAndTypesThisVersionDoesNotKnowAreLoggedByTheirWireName() {
    capture(SlogBackend.DEFAULT_LOGGER_NAME);
    SlogBackend backend = SlogBackend.create();
    backend.write(event().toBuilder().type(ConnectionType.TUNNEL).connect(T0));
    backend.write(event().toBuilder().typeName("holo_deck").connect(T0));
    assertThat(captured.list)
        .extracting(e -> keyValues(e).get("type"))
        .containsExactly("tunnel", "holo_deck");
  }

  @Test
  void loggerNameLevelAndRedactionAreConfigurable() {
    capture("audit.connections");
    SlogBackend.builder()
        .loggerName("audit.connections")
        .level(Level.WARN)
        .redact("ip", "user_agent")
        .build()
        .write(event());
    ILoggingEvent e = captured.list.get(0);
    assertThat(e.getLoggerName()).isEqualTo("audit.connections");
    assertThat(e.getLevel()).isEqualTo(ch.qos.logback.classic.Level.WARN);
    assertThat(keyValues(e))
        .containsEntry("ip", "[redacted]")
        .containsEntry("user_agent", "[redacted]")
        .containsEntry("agent_name", "main");
  }

  @Test
  void disabledLevelLogsNothing() {
    capture("quiet.connections");
    attachedTo.setLevel(ch.qos.logback.classic.Level.ERROR);
    SlogBackend.builder().loggerName("quiet.connections").build().write(event());
    assertThat(captured.list).isEmpty();
  }

  @Test
  void neverThrowsWhenTheLoggingBackEndThrowsAndReportsTheFirstAndEvery1000thFailure() {
    Logger logger = (Logger) LoggerFactory.getLogger("broken.connections");
    IllegalStateException diskFull = new IllegalStateException("disk full");
    // AppenderBase would swallow the exception itself; a bare Appender lets it reach write()
    Appender<ILoggingEvent> broken = new ThrowingAppender(diskFull);
    logger.addAppender(broken);
    logger.setLevel(ch.qos.logback.classic.Level.INFO);
    Logger own = (Logger) LoggerFactory.getLogger(SlogBackend.class);
    ListAppender<ILoggingEvent> reports = new ListAppender<>();
    reports.start();
    own.addAppender(reports);
    try {
      SlogBackend backend = SlogBackend.builder().loggerName("broken.connections").build();
      backend.write(event());
      FanOut.of(backend).write(event());
      for (int i = 2; i < 1_000; i++) {
        backend.write(event());
      }
      assertThat(backend.failures()).isEqualTo(1_000);
      assertThat(reports.list).hasSize(2);
      ILoggingEvent first = reports.list.get(0);
      assertThat(first.getLevel()).isEqualTo(ch.qos.logback.classic.Level.ERROR);
      assertThat(first.getLoggerName()).isEqualTo(SlogBackend.class.getName());
      assertThat(first.getFormattedMessage())
          .isEqualTo(
              "connection-log events could not be logged to 'broken.connections' (1 failures so"
                  + " far; the events are lost for this backend)");
      assertThat(first.getThrowableProxy().getMessage()).isEqualTo("disk full");
      assertThat(reports.list.get(1).getFormattedMessage()).contains("(1000 failures so far");
    } finally {
      logger.detachAppender(broken);
      logger.setLevel(null);
      own.detachAppender(reports);
    }
  }

  /** An appender that throws from doAppend, which AppenderBase would have caught. */
  private static final class ThrowingAppender extends ContextAwareBase
      implements Appender<ILoggingEvent> {
    private final RuntimeException failure;

    ThrowingAppender(RuntimeException failure) {
      this.failure = failure;
    }

    @Override
    public void doAppend(ILoggingEvent event) {
      throw failure;
    }

    @Override
    public String getName() {
      return "throwing";
    }

    @Override
    public void setName(String name) {}

    @Override
    public void start() {}

    @Override
    public void stop() {}

    @Override
    public boolean isStarted() {
      return true;
    }

    @Override
    public void addFilter(Filter<ILoggingEvent> newFilter) {}

    @Override
    public void clearAllFilters() {}

    @Override
    public List<Filter<ILoggingEvent>> getCopyOfAttachedFiltersList() {
      return List.of();
    }

    @Override
    public FilterReply getFilterChainDecision(ILoggingEvent event) {
      return FilterReply.NEUTRAL;
    }
  }

  @Test
  void badOptionsAreRejected() {
    assertThatThrownBy(() -> SlogBackend.builder().redact("password"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("redact field was 'password'");
    assertThatThrownBy(() -> SlogBackend.builder().level(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("level");
    assertThatThrownBy(() -> SlogBackend.create().write(null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void jsonEncoderExampleConfigurationLoadsAndRendersTheFields() throws Exception {
    LoggerContext context = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    URL example = getClass().getResource("/logback-json-example.xml");
    assertThat(example).isNotNull();
    configurator.doConfigure(example);
    assertThat(context.getStatusManager().getCopyOfStatusList())
        .noneMatch(s -> s.getLevel() >= Status.WARN);
    context.stop();

    capture(SlogBackend.DEFAULT_LOGGER_NAME);
    SlogBackend.builder().redact("ip").build().write(event());
    JsonEncoder encoder = new JsonEncoder();
    encoder.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
    encoder.setWithFormattedMessage(false);
    encoder.setWithArguments(false);
    encoder.setWithContext(false);
    encoder.start();
    String json = new String(encoder.encode(captured.list.get(0)), StandardCharsets.UTF_8);
    assertThat(json)
        .contains("\"message\":\"connection_log\"")
        .contains("\"kvpList\"")
        .contains("\"ip\":\"[redacted]\"")
        .contains("\"connection_status\":\"disconnected\"")
        .contains("\"workspace_id\":\"00000000-0000-0000-0000-000000000004\"");
  }
}
