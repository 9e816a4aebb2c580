package io.tally.core.backend;

/**
 * A destination for events of type {@code T}: a database batcher, a structured log, a file, or
 * your own. The connection log hands every {@code ConnectionEvent} to a {@code Backend}, usually
 * a {@link FanOut} over several.
 *
 * <p>{@link #write(Object)} is called from application threads and should return quickly; a
 * backend that talks to a slow system should queue (as {@code io.tally.core.batch.Batcher}
 * does). It may throw: callers such as {@link FanOut} report the failure and carry on.
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
   * @throws RuntimeException if the backend could not take the event; what it means (retry,
   *     loss) is for the backend to document
   */
  void write(T event);

  /**
   * Releases the backend's resources, writing out what it holds if it buffers. The default does
   * nothing. Should be idempotent.
   *
   * @throws RuntimeException if closing failed
   */
  @Override
  default void close() {}
}
