package io.tally.jdbc;

import io.tally.core.StoreException;
import io.tally.core.StoreException.Kind;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * Classifies a JDBC failure by its SQLState into a {@link StoreException.Kind}, the one
 * classification every SQL store uses:
 *
 * <ul>
 *   <li>{@link Kind#DATA}: class {@code 22} (data exception: a value out of range, an invalid
 *       character such as NUL, a string too long) and class {@code 23} (integrity constraint
 *       violation: a duplicate key, a check constraint). Retrying the same rows cannot succeed.
 *   <li>{@link Kind#TRANSIENT}: class {@code 08} (connection exception), {@code 40} (transaction
 *       rollback: serialization failure, deadlock), {@code 53} (insufficient resources), {@code 57}
 *       (operator intervention: query cancelled, server shutting down), and H2's {@code HYT00}
 *       (lock timeout) and {@code HY008} (statement cancelled or timed out).
 *   <li>{@link Kind#UNKNOWN}: anything else, and an exception without an SQLState.
 * </ul>
 *
 * <p>The SQLState is taken from the first exception in the cause chain (and chained {@link
 * SQLException#getNextException() next exceptions}) that has one.
 */
public final class SqlStates {
  private SqlStates() {}

  /**
   * Returns the kind of failure an SQLState reports.
   *
   * @param sqlState the five-character SQLState, or null
   * @return its kind, {@link Kind#UNKNOWN} for null or an unclassified state
   */
  public static Kind kindOf(@Nullable String sqlState) {
    if (sqlState == null || sqlState.length() < 2) {
      return Kind.UNKNOWN;
    }
    if (sqlState.equals("HYT00") || sqlState.equals("HY008")) {
      return Kind.TRANSIENT;
    }
    switch (sqlState.substring(0, 2)) {
      case "22":
      case "23":
        return Kind.DATA;
      case "08":
      case "40":
      case "53":
      case "57":
        return Kind.TRANSIENT;
      default:
        return Kind.UNKNOWN;
    }
  }

  /**
   * Returns the SQLState of a failure: the first one found in its cause chain and in the chained
   * next exceptions of each {@link SQLException}.
   *
   * @param failure what a JDBC call threw
   * @return the SQLState, or null when none is set
   */
  public static @Nullable String sqlStateOf(Throwable failure) {
    int guard = 0;
    for (Throwable t = failure; t != null && guard < 32; t = t.getCause(), guard++) {
      if (t instanceof SQLException) {
        for (SQLException s = (SQLException) t;
            s != null && guard < 32;
            s = s.getNextException(), guard++) {
          if (s.getSQLState() != null) {
            return s.getSQLState();
          }
        }
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  /**
   * Wraps a JDBC failure into a {@link StoreException} of the kind its SQLState reports; the
   * message is {@code what} followed by {@code " failed (SQLState <state>)"}.
   *
   * @param what what failed, e.g. {@code "upserting 12 rows into table tally_connection_log"};
   *     never credentials, URLs or row values
   * @param failure the JDBC failure
   * @return the exception to throw
   */
  public static StoreException storeException(String what, SQLException failure) {
    String state = sqlStateOf(failure);
    return new StoreException(what + " failed (SQLState " + state + ")", failure, kindOf(state));
  }
}
