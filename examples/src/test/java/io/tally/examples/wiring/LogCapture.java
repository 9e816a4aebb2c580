package io.tally.examples.wiring;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Captures one logger's events with a logback {@link ListAppender}, at a chosen level. */
final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final Level previousLevel;
  private final boolean previousAdditive;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  private LogCapture(String name, Level level) {
    this.logger = (Logger) LoggerFactory.getLogger(name);
    this.previousLevel = logger.getLevel();
    this.previousAdditive = logger.isAdditive();
    logger.setLevel(level);
    logger.setAdditive(false);
    appender.start();
    logger.addAppender(appender);
  }

  static LogCapture of(String loggerName, Level level) {
    return new LogCapture(loggerName, level);
  }

  List<ILoggingEvent> events() {
    return List.copyOf(appender.list);
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    logger.setLevel(previousLevel);
    logger.setAdditive(previousAdditive);
    appender.stop();
  }
}
