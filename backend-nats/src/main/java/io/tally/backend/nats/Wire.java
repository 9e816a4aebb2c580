package io.tally.backend.nats;

import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionStatus;
import io.tally.core.connectionlog.ConnectionType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.UUID;

/**
 * The wire format of a connection event on the stream: version {@value #VERSION}, UTF-8 JSON, one
 * object per message (see the package documentation for the field table and the rules).
 */
final class Wire {
  /** The version this code writes and the highest it reads: {@value}. */
  static final int VERSION = 1;

  private Wire() {}

  /**
   * @return the event as version-1 JSON in UTF-8
   */
  static byte[] encode(ConnectionEvent e) {
    StringBuilder out = new StringBuilder(512).append('{');
    Json.name(out, "v");
    out.append(VERSION);
    field(out, "id", e.id());
    field(out, "time", e.time());
    field(out, "organization_id", e.organizationId());
    field(out, "workspace_owner_id", e.workspaceOwnerId());
    field(out, "workspace_id", e.workspaceId());
    field(out, "workspace_name", e.workspaceName());
    field(out, "agent_name", e.agentName());
    field(out, "type", e.typeName());
    field(out, "status", e.status().wireName());
    field(out, "connect_time", e.connectTime());
    field(out, "disconnect_time", e.disconnectTime());
    if (e.code() != null) {
      Json.name(out, "code");
      out.append(e.code().intValue());
    }
    field(out, "ip", e.ip());
    field(out, "user_agent", e.userAgent());
    field(out, "user_id", e.userId());
    field(out, "slug_or_port", e.slugOrPort());
    field(out, "connection_id", e.connectionId());
    field(out, "disconnect_reason", e.disconnectReason());
    return out.append('}').toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void field(StringBuilder out, String name, Object value) {
    if (value != null) {
      Json.name(out, name);
      Json.string(out, value.toString());
    }
  }

  /**
   * Decodes one message. A {@code type} this code does not know (a newer publisher's) is kept as it
   * was sent ({@link ConnectionEvent#typeName()}; {@link ConnectionEvent#type()} reports it as
   * {@link ConnectionType#OTHER}).
   *
   * @throws IllegalArgumentException if the message is not a version this code reads, or a field is
   *     missing or invalid, or a value breaks the {@linkplain io.tally.core.InputRules input rules}
   *     (the message names the field, never its whole value)
   */
  static ConnectionEvent decode(byte[] data) {
    String text = new String(data, StandardCharsets.UTF_8);
    Map<String, Object> f = Json.parseObject(text);
    Object v = f.get("v");
    if (!(v instanceof Long)) {
      throw new IllegalArgumentException(
          "field 'v' was " + describe(v) + " but must be an integer");
    }
    long version = (Long) v;
    if (version < 1 || version > VERSION) {
      throw new IllegalArgumentException(
          "field 'v' was " + version + " but this reader knows versions 1 to " + VERSION);
    }
    String typeName = requiredString(f, "type");
    String statusName = requiredString(f, "status");
    ConnectionStatus status;
    if (statusName.equals(ConnectionStatus.CONNECTED.wireName())) {
      status = ConnectionStatus.CONNECTED;
    } else if (statusName.equals(ConnectionStatus.DISCONNECTED.wireName())) {
      status = ConnectionStatus.DISCONNECTED;
    } else {
      throw new IllegalArgumentException(
          "field 'status' was '" + shorten(statusName) + "' but must be connected or disconnected");
    }
    Integer code = null;
    Object c = f.get("code");
    if (c != null && c != Json.NULL) {
      if (!(c instanceof Long) || (Long) c < Integer.MIN_VALUE || (Long) c > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "field 'code' was " + describe(c) + " but must be a 32-bit integer");
      }
      code = ((Long) c).intValue();
    }
    return new ConnectionEvent(
        uuid(f, "id", true),
        instant(f, "time", true),
        uuid(f, "organization_id", true),
        uuid(f, "workspace_owner_id", true),
        uuid(f, "workspace_id", true),
        requiredString(f, "workspace_name"),
        requiredString(f, "agent_name"),
        typeName,
        code,
        string(f, "ip"),
        string(f, "user_agent"),
        uuid(f, "user_id", false),
        string(f, "slug_or_port"),
        uuid(f, "connection_id", false),
        status,
        string(f, "disconnect_reason"),
        instant(f, "connect_time", true),
        instant(f, "disconnect_time", false));
  }

  private static String string(Map<String, Object> f, String name) {
    Object v = f.get(name);
    if (v == null || v == Json.NULL) {
      return null;
    }
    if (!(v instanceof String)) {
      throw new IllegalArgumentException(
          "field '" + name + "' was " + describe(v) + " but must be a string");
    }
    return (String) v;
  }

  private static String requiredString(Map<String, Object> f, String name) {
    String s = string(f, name);
    if (s == null) {
      throw new IllegalArgumentException("field '" + name + "' is missing but is required");
    }
    return s;
  }

  private static UUID uuid(Map<String, Object> f, String name, boolean required) {
    String s = required ? requiredString(f, name) : string(f, name);
    if (s == null) {
      return null;
    }
    try {
      UUID u = UUID.fromString(s);
      if (!u.toString().equalsIgnoreCase(s)) {
        throw new IllegalArgumentException("not canonical");
      }
      return u;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "field '"
              + name
              + "' was '"
              + shorten(s)
              + "' but must be a UUID (8-4-4-4-12 hex digits)");
    }
  }

  private static Instant instant(Map<String, Object> f, String name, boolean required) {
    String s = required ? requiredString(f, name) : string(f, name);
    if (s == null) {
      return null;
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "field '"
              + name
              + "' was '"
              + shorten(s)
              + "' but must be an RFC 3339 UTC time such as 2026-11-23T10:15:30.123456Z");
    }
  }

  private static String describe(Object v) {
    if (v == null) {
      return "missing";
    }
    if (v instanceof String) {
      return "'" + shorten((String) v) + "'";
    }
    return String.valueOf(v);
  }

  /**
   * @return at most 40 characters of {@code s}, for messages
   */
  static String shorten(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }
}
