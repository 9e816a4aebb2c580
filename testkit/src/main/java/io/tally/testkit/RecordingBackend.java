package io.tally.testkit;

import io.tally.core.backend.Backend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Backend} that keeps every event it receives, for assertions. It can be told to fail the
 * next writes, to check that a fan-out keeps going. Thread-safe.
 *
 * <pre>{@code
 * RecordingBackend<ConnectionEvent> recording = RecordingBackend.create();
 * Backend<ConnectionEvent> log = FanOut.of(batcher, recording);
 * log.write(event);
 * assertThat(recording.events()).containsExactly(event);
 * }</pre>
 *
 * @param <T> the event type
 */
public final class RecordingBackend<T> implements Backend<T> {
  private final List<T> events = new ArrayList<>();
  private final AtomicInteger failNext = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicInteger closeCalls = new AtomicInteger();

  private RecordingBackend() {}

  /**
   * @param <T> the event type
   * @return an empty recording backend
   */
  public static <T> RecordingBackend<T> create() {
    return new RecordingBackend<>();
  }

  @Override
  public void write(T event) {
    Objects.requireNonNull(event, "event");
    if (closed.get()) {
      throw new IllegalStateException("RecordingBackend is closed");
    }
    if (failNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
      throw new InjectedFault("write: injected failure", false);
    }
    synchronized (events) {
      events.add(event);
    }
  }

  /**
   * The next {@code n} writes throw {@link InjectedFault} and record nothing.
   *
   * @param n how many writes fail
   * @return this
   */
  public RecordingBackend<T> failNext(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("n was " + n + " but must be >= 0");
    }
    failNext.set(n);
    return this;
  }

  /**
   * @return a copy of the events received, in arrival order
   */
  public List<T> events() {
    synchronized (events) {
      return new ArrayList<>(events);
    }
  }

  /**
   * @return how many events were received
   */
  public int count() {
    synchronized (events) {
      return events.size();
    }
  }

  /**
   * Waits until at least {@code n} events have arrived.
   *
   * @param n how many
   * @param timeout real-time bound
   */
  public void awaitCount(int n, Duration timeout) {
    Await.until(n + " events recorded", timeout, () -> count() >= n);
  }

  /** Forgets every event received so far. */
  public void clear() {
    synchronized (events) {
      events.clear();
    }
  }

  @Override
  public void close() {
    closeCalls.incrementAndGet();
    closed.set(true);
  }

  /**
   * @return whether {@link #close()} was called
   */
  public boolean isClosed() {
    return closed.get();
  }

  /**
   * @return how many times {@link #close()} was called
   */
  public int closeCalls() {
    return closeCalls.get();
  }
}
