package io.tally.backend.nats;

/**
 * The stream did not acknowledge an event: thrown by {@link NatsBackend#write} in synchronous mode
 * when the acknowledgement did not come within the write timeout, or the event was given up.
 */
public final class NotAcknowledgedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Whether the event may still be acknowledged (and stored) after this was thrown. */
  private final boolean stillInFlight;

  NotAcknowledgedException(String message, boolean stillInFlight) {
    super(message);
    this.stillInFlight = stillInFlight;
  }

  /**
   * Returns whether the event is still being retried: it may yet be stored, and writing it again
   * (with the same id, within the duplicate window) stores it at most once.
   *
   * @return true while the event is in flight; false when it was given up (counted)
   */
  public boolean stillInFlight() {
    return stillInFlight;
  }
}
