package io.tally.examples.demo;

import java.io.PrintStream;

/**
 * The one way the demo's live progress line and its log lines reach the terminal, so a WARN or
 * ERROR line never tears the progress line: a log line first clears the progress line, is written
 * on a line of its own, and the progress line is drawn again below it. Static, because logback
 * creates the appender ({@link ConsoleLogAppender}) on its own; thread-safe.
 */
final class Console {
  private static PrintStream progressOut; // null while no progress line is showing
  private static String progressLine = "";

  private Console() {}

  /** Draws {@code line} as the progress line on {@code out}, replacing the one shown. */
  static synchronized void progress(PrintStream out, String line) {
    if (progressOut != null && line.length() < progressLine.length()) {
      out.print("\r" + " ".repeat(progressLine.length()));
    }
    out.print("\r" + line);
    out.flush();
    progressOut = out;
    progressLine = line;
  }

  /** Ends the progress line: what follows starts on a new line. */
  static synchronized void endProgress() {
    if (progressOut != null) {
      progressOut.println();
      progressOut.flush();
    }
    progressOut = null;
    progressLine = "";
  }

  /** Writes a whole log line (ending in a newline) to {@code err} around the progress line. */
  static synchronized void log(PrintStream err, String text) {
    if (progressOut != null) {
      progressOut.print("\r" + " ".repeat(progressLine.length()) + "\r");
      progressOut.flush();
    }
    err.print(text);
    err.flush();
    if (progressOut != null) {
      progressOut.print(progressLine);
      progressOut.flush();
    }
  }
}
