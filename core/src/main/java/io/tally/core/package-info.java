/**
 * Tally's public core: the {@link io.tally.core.Clock} every component reads time from,
 * observability types ({@link io.tally.core.ComponentStats}, {@link io.tally.core.Health},
 * {@link io.tally.core.FlushResult}, {@link io.tally.core.FlushListener}) and the wiring entry
 * points.
 *
 * <p>Conventions across Tally: every public type is final or an interface; builders validate in
 * {@code build()} and name the bad option and value; a {@code null} argument fails with a
 * {@link java.lang.NullPointerException} naming the parameter; hot-path calls never wait on the
 * database.
 */
package io.tally.core;
