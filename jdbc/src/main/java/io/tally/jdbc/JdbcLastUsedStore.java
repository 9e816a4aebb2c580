package io.tally.jdbc;

import io.tally.core.InputRules;
import io.tally.core.StoreException;
import io.tally.core.lastused.LastUsedStore;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The {@link LastUsedStore} algorithm written once over a {@link SqlDialect}: a whole batch in one
 * statement (or one JDBC batch, as the dialect binds it), rows sorted by id so that concurrent
 * writers lock rows in one order, times truncated to microseconds (never rounded up), and a stored
 * time that never moves backwards, so replicas may flush in any order and a repeated batch is
 * harmless.
 *
 * <p>Two modes: Tally's own table (every id in its text form) or an existing table ({@link
 * UserTable}) whose time column is raised for the rows whose id matches; ids with no row are
 * ignored there. A failure is thrown as a {@link StoreException} naming the table, classified by
 * the dialect. Thread-safe; holds no connection between calls. The stores of {@code
 * tally-store-postgres}, {@code tally-store-h2} and {@code tally-store-mariadb} are subclasses that
 * add their schema's migrations and their builders.
 *
 * @param <K> the key type
 */
public class JdbcLastUsedStore<K> implements LastUsedStore<K> {
  private final DataSource dataSource;
  private final SqlDialect dialect;
  private final KeyType keyType;
  private final String table;
  private final String sql;
  private final boolean ownTable;

