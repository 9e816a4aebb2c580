package io.tally.core;

/**
 * A store could not do what it was asked. Thrown by the built-in stores, wrapping the
 * underlying cause (for example a {@link java.sql.SQLException}); components treat any
 * exception from a store as a failed flush and keep the data for the next attempt.
 *
 * <p>Designed for extension: this class is deliberately not final, so that store authors can
 * throw their own subclasses (for example one that tells a retryable failure from a permanent
 * one) while callers keep catching {@code StoreException}. Tally itself only relies on it being
 * a {@link RuntimeException}. Messages should say what failed and where (a table, an SQLState),
 * never credentials, connection URLs or row values; the cause carries the details.
 */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what failed, never containing credentials
   * @param cause the underlying exception
   */
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /** @param message what failed, never containing credentials */
  public StoreException(String message) {
    super(message);
  }
}
