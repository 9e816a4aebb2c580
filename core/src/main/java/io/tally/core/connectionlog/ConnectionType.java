package io.tally.core.connectionlog;

import java.util.Locale;
import java.util.Objects;

/** What kind of connection a {@link ConnectionEvent} describes. */
public enum ConnectionType {
  /** An SSH session. */
  SSH,
  /** A VS Code remote session. */
  VSCODE,
  /** A JetBrains Gateway session. */
  JETBRAINS,
  /** A reconnecting pseudo-terminal (web terminal). */
  RECONNECTING_PTY,
  /** A workspace application opened through the web (usually without a connection id). */
  WORKSPACE_APP,
  /** A forwarded port opened through the web. */
  PORT_FORWARDING;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  /**
   * Returns the lower-case name stored in databases and logs, e.g. {@code "reconnecting_pty"}.
   *
   * @return the wire name
   */
  public String wireName() {
    return wireName;
  }

  /**
   * Parses a {@linkplain #wireName() wire name}.
   *
   * @param wireName e.g. {@code "ssh"}
   * @return the type
   * @throws IllegalArgumentException if no type has that wire name
   */
  public static ConnectionType fromWireName(String wireName) {
    Objects.requireNonNull(wireName, "wireName");
    for (ConnectionType t : values()) {
      if (t.wireName.equals(wireName)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown connection type '" + wireName + "'");
  }
}
