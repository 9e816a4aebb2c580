/**
 * Tally's H2 stores, the embedded default: {@link io.tally.store.h2.H2Schema} (versioned
 * migrations under {@code db/tally/h2/}) and the stores that write to it, such as
 * {@link io.tally.store.h2.H2LastUsedStore}.
 *
 * <p>Choices: each store writes a batch with one {@code MERGE ... USING (SELECT ... FROM UNNEST(?,
 * ?))} statement (array parameters, so one round trip whatever the batch size); times are stored
 * as {@code TIMESTAMP(6) WITH TIME ZONE}, truncated to microseconds in Java because H2 would round
 * them; ids of Tally's own {@code last_used} table are stored as text so one table holds UUID, Long
 * or String keys.
 */
package io.tally.store.h2;
