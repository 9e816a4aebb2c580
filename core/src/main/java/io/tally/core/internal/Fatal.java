package io.tally.core.internal;

/**
 * The one rule for guarding user callbacks: catch {@code RuntimeException | Error}, then call
 * {@link #rethrowIfFatal(Throwable)} so that only a {@link VirtualMachineError} (out of memory,
 * stack overflow, internal error) escapes; anything else, an {@link AssertionError} included, is
 * counted and logged by the caller and never kills a timer or worker thread.
 */
public final class Fatal {
  private Fatal() {}

  /**
   * Rethrows {@code t} if the JVM cannot be trusted to go on after it.
   *
   * @param t what a callback threw
   * @throws VirtualMachineError if {@code t} is one
   */
  public static void rethrowIfFatal(Throwable t) {
    if (t instanceof VirtualMachineError) {
      throw (VirtualMachineError) t;
    }
  }
}
