package io.tally.core.connectionlog;

import java.util.Locale;

/** Whether a {@link ConnectionEvent} reports a connection opening or closing. */
public enum ConnectionStatus {
  /** The connection opened. */
  CONNECTED,
  /** The connection closed; a disconnect wins over a connect when events coalesce. */
  DISCONNECTED;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  /**
   * Returns the lower-case name used in logs, e.g. {@code "connected"}.
   *
   * @return the wire name
   */
  public String wireName() {
    return wireName;
  }
}
