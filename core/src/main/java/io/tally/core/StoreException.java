package io.tally.core;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A store could not do what it was asked. Thrown by the built-in stores, wrapping the underlying
 * cause (for example a {@code java.sql.SQLException}).
 *
 * <p>Each exception says what kind of failure it is ({@link #kind()}), because components react
 * differently: a {@link Kind#TRANSIENT} failure (connection lost, timeout, serialization conflict)
 * keeps the data and retries it later; a {@link Kind#DATA} failure (the store rejects a value or a
 * constraint) can never succeed for the same items, so a component isolates the offending item and
 * drops it with reason {@link DropReasons#REJECTED}, writing the rest. A store that does not
 * classify throws {@link Kind#UNKNOWN}, which is retried like a transient failure until the same
 * batch has failed a few times in a row; then it is isolated as well, so one poison item cannot
 * stop a component even behind a store that never classifies.
 *
 * <p>Designed for extension: this class is deliberately not final, so that store authors can throw
 * their own subclasses while callers keep catching {@code StoreException}. Messages should say what
 * failed and where (a table, an SQLState), never credentials, connection URLs or row values; the
 * cause carries the details.
 */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What kind of failure a {@link StoreException} reports. */
  public enum Kind {
    /** The store or its connection failed; the same call may succeed later. */
    TRANSIENT,
    /** The store rejected the data itself (a value or constraint error); retrying cannot help. */
    DATA,
    /** The store did not say; treated as transient until the same batch keeps failing. */
    UNKNOWN
  }

  /** What kind of failure this is, which decides whether the work is retried. */
  private final Kind kind;

  /**
   * An exception of kind {@link Kind#UNKNOWN}.
   *
   * @param message what failed, never containing credentials
   * @param cause the underlying exception, or null
   */
  public StoreException(String message, @Nullable Throwable cause) {
    this(message, cause, Kind.UNKNOWN);
  }

  /**
   * An exception of kind {@link Kind#UNKNOWN} without a cause.
   *
   * @param message what failed, never containing credentials
   */
  public StoreException(String message) {
    this(message, null, Kind.UNKNOWN);
  }

  /**
   * @param message what failed, never containing credentials
   * @param cause the underlying exception, or null
   * @param kind what kind of failure this is
   * @throws NullPointerException if {@code kind} is null
   */
  public StoreException(String message, @Nullable Throwable cause, Kind kind) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  /**
   * @return what kind of failure this is
   */
  public Kind kind() {
    return kind;
  }

  /**
   * The kind of failure {@code failure} reports: the kind of the first {@link StoreException} in
   * its cause chain, or {@link Kind#UNKNOWN} when there is none.
   *
   * @param failure what a store call threw
   * @return the failure's kind, never null
   */
  public static Kind kindOf(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof StoreException) {
        return ((StoreException) t).kind;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return Kind.UNKNOWN;
  }
}
