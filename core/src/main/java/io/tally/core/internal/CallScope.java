package io.tally.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;

/**
 * What one store call has open (JDBC connections), so that a call abandoned at its timeout can be
 * ended for real: a blocked socket read ignores the interrupt, but aborting the connection closes
 * the socket under it. {@link TimedCall} opens a scope around every call; a data source that knows
 * scopes ({@code io.tally.jdbc.GuardedDataSource}, through the public {@code
 * io.tally.core.spi.StoreCallScope}) registers each connection it hands out on the calling thread
 * and unregisters it when it is closed. Thread-safe.
 */
public final class CallScope {
  /** Something a scope can end at once, such as a borrowed connection. */
  @FunctionalInterface
  public interface Abortable {
    /** Ends it without waiting for the other end; must not block for long. */
    void abort();
  }

  private static final ThreadLocal<CallScope> CURRENT = new ThreadLocal<>();
  private static final TallyThreadFactory ABORTS = new TallyThreadFactory("abort");

  private final List<Abortable> open = new ArrayList<>();
  private boolean aborted;

  /** A scope for one store call; nothing is open yet. */
  public CallScope() {}

  /**
   * @return the scope of the store call running on this thread, or {@code null} outside one
   */
  public static @Nullable CallScope current() {
    return CURRENT.get();
  }

  /**
   * Registers something the call opened. If the call was already abandoned, it is aborted at once
   * instead.
   *
   * @param a what to abort if the call is abandoned
   */
  public void add(Abortable a) {
    synchronized (this) {
      if (!aborted) {
        open.add(a);
        return;
      }
    }
    a.abort();
  }

  /**
   * @param a something registered with {@link #add}, now closed normally
   */
  public synchronized void remove(Abortable a) {
    open.remove(a);
  }

  /**
   * @param call the store call
   * @param <T> its result type
   * @return {@code call}, run with this scope as the thread's current one
   */
  public <T> Callable<T> wrap(Callable<T> call) {
    return () -> {
      CURRENT.set(this);
      try {
        return call.call();
      } finally {
        CURRENT.remove();
      }
    };
  }

  /**
   * Abandons the call: aborts what it has open, on a thread of its own so the caller returns at
   * once, and aborts whatever it opens later.
   */
  public void abort() {
    List<Abortable> toAbort;
    synchronized (this) {
      aborted = true;
      toAbort = new ArrayList<>(open);
      open.clear();
    }
    if (toAbort.isEmpty()) {
      return;
    }
    ABORTS
        .newThread(
            () -> {
              for (Abortable a : toAbort) {
                a.abort();
              }
            })
        .start();
  }
}
