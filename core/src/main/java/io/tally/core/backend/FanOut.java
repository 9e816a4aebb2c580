package io.tally.core.backend;

import io.tally.core.internal.Fatal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link Backend} that hands every event to each of several backends, in order.
 *
 * <p>A backend that throws (an exception or an {@link Error} such as an {@link AssertionError};
 * only a {@link VirtualMachineError} passes straight through) never stops the others: {@link
 * #write(Object)} calls every backend, then, if any failed, throws one {@link BackendException}
 * carrying every failure as a suppressed exception. {@link #close()} closes every backend the same
 * way (in order, all of them, then one {@code BackendException} for every failure). Immutable and
 * thread-safe if the backends are.
 *
 * <pre>{@code
 * Backend<ConnectionEvent> log = FanOut.of(batcher, slogBackend);
 * log.write(event);
 * log.close();
 * }</pre>
 *
 * @param <T> the event type
 */
public final class FanOut<T> implements Backend<T> {
  private final List<Backend<T>> backends;

  private FanOut(List<Backend<T>> backends) {
    this.backends = backends;
  }

  /**
   * Creates a fan-out over {@code backends}, in the order given.
   *
   * @param backends the backends; none may be null; may be empty
   * @param <T> the event type
   * @return the fan-out
   * @throws NullPointerException if the array or one of its elements is null
   */
  @SafeVarargs
  public static <T> FanOut<T> of(Backend<T>... backends) {
    Objects.requireNonNull(backends, "backends");
    List<Backend<T>> list = new ArrayList<>(backends.length);
    for (Backend<T> b : backends) {
      list.add(b);
    }
    return of(list);
  }

  /**
   * Creates a fan-out over {@code backends}, in list order. The list is copied.
   *
   * @param backends the backends; none may be null; may be empty
   * @param <T> the event type
   * @return the fan-out
   * @throws NullPointerException if the list or one of its elements is null
   */
  public static <T> FanOut<T> of(List<? extends Backend<T>> backends) {
    Objects.requireNonNull(backends, "backends");
    List<Backend<T>> copy = new ArrayList<>(backends.size());
    for (Backend<T> b : backends) {
      copy.add(Objects.requireNonNull(b, "backend"));
    }
    return new FanOut<>(List.copyOf(copy));
  }

  /**
   * @return the backends, in call order; unmodifiable
   */
  public List<Backend<T>> backends() {
    return backends;
  }

  /**
   * Writes {@code event} to every backend, in order, even after one fails.
   *
   * @param event the event
   * @throws NullPointerException if {@code event} is null (no backend is called)
   * @throws BackendException after every backend was called, if at least one threw
   */
  @Override
  public void write(T event) {
    Objects.requireNonNull(event, "event");
    toEach(event, null);
  }

  /**
   * Offers {@code event} to every backend, in order, each with the budget {@code maxWait} ({@link
   * Backend#offer(Object, Duration)}), even after one fails or gives the event up.
   *
   * @param event the event
   * @param maxWait how long each backend may wait for room; zero or positive
   * @return true if every backend took the event
   * @throws NullPointerException if an argument is null (no backend is called)
   * @throws BackendException after every backend was called, if at least one threw
   */
  @Override
  public boolean offer(T event, Duration maxWait) {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(maxWait, "maxWait");
    return toEach(event, maxWait);
  }

  /** Writes (maxWait null) or offers to every backend; true if every one took the event. */
  private boolean toEach(T event, Duration maxWait) {
    List<Throwable> failures = null;
    boolean all = true;
    for (Backend<T> backend : backends) {
      try {
        if (maxWait == null) {
          backend.write(event);
        } else if (!backend.offer(event, maxWait)) {
          all = false;
        }
      } catch (RuntimeException | Error e) {
        Fatal.rethrowIfFatal(e);
        if (failures == null) {
          failures = new ArrayList<>(2);
        }
        failures.add(e);
      }
    }
    if (failures != null) {
      throw new BackendException(
          failures.size() + " of " + backends.size() + " backends failed to write", failures);
    }
    return all;
  }

  /**
   * Closes every backend, in order, even after one fails.
   *
   * @throws BackendException after every backend was closed, if at least one threw
   */
  @Override
  public void close() {
    List<Throwable> failures = null;
    for (Backend<T> backend : backends) {
      try {
        backend.close();
      } catch (RuntimeException | Error e) {
        Fatal.rethrowIfFatal(e);
        if (failures == null) {
          failures = new ArrayList<>(2);
        }
        failures.add(e);
      }
    }
    if (failures != null) {
      throw new BackendException(
          failures.size() + " of " + backends.size() + " backends failed to close", failures);
    }
  }

  @Override
  public String toString() {
    return "FanOut" + backends;
  }
}
