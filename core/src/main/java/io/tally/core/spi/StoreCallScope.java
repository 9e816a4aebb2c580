package io.tally.core.spi;

import io.tally.core.internal.CallScope;
import java.util.Objects;

/**
 * The abort registry of the Tally store call running on the current thread: a data source registers
 * each connection it hands out, so that a call given up at its timeout (or cancelled by {@code
 * close()}) has its connections aborted at once rather than left blocked in a socket read. {@code
 * io.tally.jdbc.GuardedDataSource} uses it; a store with its own data source can too.
 */
public final class StoreCallScope {
  /** What {@link #register} returns: tells the scope that the registered thing closed normally. */
  @FunctionalInterface
  public interface Registration {
    /** Unregisters; the abort action no longer runs. Idempotent. */
    void unregister();
  }

  private static final Registration NONE = () -> {};

  private StoreCallScope() {}

  /**
   * Registers an abort action with the current store call. If the call was already given up, the
   * action runs at once. Outside a store call this does nothing.
   *
   * @param abort ends what was opened (e.g. {@code Connection.abort}) without waiting for the other
   *     end; must not block for long
   * @return the registration, to undo when what was opened is closed normally
   * @throws NullPointerException if {@code abort} is null
   */
  public static Registration register(Runnable abort) {
    Objects.requireNonNull(abort, "abort");
    CallScope scope = CallScope.current();
    if (scope == null) {
      return NONE;
    }
    CallScope.Abortable a = abort::run;
    scope.add(a);
    return () -> scope.remove(a);
  }
}
