package io.tally.jdbc;

import io.tally.core.StoreException;
import io.tally.core.spi.Stores;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/**
 * The skeleton of a SQL store's privilege check ({@link Stores#missingPrivileges}): it borrows one
 * connection, asks the subclass what is missing on it, and turns a {@link SQLException} into a
 * {@link StoreException} naming its SQLState.
 */
public abstract class JdbcPrivilegeCheck implements Stores.PrivilegeCheck {
  private final DataSource dataSource;

  /**
   * Creates the check on {@code dataSource}.
   *
   * @param dataSource the database to check, on the migrations' connection settings
   */
  protected JdbcPrivilegeCheck(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public final List<String> missing(boolean migrating) {
    try (Connection c = dataSource.getConnection()) {
      return missing(c, migrating);
    } catch (SQLException e) {
      throw new StoreException(
          "checking the database user's privileges failed (SQLState " + e.getSQLState() + ")", e);
    }
  }

  /**
   * Returns what the user lacks, one sentence per missing privilege, each saying how to grant it.
   *
   * @param c the connection to check on, closed by the caller
   * @param migrating whether the migrations will run (and may create missing tables)
   * @return the missing privileges; empty when none is missing
   * @throws SQLException if a query fails
   */
  protected abstract List<String> missing(Connection c, boolean migrating) throws SQLException;
}
