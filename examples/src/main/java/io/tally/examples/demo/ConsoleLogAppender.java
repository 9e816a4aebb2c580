package io.tally.examples.demo;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import java.nio.charset.StandardCharsets;

/**
 * The demo's logback appender: writes each log line to standard error through {@link Console},
 * which clears the live progress line first and draws it again after, so a WARN during the
 * simulated outage never breaks it. Configured in the demo's {@code logback.xml}.
 */
public final class ConsoleLogAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
  private Encoder<ILoggingEvent> encoder;

  /** Creates the appender; logback sets its encoder. */
  public ConsoleLogAppender() {}

  /**
   * @param encoder formats each event (set by logback from the configuration)
   */
  public void setEncoder(Encoder<ILoggingEvent> encoder) {
    this.encoder = encoder;
  }

  @Override
  public void start() {
    if (encoder == null) {
      addError("no encoder set for the appender named [" + name + "]");
      return;
    }
    super.start();
  }

  @Override
  protected void append(ILoggingEvent event) {
    Console.log(System.err, new String(encoder.encode(event), StandardCharsets.UTF_8));
  }
}
