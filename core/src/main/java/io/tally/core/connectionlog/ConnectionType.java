package io.tally.core.connectionlog;

import java.util.Locale;
import java.util.Objects;

/**
 * What kind of connection a {@link ConnectionEvent} describes: the types this version of Tally
 * knows. An event also carries its type's raw wire name ({@link ConnectionEvent#typeName()}), so a
 * type added by a newer version (a newer writer, a relay, a stored row) is carried, stored and read
 * back unchanged; {@link ConnectionEvent#type()} reports it as {@link #OTHER}.
 */
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
  PORT_FORWARDING,
  /** A tunnel connection. */
  TUNNEL,
  /**
   * A type this version does not know (its wire name is {@code "other"}); the event's {@link
   * ConnectionEvent#typeName()} holds the real name.
   */
  OTHER;

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

  /**
   * Returns the type of a wire name, or {@link #OTHER} for a name this version does not know.
   *
   * @param wireName e.g. {@code "ssh"}
   * @return the known type, or {@code OTHER}
   */
  public static ConnectionType fromWireNameOrOther(String wireName) {
    Objects.requireNonNull(wireName, "wireName");
    for (ConnectionType t : VALUES) {
      if (t.wireName.equals(wireName)) {
        return t;
      }
    }
    return OTHER;
  }

  private static final ConnectionType[] VALUES = values();
}
