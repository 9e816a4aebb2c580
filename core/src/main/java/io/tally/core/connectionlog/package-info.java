/**
 * The connection log: {@link io.tally.core.connectionlog.ConnectionEvent} (one event or a
 * coalesced session), its coalescing rules ({@link io.tally.core.connectionlog.ConnectionEvents})
 * and the store SPI ({@link io.tally.core.connectionlog.ConnectionLogStore}).
 *
 * <p>Choices made here that the design leaves open:
 *
 * <ul>
 *   <li>{@code connectTime} is never null: every event has one (a standalone disconnect uses its
 *       own time); {@code disconnectTime} is null exactly for {@code CONNECTED} events.
 *   <li>{@code ip} must be an address literal and is checked when the event is made, so that
 *       one bad value cannot make a whole batch fail in the database again and again.
 *       {@code userId} is optional (web events may have no user), as in the reference.
 *   <li>The batcher's coalescing key is the connection id alone (ids are fresh per session);
 *       stores key rows by {@code (connectionId, workspaceId, agentName)}, the unique index.
 *   <li>On equal times between two events of the same status, the one pending first wins (as in
 *       the reference).
 * </ul>
 */
package io.tally.core.connectionlog;
