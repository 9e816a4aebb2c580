package io.tally.testkit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Plain SQL for test fixtures: runs a statement, counts rows, reads stored times straight from a
 * table, each call on a connection of its own, bypassing the store under test.
 *
 * <pre>{@code
 * SqlRunner sql = SqlRunner.on(dataSource); // timestamps WITH_TIME_ZONE
 * sql.execute("CREATE TABLE workspaces (id UUID PRIMARY KEY, seen TIMESTAMP WITH TIME ZONE)");
 * long recent = sql.queryLong("SELECT count(*) FROM workspaces WHERE seen >= ?", cutoff);
 * Map<String, Instant> stored = sql.times("SELECT id, seen FROM workspaces");
 * }</pre>
 *
 * <p>An {@link Instant} parameter is bound as its {@link Timestamps} says, so one fixture works for
 * a column with a time zone and for a MariaDB {@code DATETIME} holding UTC. A failing statement
 * throws an {@link IllegalStateException} naming the statement, with the driver's {@link
 * SQLException} as its cause: fixtures fail loudly rather than make a test pass on half-prepared
 * data. Thread-safe if the data source is.
 */
public final class SqlRunner {
  /** How a timestamp column maps to {@link Instant}. */
  public enum Timestamps {
    /**
     * A column with a time zone ({@code TIMESTAMP WITH TIME ZONE}: PostgreSQL {@code timestamptz},
     * H2), read and bound as {@link OffsetDateTime} in UTC.
     */
    WITH_TIME_ZONE,
    /**
     * A column without a time zone that holds UTC (MariaDB and MySQL {@code DATETIME(6)}), read and
     * bound as {@link LocalDateTime}.
     */
    UTC_LOCAL;

    /**
     * Converts an instant to the JDBC value a statement binds for this kind of column.
     *
     * @param time the instant
     * @return an {@link OffsetDateTime} in UTC or a {@link LocalDateTime} in UTC
     * @throws NullPointerException if {@code time} is null
     */
    public Object parameter(Instant time) {
      Objects.requireNonNull(time, "time");
      return this == WITH_TIME_ZONE
          ? OffsetDateTime.ofInstant(time, ZoneOffset.UTC)
          : LocalDateTime.ofInstant(time, ZoneOffset.UTC);
    }

    /**
     * Reads a column of this kind from the current row.
     *
     * @param row the result set, on a row
     * @param column the column, from 1
     * @return the stored instant, or {@code null} if the column is SQL {@code NULL}
     * @throws SQLException if the driver cannot read the column as this kind
     */
    public @Nullable Instant read(ResultSet row, int column) throws SQLException {
      if (this == WITH_TIME_ZONE) {
        OffsetDateTime t = row.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
      }
      LocalDateTime t = row.getObject(column, LocalDateTime.class);
      return t == null ? null : t.toInstant(ZoneOffset.UTC);
    }
  }

  private final DataSource dataSource;
  private final Timestamps timestamps;

  private SqlRunner(DataSource dataSource, Timestamps timestamps) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.timestamps = Objects.requireNonNull(timestamps, "timestamps");
  }

  /**
   * Returns a runner over a database whose timestamp columns have a time zone ({@link
   * Timestamps#WITH_TIME_ZONE}), as in PostgreSQL and H2.
   *
   * @param dataSource the database; each call takes one connection and closes it
   * @return the runner
   * @throws NullPointerException if {@code dataSource} is null
   */
  public static SqlRunner on(DataSource dataSource) {
    return new SqlRunner(dataSource, Timestamps.WITH_TIME_ZONE);
  }

  /**
   * Returns a runner over a database whose timestamp columns are of the given kind.
   *
   * @param dataSource the database; each call takes one connection and closes it
   * @param timestamps how the tables' timestamp columns map to {@link Instant}
   * @return the runner
   * @throws NullPointerException if an argument is null
   */
  public static SqlRunner on(DataSource dataSource, Timestamps timestamps) {
    return new SqlRunner(dataSource, timestamps);
  }

  /**
   * Returns how this runner maps timestamp columns.
   *
   * @return the mapping given to {@link #on(DataSource, Timestamps)}
   */
  public Timestamps timestamps() {
    return timestamps;
  }

  /**
   * Runs one statement without parameters, such as DDL or {@code TRUNCATE}.
   *
   * @param sql the statement
   * @throws IllegalStateException naming the statement, if it fails
   */
  public void execute(String sql) {
    Objects.requireNonNull(sql, "sql");
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw failed(sql, e);
    }
  }

  /**
   * Runs one {@code INSERT}, {@code UPDATE} or {@code DELETE} with parameters.
   *
   * @param sql the statement, with a {@code ?} per parameter
   * @param parameters the parameters in order; an {@link Instant} is bound as {@link #timestamps()}
   *     says, {@code null} as SQL {@code NULL}, anything else with {@code setObject}
   * @return the number of rows changed
   * @throws IllegalStateException naming the statement, if it fails
   */
  public int update(String sql, @Nullable Object... parameters) {
    Objects.requireNonNull(sql, "sql");
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = prepare(c, sql, parameters)) {
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw failed(sql, e);
    }
  }

  /**
   * Runs a query whose first row's first column is a number, such as {@code SELECT count(*)}.
   *
   * @param sql the query, with a {@code ?} per parameter
   * @param parameters the parameters, bound as {@link #update(String, Object...)} binds them
   * @return the number
   * @throws IllegalStateException naming the query, if it fails or returns no row
   */
  public long queryLong(String sql, @Nullable Object... parameters) {
    Objects.requireNonNull(sql, "sql");
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = prepare(c, sql, parameters);
        ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        throw new IllegalStateException(sql + " returned no row");
      }
      return rs.getLong(1);
    } catch (SQLException e) {
      throw failed(sql, e);
    }
  }

  /**
   * Runs a query of two columns, an id (read as text) and a time, and returns its rows. A row whose
   * time is SQL {@code NULL} maps its id to {@code null}, so a test can tell "no time stored" from
   * "no row".
   *
   * @param sql the query, e.g. {@code SELECT id, last_used_at FROM workspaces}
   * @param parameters the parameters, bound as {@link #update(String, Object...)} binds them
   * @return the id's text to its stored time; a mutable map
   * @throws IllegalStateException naming the query, if it fails
   */
  public Map<String, @Nullable Instant> times(String sql, @Nullable Object... parameters) {
    Objects.requireNonNull(sql, "sql");
    Map<String, @Nullable Instant> out = new HashMap<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = prepare(c, sql, parameters);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.put(rs.getString(1), timestamps.read(rs, 2));
      }
    } catch (SQLException e) {
      throw failed(sql, e);
    }
    return out;
  }

  private PreparedStatement prepare(Connection c, String sql, @Nullable Object[] parameters)
      throws SQLException {
    PreparedStatement ps = c.prepareStatement(sql);
    try {
      for (int i = 0; i < parameters.length; i++) {
        Object p = parameters[i];
        ps.setObject(i + 1, p instanceof Instant ? timestamps.parameter((Instant) p) : p);
      }
      return ps;
    } catch (SQLException | RuntimeException e) {
      ps.close();
      throw e;
    }
  }

  private static IllegalStateException failed(String sql, SQLException e) {
    return new IllegalStateException(
        "test SQL failed (SQLState " + e.getSQLState() + "): " + sql, e);
  }

  @Override
  public String toString() {
    return "SqlRunner{" + dataSource + ", " + timestamps + '}';
  }
}
