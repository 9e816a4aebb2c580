package io.tally.testkit;

import io.tally.core.StoreException;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.jdbc.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * One stored connection-log row, as the contract tests compare it: the columns of {@code
 * <prefix>connection_log}. Use {@link #readAll(DataSource, String)} to read a JDBC store's table,
 * or {@link InMemoryConnectionLogStore#rows()}.
 *
 * @param id the row id
 * @param connectTime earliest connect time
 * @param organizationId organization
 * @param workspaceOwnerId workspace owner
 * @param workspaceId workspace
 * @param workspaceName workspace name
 * @param agentName agent name
 * @param type connection type, as its stored wire name (e.g. {@code "ssh"})
 * @param code code, or null
 * @param ip address literal, or null
 * @param userAgent user agent, or null
 * @param userId user, or null
 * @param slugOrPort slug or port, or null
 * @param connectionId connection id, or null
 * @param disconnectTime latest disconnect time, or null
 * @param disconnectReason disconnect reason, or null
 */
public record ConnectionLogRow(
    UUID id,
    Instant connectTime,
    UUID organizationId,
    UUID workspaceOwnerId,
    UUID workspaceId,
    String workspaceName,
    String agentName,
    String type,
    @Nullable Integer code,
    @Nullable String ip,
    @Nullable String userAgent,
    @Nullable UUID userId,
    @Nullable String slugOrPort,
    @Nullable UUID connectionId,
    @Nullable Instant disconnectTime,
    @Nullable String disconnectReason) {

  /** Orders rows by connect time, then id: the order {@link #readAll} returns. */
  public static final Comparator<ConnectionLogRow> ORDER =
      Comparator.comparing(ConnectionLogRow::connectTime).thenComparing(ConnectionLogRow::id);

  /**
   * The row a store holds after writing only {@code event} (a coalesced session or a single event).
   *
   * @param event the event
   * @return its row
   */
  public static ConnectionLogRow of(ConnectionEvent event) {
    Objects.requireNonNull(event, "event");
    return new ConnectionLogRow(
        event.id(),
        event.connectTime(),
        event.organizationId(),
        event.workspaceOwnerId(),
        event.workspaceId(),
        event.workspaceName(),
        event.agentName(),
        event.typeName(),
        event.code(),
        event.ip(),
        event.userAgent(),
        event.userId(),
        event.slugOrPort(),
        event.connectionId(),
        event.disconnectTime(),
        event.disconnectReason());
  }

  /**
   * Returns a copy with other session times and disconnect details.
   *
   * @param connect connect time
   * @param disconnect disconnect time, or null
   * @param reason disconnect reason, or null
   * @param newCode code, or null
   * @return the copy
   */
  public ConnectionLogRow withSession(
      Instant connect,
      @Nullable Instant disconnect,
      @Nullable String reason,
      @Nullable Integer newCode) {
    return new ConnectionLogRow(
        id,
        connect,
        organizationId,
        workspaceOwnerId,
        workspaceId,
        workspaceName,
        agentName,
        type,
        newCode,
        ip,
        userAgent,
        userId,
        slugOrPort,
        connectionId,
        disconnect,
        reason);
  }

  /**
   * Reads every row of a JDBC connection-log table (PostgreSQL, H2 or MariaDB), ordered by {@link
   * #ORDER}.
   *
   * @param dataSource the database
   * @param table the table, e.g. {@code tally_connection_log}; validated as an identifier
   * @return the rows
   * @throws StoreException if the query fails
   */
  public static List<ConnectionLogRow> readAll(DataSource dataSource, String table) {
    Identifiers.requireQualified(table, "table");
    String sql =
        "SELECT id, connect_time, organization_id, workspace_owner_id, workspace_id,"
            + " workspace_name, agent_name, type, code, ip, user_agent, user_id, slug_or_port,"
            + " connection_id, disconnect_time, disconnect_reason FROM "
            + table
            + " ORDER BY connect_time, id";
    List<ConnectionLogRow> rows = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        rows.add(
            new ConnectionLogRow(
                uuid(rs, "id"),
                instant(rs, "connect_time"),
                uuid(rs, "organization_id"),
                uuid(rs, "workspace_owner_id"),
                uuid(rs, "workspace_id"),
                rs.getString("workspace_name"),
                rs.getString("agent_name"),
                rs.getString("type"),
                rs.getObject("code", Integer.class),
                rs.getString("ip"),
                rs.getString("user_agent"),
                uuid(rs, "user_id"),
                rs.getString("slug_or_port"),
                uuid(rs, "connection_id"),
                instant(rs, "disconnect_time"),
                rs.getString("disconnect_reason")));
      }
    } catch (SQLException e) {
      throw new StoreException("reading " + table + " failed: " + e.getMessage(), e);
    }
    rows.sort(ORDER);
    return rows;
  }

  /** A UUID column, or (MariaDB/MySQL) its {@code CHAR(36)} text. */
  private static UUID uuid(ResultSet rs, String column) throws SQLException {
    Object v = rs.getObject(column);
    return v == null ? null : v instanceof UUID ? (UUID) v : UUID.fromString(v.toString());
  }

  /** A time column with a zone, or (MariaDB/MySQL) a {@code DATETIME} in UTC. */
  static Instant instant(ResultSet rs, String column) throws SQLException {
    String type = rs.getMetaData().getColumnTypeName(rs.findColumn(column));
    if ("DATETIME".equalsIgnoreCase(type)) {
      java.time.LocalDateTime t = rs.getObject(column, java.time.LocalDateTime.class);
      return t == null ? null : t.toInstant(java.time.ZoneOffset.UTC);
    }
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }
}
