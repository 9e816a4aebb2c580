/**
 * The backend SPI of the connection log: {@link io.tally.core.backend.Backend} (a destination for
 * events) and {@link io.tally.core.backend.FanOut} (one backend that feeds several).
 *
 * <p>Choices made here: a backend's {@code write}, {@code offer} and {@code close} throw only
 * unchecked exceptions; {@code FanOut} catches every {@link java.lang.RuntimeException} and {@link
 * java.lang.Error} from each backend (only a {@link java.lang.VirtualMachineError} propagates at
 * once, as it signals a broken JVM rather than a broken backend), calls the remaining backends, and
 * reports every failure in one {@link io.tally.core.backend.BackendException}. {@code FanOut} does
 * not log: the caller gets the exception. {@code offer(event, maxWait)} gives each backend the same
 * budget; a backend that gives the event up for lack of room counts it as dropped ({@link
 * io.tally.core.DropReasons#ENQUEUE_TIMEOUT}) and {@code offer} returns {@code false}.
 */
@NullMarked
package io.tally.core.backend;

import org.jspecify.annotations.NullMarked;
