package io.tally.core.backend;

import java.time.Duration;
import java.util.Objects;

/**
 * A destination for events of type {@code T}: a database batcher, a structured log, a file, or your
 * own. The connection log hands every {@code ConnectionEvent} to a {@code Backend}, usually a
 * {@link FanOut} over several.
 *
 * <p>{@link #write(Object)} is called from application threads and should return quickly; a backend
 * that talks to a slow system should queue (as {@code io.tally.core.batch.Batcher} does). It may
 * throw: callers such as {@link FanOut} report the failure and carry on.
 *
 * <p>{@link #close()} releases whatever the backend holds; the default does nothing.
 * Implementations must be thread-safe.
 *
 * @param <T> the event type
 */
public interface Backend<T> extends AutoCloseable {

  /**
   * Hands one event to this backend.
   *
   * @param event the event, never {@code null}
   * @throws NullPointerException if {@code event} is null
   * @throws RuntimeException if the backend could not take the event; what it means (retry, loss)
   *     is for the backend to document
   */
  void write(T event);

  /**
   * Hands one event to this backend, waiting at most {@code maxWait} if it must wait for room: a
   * write with a budget of the caller's own. A backend that never waits (the default) simply calls
   * {@link #write(Object)} and returns {@code true}; a queueing backend (such as {@code
   * io.tally.core.batch.Batcher}) returns {@code false} when it had no room in time and counts the
   * event as dropped.
   *
   * @param event the event, never {@code null}
   * @param maxWait how long the call may wait for room; zero or positive
   * @return true if the backend took the event, false if it gave it up for lack of room in time
   * @throws NullPointerException if an argument is null
   * @throws RuntimeException as {@link #write(Object)}
   */
  default boolean offer(T event, Duration maxWait) {
    Objects.requireNonNull(maxWait, "maxWait");
    write(event);
    return true;
  }

  /**
   * Releases the backend's resources, writing out what it holds if it buffers. The default does
   * nothing. Should be idempotent.
   *
   * @throws RuntimeException if closing failed
   */
  @Override
  default void close() {}
}
