package io.tally.core.internal;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a store call on an I/O thread and waits for it at most a real-time timeout, so a store that
 * hangs cannot hold a flush (or {@code close()}) forever. On timeout the call is cancelled:
 * interrupted if it runs, and never started if it still waits in the executor's queue (behind an
 * earlier call that ignored its interrupt), so with a single-thread executor two store calls never
 * overlap. An interrupt does not end a JDBC socket read, so the call also runs in a {@link
 * CallScope}: on timeout every connection it borrowed from a scope-aware data source is aborted
 * (its socket closed), which ends the read at once and lets the pool evict the connection.
 */
public final class TimedCall {
  private TimedCall() {}

  /**
   * @param io the executor that runs the call
   * @param call the store call
   * @param timeout real-time bound on the wait
   * @param <T> the call's result type
   * @return the call's result
   * @throws TimeoutException if the call did not finish in time (it is then interrupted and the
   *     connections it holds are aborted)
   * @throws Exception whatever the call threw, unwrapped
   */
  public static <T> T call(ExecutorService io, Callable<T> call, Duration timeout)
      throws Exception {
    CallScope scope = new CallScope();
    Future<T> future = io.submit(scope.wrap(call));
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      scope.abort();
      TimeoutException te = new TimeoutException("store call did not finish within " + timeout);
      te.initCause(e);
      throw te;
    } catch (InterruptedException e) {
      future.cancel(true);
      scope.abort();
      Thread.currentThread().interrupt();
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception) {
        throw (Exception) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw e;
    }
  }
}
