package io.tally.core.batch;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/** Captures the batcher's log lines during each test (register with {@code @RegisterExtension}). */
final class BatcherLogs implements BeforeEachCallback, AfterEachCallback {
  private final Logger batcherLog = (Logger) LoggerFactory.getLogger(Batcher.class);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @Override
  public void beforeEach(ExtensionContext context) {
    logs.start();
    batcherLog.addAppender(logs);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    batcherLog.detachAppender(logs);
  }

  /**
   * @return the formatted messages logged at ERROR so far
   */
  List<String> errors() {
    List<String> out = new ArrayList<>();
    for (ILoggingEvent e : List.copyOf(logs.list)) {
      if (e.getLevel() == Level.ERROR) {
        out.add(e.getFormattedMessage());
      }
    }
    return out;
  }
}
