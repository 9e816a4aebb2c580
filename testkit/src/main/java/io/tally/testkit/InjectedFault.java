package io.tally.testkit;

/** The exception a {@link FaultyStore} throws in place of (or after) the real store call. */
public final class InjectedFault extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Whether the real store call ran (and committed) before this was thrown. */
  private final boolean committed;

  InjectedFault(String message, boolean committed) {
    super(message);
    this.committed = committed;
  }

  /**
   * @return true when the real call ran and succeeded before this was thrown (outcome unknown)
   */
  public boolean committed() {
    return committed;
  }
}