  /**
   * Creates the store.
   *
   * @param dataSource the database
   * @param dialect its dialect
   * @param keyType the key class: {@code UUID.class}, {@code Long.class} or {@code String.class}
   * @param ownTable Tally's own last-used table (prefixed), used when {@code userTable} is null
   * @param userTable an existing table to update instead, or {@code null}
   * @throws NullPointerException if an argument other than {@code userTable} is null
   * @throws IllegalArgumentException if the key type is not supported
   */
  protected JdbcLastUsedStore(
      DataSource dataSource,
      SqlDialect dialect,
      Class<K> keyType,
      String ownTable,
      @Nullable UserTable userTable) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.dialect = Objects.requireNonNull(dialect, "dialect");
    this.keyType = KeyType.of(Objects.requireNonNull(keyType, "keyType"));
    Objects.requireNonNull(ownTable, "ownTable");
    this.ownTable = userTable == null;
    if (this.ownTable) {
      this.table = ownTable;
      this.sql = dialect.lastUsedUpsert(table);
    } else {
      this.table = userTable.table();
      this.sql =
          dialect.lastUsedUpdate(table, userTable.idColumn(), userTable.timeColumn(), this.keyType);
    }
  }

  /**
   * @return the table this store writes: Tally's own, or the configured user table
   */
  public String table() {
    return table;
  }

  /**
   * @return the database, for a subclass's migrations
   */
  protected DataSource dataSource() {
    return dataSource;
  }

  /**
   * Writes the batch; a stored time only moves forward.
   *
   * @param lastUsed ids and times; an empty map does nothing
   * @throws NullPointerException if the map, an id or a time is null
   * @throws IllegalArgumentException if the batch breaks {@link InputRules}
   * @throws StoreException if the write fails
   */
  @Override
  public void markUsed(Map<K, Instant> lastUsed) {
    Objects.requireNonNull(lastUsed, "lastUsed");
    if (lastUsed.isEmpty()) {
      return;
    }
    InputRules.checkLastUsedBatch(lastUsed);
    List<Map.Entry<K, Instant>> rows = new ArrayList<>(lastUsed.entrySet());
    rows.sort(keyType.order());
    int n = rows.size();
    List<Object> ids = new ArrayList<>(n);
    List<Instant> times = new ArrayList<>(n);
    for (Map.Entry<K, Instant> row : rows) {
      K id = Objects.requireNonNull(row.getKey(), "id");
      ids.add(ownTable ? id.toString() : id);
      times.add(Objects.requireNonNull(row.getValue(), "time").truncatedTo(ChronoUnit.MICROS));
    }
    @Nullable KeyType bound = ownTable ? null : keyType;
    try {
      dialect.write(
          dataSource,
          table,
          c -> {
            dialect.markUsed(c, sql, bound, ids, times);
            return null;
          });
    } catch (SQLException e) {
      throw dialect.storeException("marking " + n + " ids used in table " + table, e);
    }
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "{table=" + table + ", keyType=" + keyType + '}';
  }

  /**
   * What the builders of the stores share: the data source, the key type, the schema whose {@code
   * last_used} table is written, and an optional existing table to update instead. Not thread-safe.
   *
   * @param <K> the key type
   * @param <S> the store's schema type
   * @param <B> the builder's own type
   */
  public abstract static class Builder<K, S extends JdbcSchema, B extends Builder<K, S, B>> {
    private final DataSource dataSource;
    private final Class<K> keyType;
    private S schema;
    private @Nullable UserTable userTable;

    /**
     * Starts a builder.
     *
     * @param dataSource where to connect
     * @param keyType the key class: {@code UUID.class}, {@code Long.class} or {@code String.class}
     * @param defaultSchema the schema used unless {@link #schema(JdbcSchema)} sets another
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the key type is not supported
     */
    protected Builder(DataSource dataSource, Class<K> keyType, S defaultSchema) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
      this.keyType = Objects.requireNonNull(keyType, "keyType");
      this.schema = Objects.requireNonNull(defaultSchema, "defaultSchema");
      KeyType.of(keyType);
    }

    /**
     * @return this builder, as its own type
     */
    @SuppressWarnings("unchecked")
    private B self() {
      return (B) this; // safe: B is the subclass's own type by declaration
    }

    /**
     * Sets the schema whose {@code last_used} table is written and which the store's {@code
     * migrate()} applies.
     *
     * @param schema the schema; by default the store's default schema
     * @return this
     * @throws NullPointerException if null
     */
    public B schema(S schema) {
      this.schema = Objects.requireNonNull(schema, "schema");
      return self();
    }

    /**
     * Updates an existing table instead of Tally's own: its time column is raised for the rows
     * whose id matches ({@code NULL} counts as never used); ids with no row are ignored. Each name
     * must match {@link Identifiers#IDENTIFIER} (the table may be schema-qualified); they are
     * spliced into SQL unquoted. The id column's type must match the key type.
     *
     * @param table the table, e.g. {@code workspaces} or {@code app.workspaces}
     * @param idColumn its id column, e.g. {@code id}
     * @param timeColumn its timestamp column, e.g. {@code last_used_at}
     * @return this
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException naming the argument and value, if one is not a valid
     *     identifier
     */
    public B userTable(String table, String idColumn, String timeColumn) {
      this.userTable = new UserTable(table, idColumn, timeColumn);
      return self();
    }

    /**
     * @return the data source
     */
    protected DataSource dataSource() {
      return dataSource;
    }

    /**
     * @return the key class
     */
    protected Class<K> keyType() {
      return keyType;
    }

    /**
     * @return the schema
     */
    protected S schema() {
      return schema;
    }

    /**
     * @return the existing table to update, or {@code null} for Tally's own
     */
    protected @Nullable UserTable userTable() {
      return userTable;
    }

    /**
     * Builds the store.
     *
     * @return the store
     */
    public abstract JdbcLastUsedStore<K> build();
  }

  /**
   * An existing table whose time column a {@link JdbcLastUsedStore} raises instead of writing
   * Tally's own table. Each name must match {@link Identifiers#IDENTIFIER} (the table may be
   * schema-qualified); they are spliced into SQL unquoted.
   *
   * @param table the table, e.g. {@code workspaces} or {@code app.workspaces}
   * @param idColumn its id column, e.g. {@code id}
   * @param timeColumn its timestamp column, e.g. {@code last_used_at}
   */
  public record UserTable(String table, String idColumn, String timeColumn) {
    /**
     * Validates the names.
     *
     * @param table the table, e.g. {@code workspaces} or {@code app.workspaces}
     * @param idColumn its id column, e.g. {@code id}
     * @param timeColumn its timestamp column, e.g. {@code last_used_at}
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException naming the argument and value, if one is not a valid
     *     identifier
     */
    public UserTable {
      Identifiers.requireQualified(table, "table");
      Identifiers.requireIdentifier(idColumn, "idColumn");
      Identifiers.requireIdentifier(timeColumn, "timeColumn");
    }
  }
}
