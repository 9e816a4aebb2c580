package io.tally.jdbc;

import io.tally.core.StoreException;
import io.tally.core.spi.Stores;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The skeleton of a SQL store's privilege check ({@link Stores#missingPrivileges}): it borrows one
 * connection, asks the subclass what is missing on it, and turns a {@link SQLException} into a
 * {@link StoreException} naming its SQLState.
 */
public abstract class JdbcPrivilegeCheck implements Stores.PrivilegeCheck {
  /** What the stores do with each of Tally's tables: SELECT, INSERT, UPDATE and DELETE. */
  public static final List<String> TABLE_PRIVILEGES =
      List.of("SELECT", "INSERT", "UPDATE", "DELETE");

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

  /**
   * Returns Tally's tables as the migrations {@code V1..V4} of every SQL store create them, by base
   * name, each with one of its columns (for a probe that must name a column).
   *
   * @param withLockTable whether the store has the usage-stats lock table ({@code
   *     usage_stats_lock}: H2, MariaDB; PostgreSQL uses an advisory lock)
   * @return the tables in creation order, unmodifiable
   */
  protected static Map<String, String> tables(boolean withLockTable) {
    Map<String, String> tables = new LinkedHashMap<>();
    tables.put("last_used", "id");
    tables.put("connection_log", "id");
    tables.put("usage_stats", "replica_id");
    tables.put("usage_stats_members", "replica_id");
    tables.put("usage_stats_sequence", "replica_id");
    tables.put("usage_stats_claims", "period_end");
    if (withLockTable) {
      tables.put("usage_stats_lock", "id");
    }
    tables.put("usage_stats_claim_rows", "period_end");
    return Collections.unmodifiableMap(tables);
  }

  /**
   * How a database answers a probe: the error codes that mean the privilege is missing, that the
   * table does not exist, or that the privilege was granted (an error the server raises only after
   * the privilege check, e.g. a NOT NULL column the probe left without a value).
   *
   * @param denied the codes of a missing privilege
   * @param noTable the codes of a missing table
   * @param allowed the codes that still mean the privilege is granted
   */
  protected record ProbeErrors(Set<Integer> denied, Set<Integer> noTable, Set<Integer> allowed) {
    /**
     * Copies the sets.
     *
     * @param denied the codes of a missing privilege
     * @param noTable the codes of a missing table
     * @param allowed the codes that still mean the privilege is granted
     * @throws NullPointerException if a set is null
     */
    public ProbeErrors {
      denied = Set.copyOf(denied);
      noTable = Set.copyOf(noTable);
      allowed = Set.copyOf(allowed);
    }
  }

  /**
   * Runs {@code work} in a transaction that is rolled back at the end, whatever it did: for probes
   * that must leave nothing behind. The connection's auto-commit mode is restored.
   *
   * @param c the connection
   * @param work the probes
   * @param <T> the result type
   * @return what {@code work} returned
   * @throws SQLException if the work, the rollback or the reset fails
   */
  protected static <T extends @Nullable Object> T rolledBack(
      Connection c, Transactions.Work<T> work) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      return work.run(c);
    } finally {
      c.rollback();
      c.setAutoCommit(autoCommit);
    }
  }

  /**
   * Tries each privilege on a table with its probe, a statement that needs that privilege only and
   * touches no row, for databases whose catalog does not show a user's effective rights. Run it in
   * {@link #rolledBack}.
   *
   * @param c the connection
   * @param table the table, as the probes name it
   * @param probes by privilege, in the order to try, the statement that needs it
   * @param errors how the database's error codes answer a probe
   * @param absent where {@code table} is added if it does not exist
   * @return the privileges the probes were denied, in probe order; empty if none was, or if the
   *     table does not exist
   * @throws SQLException if a probe fails for another reason than those of {@code errors}
   */
  protected static List<String> deniedByProbes(
      Connection c,
      String table,
      Map<String, String> probes,
      ProbeErrors errors,
      List<String> absent)
      throws SQLException {
    Objects.requireNonNull(table, "table");
    List<String> denied = new ArrayList<>();
    for (Map.Entry<String, String> p : probes.entrySet()) {
      try (Statement s = c.createStatement()) {
        s.execute(p.getValue());
      } catch (SQLException e) {
        int code = e.getErrorCode();
        if (errors.noTable().contains(code)) {
          absent.add(table);
          return List.of();
        }
        if (errors.allowed().contains(code)) {
          continue;
        }
        if (!errors.denied().contains(code)) {
          throw e;
        }
        denied.add(p.getKey());
      }
    }
    return denied;
  }

  /**
   * Says which privileges a user lacks on a table and how to grant them.
   *
   * @param lacking the missing privileges, e.g. {@code [INSERT]}
   * @param table the table as the {@code GRANT} names it
   * @param grant the privileges the fix grants, e.g. {@link #TABLE_PRIVILEGES}
   * @param user the user as the {@code GRANT} names it
   * @return e.g. {@code INSERT on table app.tally_last_used (GRANT SELECT, INSERT, UPDATE, DELETE
   *     ON app.tally_last_used TO tally_app)}
   */
  protected static String lackingOnTable(
      List<String> lacking, String table, List<String> grant, String user) {
    return String.join(", ", lacking)
        + " on table "
        + table
        + " (GRANT "
        + String.join(", ", grant)
        + " ON "
        + table
        + " TO "
        + user
        + ")";
  }

  /**
   * Says that tables are missing while the migrations will not run.
   *
   * @param absent the missing tables
   * @param where where they were looked for, e.g. {@code in database app}
   * @param createOn what a migrating user needs CREATE on, e.g. {@code the schema}
   * @param folder the store's SQL folder, e.g. {@code db/tally/postgres}
   * @return the sentence
   */
  protected static String absentTables(
      List<String> absent, String where, String createOn, String folder) {
    return "table(s) "
        + String.join(", ", absent)
        + " do not exist "
        + where
        + ": set tally.migrate-on-start=true for a user with CREATE on "
        + createOn
        + ", or apply "
        + folder
        + "/V*.sql";
  }

  /**
   * Says that the migrations would have to create tables the user may not create.
   *
   * @param container what CREATE is missing on, e.g. {@code schema app}
   * @param absent the missing tables
   * @param grant the statement that fixes it
   * @return the sentence
   */
  protected static String cannotCreate(String container, List<String> absent, String grant) {
    return "CREATE on "
        + container
        + ", to create the missing table(s) "
        + String.join(", ", absent)
        + " (tally.migrate-on-start=true; "
        + grant
        + ", or create them as another user and set tally.migrate-on-start=false)";
  }
}
