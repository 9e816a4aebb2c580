/**
 * The backend SPI of the connection log: {@link io.tally.core.backend.Backend} (a destination
 * for events) and {@link io.tally.core.backend.FanOut} (one backend that feeds several).
 *
 * <p>Choices made here: a backend's {@code write} and {@code close} throw only unchecked
 * exceptions; {@code FanOut} catches {@link java.lang.RuntimeException} from each backend (an
 * {@link java.lang.Error} propagates at once, as it signals a broken JVM rather than a broken
 * backend) and reports every failure in one {@link io.tally.core.backend.BackendException}.
 * {@code FanOut} does not log: the caller gets the exception.
 */
package io.tally.core.backend;
