/**
 * The connection log: {@link io.tally.core.connectionlog.ConnectionEvent} (one event or a coalesced
 * session), its coalescing rules ({@link io.tally.core.connectionlog.ConnectionEvents}) the store
 * SPI ({@link io.tally.core.connectionlog.ConnectionLogStore}) and the background deletion of old
 * rows ({@link io.tally.core.connectionlog.ConnectionLogRetention}).
 *
 * <p>Choices made here that the design leaves open:
 *
 * <ul>
 *   <li>{@code connectTime} is never null: every event has one (a standalone disconnect uses its
 *       own time); {@code disconnectTime} is null exactly for {@code CONNECTED} events.
 *   <li>{@code ip} must be an address literal and is checked when the event is made, so that one
 *       bad value cannot make a whole batch fail in the database again and again. {@code userId} is
 *       optional (web events may have no user), as in Coder's control plane (Go), Tally's reference
 *       design.
 *   <li>Every other value is checked against the {@link io.tally.core.InputRules} when the event is
 *       made, for the same reason: times between {@code 1000-01-01T00:00:00Z} and {@code
 *       9999-12-31T23:59:59.999999999Z}, no NUL or lone surrogate in any string, workspace and
 *       agent names at most 1,000 UTF-16 code units and the type name at most 64 (rejected past
 *       that), user agent and disconnect reason truncated to 4,000 and slug or port to 1,000
 *       (counted). Every built-in store holds every event that can be made.
 *   <li>The type travels as its wire name ({@code ConnectionEvent.typeName()}): a type added by a
 *       newer Tally is carried, stored and read back unchanged, and {@code type()} reports it as
 *       {@link io.tally.core.connectionlog.ConnectionType#OTHER}.
 *   <li>A store reports an event whose id is already stored for another session as a {@link
 *       io.tally.core.StoreException.Kind#DATA} failure, so the batcher isolates that event alone.
 *   <li>The batcher's coalescing key ({@link
 *       io.tally.core.connectionlog.ConnectionEvents#coalescing()}) is the connection id alone,
 *       while the stores key rows by {@code (connectionId, workspaceId, agentName)}, their unique
 *       index. The two agree because, as in Coder's control plane, a connection id is generated for
 *       one session of one agent: it is unique to one workspace and agent, so events with the same
 *       connection id always belong to the same row. Should two agents ever send the same id, the
 *       batcher would merge their events into one and only the winner's row would be written; a
 *       custom {@link io.tally.core.batch.Coalescing} keyed on the full row key avoids that for
 *       such sources. The stores' own pre-merge ({@code ConnectionEvents.coalesceForStore}) always
 *       uses the full row key.
 *   <li>On equal times between two events of the same status, the one pending first wins (as in
 *       Coder's control plane).
 *   <li>Retention deletes by connect time only, with an exclusive cutoff (as Coder's control
 *       plane): a session still open is deleted once its connect time is older than the retention.
 *       A run is bounded by a time budget rather than a row count, and its lock is a try-lock per
 *       run (not per transaction), so two replicas never delete at the same time and neither waits.
 * </ul>
 */
@NullMarked
package io.tally.core.connectionlog;

import org.jspecify.annotations.NullMarked;
