package io.tally.core.connectionlog;

import io.tally.core.InputRules;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One connection-log event: a connection to a workspace agent opened or closed. After coalescing
 * ({@link ConnectionEvents#coalescing()}) one event describes a whole session: its earliest connect
 * time and its latest disconnect time. Immutable.
 *
 * <p>Build events with {@link #builder()}: {@link Builder#connect(Instant)} makes a {@code
 * CONNECTED} event with {@code connectTime = time} and no disconnect time; {@link
 * Builder#disconnect(Instant)} makes a {@code DISCONNECTED} event with {@code connectTime =
 * disconnectTime = time} (a standalone disconnect; a stored row's connect time moves earlier when
 * its connect arrives).
 *
 * <p>The canonical constructor checks:
 *
 * <ul>
 *   <li>required (non-null): {@code id}, {@code time}, {@code organizationId}, {@code
 *       workspaceOwnerId}, {@code workspaceId}, {@code workspaceName}, {@code agentName}, {@code
 *       typeName}, {@code status}, {@code connectTime};
 *   <li>optional (may be null): {@code code} ({@code 0} is distinct from null), {@code ip}, {@code
 *       userAgent}, {@code userId} (web events may have no user), {@code slugOrPort}, {@code
 *       connectionId} (web events have none; such events are never coalesced and are stored as rows
 *       of their own), {@code disconnectReason}, {@code disconnectTime};
 *   <li>{@code ip}, when present, must be an IPv4 or IPv6 host address literal such as {@code
 *       "10.0.0.7"} or {@code "2001:db8::1"} (no host name, prefix length or zone): a value the
 *       database would reject would fail every batch it is in, so it is refused here. It is kept in
 *       its canonical form, the one PostgreSQL prints ({@code "2001:DB8:0::1"} becomes {@code
 *       "2001:db8::1"}), so every store holds it exactly;
 *   <li>{@code disconnectTime} is present exactly when {@code status} is {@code DISCONNECTED}, and
 *       is not before {@code connectTime}.
 *   <li>the {@linkplain InputRules input rules}: times between {@link InputRules#MIN_TIME} and
 *       {@link InputRules#MAX_TIME}; no NUL and no lone surrogate in any string; {@code
 *       workspaceName} and {@code agentName} at most {@value InputRules#MAX_NAME_LENGTH} UTF-16
 *       code units and {@code typeName} 1 to {@value InputRules#MAX_TYPE_NAME_LENGTH} (longer ones
 *       are rejected); {@code userAgent} ({@value InputRules#MAX_USER_AGENT_LENGTH}), {@code
 *       disconnectReason} ({@value InputRules#MAX_DISCONNECT_REASON_LENGTH}) and {@code slugOrPort}
 *       ({@value InputRules#MAX_SLUG_OR_PORT_LENGTH}) are truncated to their limit (counted in
 *       {@link InputRules#truncatedValues()} and in {@link #truncatedFields()}).
 * </ul>
 *
 * <p>{@link #truncatedFields()} says how many free-text fields were cut when the event was made, so
 * the component that accepts it can count the truncation in its {@code stats()} (the {@code db}
 * backend's {@code connection-log} batcher shows it as {@code ComponentStats.truncated()}). It
 * describes how the event was made, not what it holds: {@link #equals(Object)} and {@link
 * #hashCode()} ignore it, and an event rebuilt through {@link #toBuilder()} starts again at 0.
 *
 * <p>Times are stored by the built-in stores with microsecond precision, truncated (never rounded
 * up).
 *
 * <p>The type travels as its wire name ({@link #typeName()}), so an event of a type this version
 * does not know (written by a newer Tally) is carried, stored and read back unchanged; {@link
 * #type()} reports such a type as {@link ConnectionType#OTHER}.
 *
 * @param id the row id; when events coalesce, the winning event's id
 * @param time when this event happened (connect or disconnect)
 * @param organizationId the workspace's organization
 * @param workspaceOwnerId the workspace's owner
 * @param workspaceId the workspace
 * @param workspaceName the workspace's name
 * @param agentName the agent connected to
 * @param typeName the kind of connection, as its wire name (e.g. {@code "ssh"}, see {@link
 *     ConnectionType#wireName()}); names this version does not know are kept as they are
 * @param code an exit or status code, or null
 * @param ip the client's address literal, or null
 * @param userAgent the client's user agent, or null
 * @param userId the connecting user, or null
 * @param slugOrPort the app slug or the forwarded port, or null
 * @param connectionId the session's id, or null when the event has none
 * @param status connected or disconnected
 * @param disconnectReason why the connection closed, or null
 * @param connectTime the session's earliest known connect time
 * @param disconnectTime the session's latest disconnect time, or null while connected
 * @param truncatedFields how many free-text fields were truncated to their limit when this event
 *     (or the event it was copied from) was made: the value given (0 to 3) plus those this
 *     constructor truncated, at most 3
 */
public record ConnectionEvent(
    UUID id,
    Instant time,
    UUID organizationId,
    UUID workspaceOwnerId,
    UUID workspaceId,
    String workspaceName,
    String agentName,
    String typeName,
    @Nullable Integer code,
    @Nullable String ip,
    @Nullable String userAgent,
    @Nullable UUID userId,
    @Nullable String slugOrPort,
    @Nullable UUID connectionId,
    ConnectionStatus status,
    @Nullable String disconnectReason,
    Instant connectTime,
    @Nullable Instant disconnectTime,
    int truncatedFields) {

  /** The most free-text fields an event has, so the most {@link #truncatedFields()} can be. */
  private static final int FREE_TEXT_FIELDS = 3;

  /**
   * Checks the event; see the class comment.
   *
   * @param id the row id; when events coalesce, the winning event's id
   * @param time when this event happened (connect or disconnect)
   * @param organizationId the workspace's organization
   * @param workspaceOwnerId the workspace's owner
   * @param workspaceId the workspace
   * @param workspaceName the workspace's name
   * @param agentName the agent connected to
   * @param typeName the kind of connection, as its wire name (e.g. {@code "ssh"}, see {@link
   *     ConnectionType#wireName()}); names this version does not know are kept as they are
   * @param code an exit or status code, or null
   * @param ip the client's address literal, or null
   * @param userAgent the client's user agent, or null
   * @param userId the connecting user, or null
   * @param slugOrPort the app slug or the forwarded port, or null
   * @param connectionId the session's id, or null when the event has none
   * @param status connected or disconnected
   * @param disconnectReason why the connection closed, or null
   * @param connectTime the session's earliest known connect time
   * @param disconnectTime the session's latest disconnect time, or null while connected
   * @param truncatedFields how many free-text fields were truncated to their limit when this event
   *     (or the event it was copied from) was made: the value given (0 to 3) plus those this
   *     constructor truncated, at most 3
   * @throws NullPointerException if a required field is null
   * @throws IllegalArgumentException if {@code ip} is not an address literal, the times do not fit
   *     the status, a value breaks the {@linkplain InputRules input rules}, or {@code
   *     truncatedFields} is not between 0 and 3
   */
  public ConnectionEvent {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(organizationId, "organizationId");
    Objects.requireNonNull(workspaceOwnerId, "workspaceOwnerId");
    Objects.requireNonNull(workspaceId, "workspaceId");
    Objects.requireNonNull(workspaceName, "workspaceName");
    Objects.requireNonNull(agentName, "agentName");
    Objects.requireNonNull(typeName, "typeName");
    Objects.requireNonNull(status, "status");
    InputRules.requireTime(time, "time");
    InputRules.requireTime(connectTime, "connectTime");
    if (disconnectTime != null) {
      InputRules.requireTime(disconnectTime, "disconnectTime");
    }
    InputRules.requireText(workspaceName, "workspaceName", InputRules.MAX_NAME_LENGTH);
    InputRules.requireText(agentName, "agentName", InputRules.MAX_NAME_LENGTH);
    InputRules.requireText(typeName, "typeName", InputRules.MAX_TYPE_NAME_LENGTH);
    if (typeName.isEmpty()) {
      throw new IllegalArgumentException("typeName was '' but must not be empty");
    }
    if (truncatedFields < 0 || truncatedFields > FREE_TEXT_FIELDS) {
      throw new IllegalArgumentException(
          "truncatedFields was "
              + truncatedFields
              + " but must be between 0 and "
              + FREE_TEXT_FIELDS
              + " (the free-text fields)");
    }
    String ua = InputRules.truncateText(userAgent, "userAgent", InputRules.MAX_USER_AGENT_LENGTH);
    String sp =
        InputRules.truncateText(slugOrPort, "slugOrPort", InputRules.MAX_SLUG_OR_PORT_LENGTH);
    String dr =
        InputRules.truncateText(
            disconnectReason, "disconnectReason", InputRules.MAX_DISCONNECT_REASON_LENGTH);
    // truncateText returns its argument itself unless it cut it
    int cut =
        (ua != userAgent ? 1 : 0) + (sp != slugOrPort ? 1 : 0) + (dr != disconnectReason ? 1 : 0);
    userAgent = ua;
    slugOrPort = sp;
    disconnectReason = dr;
    truncatedFields = Math.min(FREE_TEXT_FIELDS, truncatedFields + cut);
    if (ip != null && !IpLiterals.isIpLiteral(ip)) {
      throw new IllegalArgumentException(
          "ip was '" + InputRules.shorten(ip) + "' but must be an IPv4 or IPv6 address literal");
    }
    if (ip != null) {
      ip = IpLiterals.canonical(ip);
    }
    if (status == ConnectionStatus.DISCONNECTED) {
      if (disconnectTime == null) {
        throw new IllegalArgumentException("a DISCONNECTED event needs a disconnectTime");
      }
      if (disconnectTime.isBefore(connectTime)) {
        throw new IllegalArgumentException(
            "disconnectTime was "
                + disconnectTime
                + " but must not be before connectTime "
                + connectTime);
      }
    } else if (disconnectTime != null) {
      throw new IllegalArgumentException(
          "disconnectTime was " + disconnectTime + " but a CONNECTED event has none");
    }
  }

  /**
   * Creates an event of a known type; the same as the canonical constructor with {@code
   * type.wireName()}.
   *
   * @param id the row id
   * @param time when this event happened
   * @param organizationId the workspace's organization
   * @param workspaceOwnerId the workspace's owner
   * @param workspaceId the workspace
   * @param workspaceName the workspace's name
   * @param agentName the agent connected to
   * @param type the kind of connection
   * @param code an exit or status code, or null
   * @param ip the client's address literal, or null
   * @param userAgent the client's user agent, or null
   * @param userId the connecting user, or null
   * @param slugOrPort the app slug or the forwarded port, or null
   * @param connectionId the session's id, or null
   * @param status connected or disconnected
   * @param disconnectReason why the connection closed, or null
   * @param connectTime the session's earliest known connect time
   * @param disconnectTime the session's latest disconnect time, or null while connected
   * @throws NullPointerException if a required field is null
   * @throws IllegalArgumentException as the canonical constructor
   */
  public ConnectionEvent(
      UUID id,
      Instant time,
      UUID organizationId,
      UUID workspaceOwnerId,
      UUID workspaceId,
      String workspaceName,
      String agentName,
      ConnectionType type,
      @Nullable Integer code,
      @Nullable String ip,
      @Nullable String userAgent,
      @Nullable UUID userId,
      @Nullable String slugOrPort,
      @Nullable UUID connectionId,
      ConnectionStatus status,
      @Nullable String disconnectReason,
      Instant connectTime,
      @Nullable Instant disconnectTime) {
    this(
        id,
        time,
        organizationId,
        workspaceOwnerId,
        workspaceId,
        workspaceName,
        agentName,
        Objects.requireNonNull(type, "type").wireName(),
        code,
        ip,
        userAgent,
        userId,
        slugOrPort,
        connectionId,
        status,
        disconnectReason,
        connectTime,
        disconnectTime,
        0);
  }

  /**
   * Creates an event from its values; the same as the canonical constructor with {@code
   * truncatedFields} 0 (the result counts the fields this call truncates).
   *
   * @param id the row id
   * @param time when this event happened
   * @param organizationId the workspace's organization
   * @param workspaceOwnerId the workspace's owner
   * @param workspaceId the workspace
   * @param workspaceName the workspace's name
   * @param agentName the agent connected to
   * @param typeName the kind of connection, as its wire name
   * @param code an exit or status code, or null
   * @param ip the client's address literal, or null
   * @param userAgent the client's user agent, or null
   * @param userId the connecting user, or null
   * @param slugOrPort the app slug or the forwarded port, or null
   * @param connectionId the session's id, or null
   * @param status connected or disconnected
   * @param disconnectReason why the connection closed, or null
   * @param connectTime the session's earliest known connect time
   * @param disconnectTime the session's latest disconnect time, or null while connected
   * @throws NullPointerException if a required field is null
   * @throws IllegalArgumentException as the canonical constructor
   */
  public ConnectionEvent(
      UUID id,
      Instant time,
      UUID organizationId,
      UUID workspaceOwnerId,
      UUID workspaceId,
      String workspaceName,
      String agentName,
      String typeName,
      @Nullable Integer code,
      @Nullable String ip,
      @Nullable String userAgent,
      @Nullable UUID userId,
      @Nullable String slugOrPort,
      @Nullable UUID connectionId,
      ConnectionStatus status,
      @Nullable String disconnectReason,
      Instant connectTime,
      @Nullable Instant disconnectTime) {
    this(
        id,
        time,
        organizationId,
        workspaceOwnerId,
        workspaceId,
        workspaceName,
        agentName,
        typeName,
        code,
        ip,
        userAgent,
        userId,
        slugOrPort,
        connectionId,
        status,
        disconnectReason,
        connectTime,
        disconnectTime,
        0);
  }

  /**
   * Compares the values this event holds; {@link #truncatedFields()} is not one of them.
   *
   * @param o another object
   * @return true if {@code o} is an event holding the same values
   */
  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ConnectionEvent)) {
      return false;
    }
    ConnectionEvent e = (ConnectionEvent) o;
    return id.equals(e.id)
        && time.equals(e.time)
        && organizationId.equals(e.organizationId)
        && workspaceOwnerId.equals(e.workspaceOwnerId)
        && workspaceId.equals(e.workspaceId)
        && workspaceName.equals(e.workspaceName)
        && agentName.equals(e.agentName)
        && typeName.equals(e.typeName)
        && Objects.equals(code, e.code)
        && Objects.equals(ip, e.ip)
        && Objects.equals(userAgent, e.userAgent)
        && Objects.equals(userId, e.userId)
        && Objects.equals(slugOrPort, e.slugOrPort)
        && Objects.equals(connectionId, e.connectionId)
        && status == e.status
        && Objects.equals(disconnectReason, e.disconnectReason)
        && connectTime.equals(e.connectTime)
        && Objects.equals(disconnectTime, e.disconnectTime);
  }

  /**
   * @return a hash of the values {@link #equals(Object)} compares
   */
  @Override
  public int hashCode() {
    return Objects.hash(
        id,
        time,
        organizationId,
        workspaceOwnerId,
        workspaceId,
        workspaceName,
        agentName,
        typeName,
        code,
        ip,
        userAgent,
        userId,
        slugOrPort,
        connectionId,
        status,
        disconnectReason,
        connectTime,
        disconnectTime);
  }

  /**
   * Returns the kind of connection: the known type named by {@link #typeName()}, or {@link
   * ConnectionType#OTHER} for a name this version does not know.
   *
   * @return the type, never null
   */
  public ConnectionType type() {
    return ConnectionType.fromWireNameOrOther(typeName);
  }

  /**
   * Starts a builder. Unless {@link Builder#id(UUID)} is called, each event it builds gets a new
   * random id.
   *
   * @return an empty builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * @return true for a {@code DISCONNECTED} event
   */
  public boolean isDisconnect() {
    return status == ConnectionStatus.DISCONNECTED;
  }

  /**
   * @return a builder holding this event's descriptive fields (not its status or times)
   */
  public Builder toBuilder() {
    return new Builder()
        .id(id)
        .organizationId(organizationId)
        .workspaceOwnerId(workspaceOwnerId)
        .workspaceId(workspaceId)
        .workspaceName(workspaceName)
        .agentName(agentName)
        .typeName(typeName)
        .code(code)
        .ip(ip)
        .userAgent(userAgent)
        .userId(userId)
        .slugOrPort(slugOrPort)
        .connectionId(connectionId)
        .disconnectReason(disconnectReason);
  }

  ConnectionEvent withTimes(Instant newConnectTime, Instant newDisconnectTime) {
    if (newConnectTime.equals(connectTime) && Objects.equals(newDisconnectTime, disconnectTime)) {
      return this;
    }
    return new ConnectionEvent(
        id,
        time,
        organizationId,
        workspaceOwnerId,
        workspaceId,
        workspaceName,
        agentName,
        typeName,
        code,
        ip,
        userAgent,
        userId,
        slugOrPort,
        connectionId,
        status,
        disconnectReason,
        newConnectTime,
        newDisconnectTime,
        truncatedFields);
  }

  /**
   * Builds {@link ConnectionEvent}s; {@link #connect(Instant)} and {@link #disconnect(Instant)}
   * finish an event and leave the builder as it was, so one builder can make a session's connect
   * and disconnect. Not thread-safe.
   */
  public static final class Builder {
    private @Nullable UUID id;
    private @Nullable UUID organizationId;
    private @Nullable UUID workspaceOwnerId;
    private @Nullable UUID workspaceId;
    private @Nullable String workspaceName;
    private @Nullable String agentName;
    private @Nullable String typeName;
    private @Nullable Integer code;
    private @Nullable String ip;
    private @Nullable String userAgent;
    private @Nullable UUID userId;
    private @Nullable String slugOrPort;
    private @Nullable UUID connectionId;
    private @Nullable String disconnectReason;

    private Builder() {}

    /**
     * Sets {@code id}.
     *
     * @param id the row id (default: a new random id per event)
     * @return this
     */
    public Builder id(@Nullable UUID id) {
      this.id = id;
      return this;
    }

    /**
     * Sets {@code organizationId}.
     *
     * @param organizationId the workspace's organization
     * @return this
     */
    public Builder organizationId(UUID organizationId) {
      this.organizationId = organizationId;
      return this;
    }

    /**
     * Sets {@code workspaceOwnerId}.
     *
     * @param workspaceOwnerId the workspace's owner
     * @return this
     */
    public Builder workspaceOwnerId(UUID workspaceOwnerId) {
      this.workspaceOwnerId = workspaceOwnerId;
      return this;
    }

    /**
     * Sets {@code workspaceId}.
     *
     * @param workspaceId the workspace
     * @return this
     */
    public Builder workspaceId(UUID workspaceId) {
      this.workspaceId = workspaceId;
      return this;
    }

    /**
     * Sets {@code workspaceName}.
     *
     * @param workspaceName the workspace's name
     * @return this
     */
    public Builder workspaceName(String workspaceName) {
      this.workspaceName = workspaceName;
      return this;
    }

    /**
     * Sets {@code agentName}.
     *
     * @param agentName the agent's name
     * @return this
     */
    public Builder agentName(String agentName) {
      this.agentName = agentName;
      return this;
    }

    /**
     * Sets {@code type}.
     *
     * @param type the kind of connection (sets {@link #typeName(String)})
     * @return this
     */
    public Builder type(ConnectionType type) {
      this.typeName = type == null ? null : type.wireName();
      return this;
    }

    /**
     * Sets the type by its wire name, which may be one this version does not know.
     *
     * @param typeName e.g. {@code "ssh"} or {@code "tunnel"}
     * @return this
     */
    public Builder typeName(String typeName) {
      this.typeName = typeName;
      return this;
    }

    /**
     * Sets {@code code}.
     *
     * @param code an exit or status code, or null
     * @return this
     */
    public Builder code(@Nullable Integer code) {
      this.code = code;
      return this;
    }

    /**
     * Sets {@code ip}.
     *
     * @param ip the client's address literal, or null
     * @return this
     */
    public Builder ip(@Nullable String ip) {
      this.ip = ip;
      return this;
    }

    /**
     * Sets {@code userAgent}.
     *
     * @param userAgent the client's user agent, or null
     * @return this
     */
    public Builder userAgent(@Nullable String userAgent) {
      this.userAgent = userAgent;
      return this;
    }

    /**
     * Sets {@code userId}.
     *
     * @param userId the connecting user, or null
     * @return this
     */
    public Builder userId(@Nullable UUID userId) {
      this.userId = userId;
      return this;
    }

    /**
     * Sets {@code slugOrPort}.
     *
     * @param slugOrPort the app slug or forwarded port, or null
     * @return this
     */
    public Builder slugOrPort(@Nullable String slugOrPort) {
      this.slugOrPort = slugOrPort;
      return this;
    }

    /**
     * Sets {@code connectionId}.
     *
     * @param connectionId the session's id, or null
     * @return this
     */
    public Builder connectionId(@Nullable UUID connectionId) {
      this.connectionId = connectionId;
      return this;
    }

    /**
     * Sets {@code disconnectReason}.
     *
     * @param disconnectReason why the connection closed, or null
     * @return this
     */
    public Builder disconnectReason(@Nullable String disconnectReason) {
      this.disconnectReason = disconnectReason;
      return this;
    }

    /**
     * Builds a {@code CONNECTED} event at {@code time} ({@code connectTime = time}).
     *
     * @param time when the connection opened
     * @return the event
     * @throws NullPointerException if a required field is missing
     * @throws IllegalArgumentException if a field is invalid
     */
    public ConnectionEvent connect(Instant time) {
      return build(time, ConnectionStatus.CONNECTED, time, null);
    }

    /**
     * Builds a {@code DISCONNECTED} event at {@code time} ({@code connectTime = disconnectTime =
     * time}).
     *
     * @param time when the connection closed
     * @return the event
     * @throws NullPointerException if a required field is missing
     * @throws IllegalArgumentException if a field is invalid
     */
    public ConnectionEvent disconnect(Instant time) {
      return build(time, ConnectionStatus.DISCONNECTED, time, time);
    }

    private ConnectionEvent build(
        Instant time,
        ConnectionStatus status,
        Instant connectTime,
        @Nullable Instant disconnectTime) {
      Objects.requireNonNull(time, "time");
      return new ConnectionEvent(
          id != null ? id : UUID.randomUUID(),
          time,
          organizationId,
          workspaceOwnerId,
          workspaceId,
          workspaceName,
          agentName,
          typeName,
          code,
          ip,
          userAgent,
          userId,
          slugOrPort,
          connectionId,
          status,
          disconnectReason,
          connectTime,
          disconnectTime);
    }
  }
}
