package io.tally.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A log line written while the progress line shows never lands inside it (one terminal). */
class ConsoleTest {
  private final ByteArrayOutputStream terminal = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(terminal, true, StandardCharsets.UTF_8);
  private final PrintStream err = new PrintStream(terminal, true, StandardCharsets.UTF_8);

  @AfterEach
  void end() {
    Console.endProgress();
  }

  /**
   * @return what a terminal shows: each carriage return starts its line again
   */
  private String screen() {
    StringBuilder shown = new StringBuilder();
    StringBuilder line = new StringBuilder();
    int col = 0;
    for (char c : terminal.toString(StandardCharsets.UTF_8).toCharArray()) {
      if (c == '\r') {
        col = 0;
      } else if (c == '\n') {
        shown.append(line.toString().stripTrailing()).append('\n');
        line.setLength(0);
        col = 0;
      } else {
        if (col < line.length()) {
          line.setCharAt(col, c);
        } else {
          line.append(c);
        }
        col++;
      }
    }
    return shown.append(line.toString().stripTrailing()).toString();
  }

  @Test
  void aLogLineClearsTheProgressLineAndItIsDrawnAgainBelow() {
    Console.progress(out, "[  1.0s / 15.0s]    20,000 events/s | pending 1,234");
    Console.log(err, "12:00:01.000 WARN  Batcher - connection-log: flush failed\n");
    Console.progress(out, "[  1.5s / 15.0s]    19,000 events/s | pending 99");
    Console.endProgress();
    assertThat(screen())
        .isEqualTo(
            "12:00:01.000 WARN  Batcher - connection-log: flush failed\n"
                + "[  1.5s / 15.0s]    19,000 events/s | pending 99\n");
  }

  @Test
  void withoutAProgressLineALogLineIsWrittenAsItIs() {
    Console.log(err, "12:00:01.000 ERROR x - y\n");
    assertThat(terminal.toString(StandardCharsets.UTF_8)).isEqualTo("12:00:01.000 ERROR x - y\n");
  }
}
