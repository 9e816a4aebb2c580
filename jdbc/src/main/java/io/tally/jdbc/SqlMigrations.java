package io.tally.jdbc;

import io.tally.core.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a store's versioned SQL files ({@code <location>/V<n>__<name>.sql}, Flyway-compatible
 * names) that a database has not seen yet, recording each in a history table. For store authors;
 * the built-in stores use it.
 *
 * <p>Each file runs in its own transaction together with its history row, after the optional lock
 * statement (PostgreSQL: an advisory lock), so replicas that start together apply each file once.
 * Running {@link #migrate(DataSource)} again applies nothing. The connection's auto-commit mode is
 * restored when it is done, so a pooled connection goes back as it came. Files may contain {@code
 * ${name}} placeholders, replaced by values validated as SQL identifiers. Statements are separated
 * by a semicolon at the end of a line; lines starting with {@code --} are comments. Immutable and
 * thread-safe.
 */
public final class SqlMigrations {
  private static final Logger log = LoggerFactory.getLogger(SqlMigrations.class);
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

  private final String location;
  private final Map<Integer, String> migrations;
  private final Map<String, String> placeholders;
  private final String historyTable;
  private final @Nullable String lockStatement;
  private final @Nullable String unlockStatement;
  private final ClassLoader classLoader;

  private SqlMigrations(Builder b) {
    this.location = b.location;
    this.migrations = new TreeMap<>(b.migrations);
    this.placeholders = Map.copyOf(b.placeholders);
    this.historyTable = b.historyTable;
    this.lockStatement = b.lockStatement;
    this.unlockStatement = b.unlockStatement;
    this.classLoader = b.classLoader;
  }

  /**
   * @param location the class-path folder holding the files, e.g. {@code db/tally/postgres}
   * @return a builder
   */
  public static Builder builder(String location) {
    return new Builder(location);
  }

  /**
   * Applies every migration the database has not recorded yet, in version order.
   *
   * @param dataSource where to apply them
   * @return the versions applied by this call (empty when the schema was up to date)
   * @throws StoreException if a file is missing or a statement fails (that file's transaction is
   *     rolled back; earlier files stay applied)
   */
  public List<Integer> migrate(DataSource dataSource) {
    Objects.requireNonNull(dataSource, "dataSource");
    List<Integer> applied = new ArrayList<>();
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit(); // restored at the end: the pool expects it back
      try {
        ensureHistoryTable(c);
        for (Map.Entry<Integer, String> m : migrations.entrySet()) {
          if (applyIfMissing(c, m.getKey(), m.getValue())) {
            applied.add(m.getKey());
          }
        }
      } catch (SQLException | RuntimeException e) {
        try {
          c.setAutoCommit(autoCommit);
        } catch (SQLException | RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
      c.setAutoCommit(autoCommit);
    } catch (SQLException e) {
      // the cause stays attached; its message may hold a database URL or values, so it is not
      // copied into ours
      throw new StoreException(
          "migrating " + location + " failed (SQLState " + e.getSQLState() + ")", e);
    }
    if (!applied.isEmpty()) {
      log.info("Applied {} migration(s) {} from {}", applied.size(), applied, location);
    }
    return applied;
  }

  /**
   * @return the versions this instance knows, in order
   */
  public Set<Integer> versions() {
    return new TreeSet<>(migrations.keySet());
  }

  private void ensureHistoryTable(Connection c) throws SQLException {
    c.setAutoCommit(true); // migrate() restores the connection's own mode at the end
    try (Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + historyTable
              + " (version INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL)");
    } catch (SQLException e) {
      // Two replicas may race to create it; the loser's error is harmless if the table exists.
      if (!historyTableExists(c)) {
        throw e;
      }
    }
  }

  private boolean historyTableExists(Connection c) {
    try (Statement s = c.createStatement()) {
      s.executeQuery("SELECT COUNT(*) FROM " + historyTable).close();
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  private boolean applyIfMissing(Connection c, int version, String name) throws SQLException {
    if (unlockStatement == null) {
      return apply(c, version, name);
    }
    boolean applied;
    try {
      applied = apply(c, version, name);
    } catch (SQLException | RuntimeException e) {
      try (Statement s = c.createStatement()) {
        s.execute(unlockStatement);
      } catch (SQLException | RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    try (Statement s = c.createStatement()) {
      s.execute(unlockStatement);
    }
    return applied;
  }

  private boolean apply(Connection c, int version, String name) throws SQLException {
    String file = location + "/V" + version + "__" + name + ".sql";
    List<String> statements = statements(load(file));
    c.setAutoCommit(false);
    try {
      if (lockStatement != null) {
        try (Statement s = c.createStatement()) {
          s.execute(lockStatement);
        }
      }
      try (PreparedStatement ps =
          c.prepareStatement("SELECT 1 FROM " + historyTable + " WHERE version = ?")) {
        ps.setInt(1, version);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            c.rollback();
            return false;
          }
        }
      }
      try (Statement s = c.createStatement()) {
        for (String sql : statements) {
          s.execute(sql);
        }
      }
      try (PreparedStatement ps =
          c.prepareStatement("INSERT INTO " + historyTable + " (version, name) VALUES (?, ?)")) {
        ps.setInt(1, version);
        ps.setString(2, name);
        ps.executeUpdate();
      }
      c.commit();
      return true;
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException | RuntimeException suppressed) {
        e.addSuppressed(suppressed); // never replaces the failure that caused the rollback
      }
      throw e;
    }
  }

  private String load(String file) {
    try (InputStream in = classLoader.getResourceAsStream(file)) {
      if (in == null) {
        throw new StoreException("migration file " + file + " is not on the class path");
      }
      return substitute(new String(in.readAllBytes(), StandardCharsets.UTF_8), file);
    } catch (IOException e) {
      throw new StoreException("reading migration file " + file + " failed", e);
    }
  }

  private String substitute(String sql, String file) {
    Matcher m = PLACEHOLDER.matcher(sql);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = placeholders.get(m.group(1));
      if (value == null) {
        throw new StoreException(
            "migration file " + file + " uses ${" + m.group(1) + "} but no value was given");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  static List<String> statements(String script) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : script.split("\\R")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("--") || trimmed.isEmpty()) {
        continue;
      }
      if (trimmed.endsWith(";")) {
        current.append(trimmed, 0, trimmed.length() - 1);
        out.add(current.toString().strip());
        current.setLength(0);
      } else {
        current.append(line).append('\n');
      }
    }
    if (!current.toString().isBlank()) {
      out.add(current.toString().strip());
    }
    return out;
  }

  /** Builds {@link SqlMigrations}. */
  public static final class Builder {
    private final String location;
    private final Map<Integer, String> migrations = new LinkedHashMap<>();
    private final Map<String, String> placeholders = new LinkedHashMap<>();
    private String historyTable = "tally_schema_history";
    private @Nullable String lockStatement;
    private @Nullable String unlockStatement;
    private ClassLoader classLoader = SqlMigrations.class.getClassLoader();

    private Builder(String location) {
      this.location = Objects.requireNonNull(location, "location");
    }

    /**
     * Adds file {@code V<version>__<name>.sql}.
     *
     * @param version its version, at least 1, unique
     * @param name the part of the file name after {@code __}
     * @return this
     */
    public Builder migration(int version, String name) {
      if (version < 1) {
        throw new IllegalArgumentException("version was " + version + " but must be >= 1");
      }
      Identifiers.requireIdentifier(name, "migration name");
      if (migrations.putIfAbsent(version, name) != null) {
        throw new IllegalArgumentException("version " + version + " was added twice");
      }
      return this;
    }

    /**
     * Sets a {@code ${key}} placeholder; the value must be a valid SQL identifier.
     *
     * @param key placeholder name
     * @param identifier its value
     * @return this
     */
    public Builder placeholder(String key, String identifier) {
      placeholders.put(
          Objects.requireNonNull(key, "key"), Identifiers.requireIdentifier(identifier, key));
      return this;
    }

    /**
     * Sets a placeholder that may be an empty string or an identifier prefix, such as a table
     * prefix; validated by the pattern of an identifier when non-empty.
     *
     * @param key placeholder name
     * @param prefix its value
     * @return this
     */
    public Builder prefixPlaceholder(String key, String prefix) {
      Objects.requireNonNull(prefix, key);
      if (!prefix.isEmpty()) {
        Identifiers.requireIdentifier(prefix, key);
      }
      placeholders.put(Objects.requireNonNull(key, "key"), prefix);
      return this;
    }

    /**
     * @param table the history table (default {@code tally_schema_history}), validated
     * @return this
     */
    public Builder historyTable(String table) {
      this.historyTable = Identifiers.requireQualified(table, "historyTable");
      return this;
    }

    /**
     * @param sql a statement run at the start of each file's transaction to serialise concurrent
     *     migrations, e.g. {@code SELECT pg_advisory_xact_lock(42)}; trusted, not user input
     * @return this
     */
    public Builder lockStatement(String sql) {
      this.lockStatement = Objects.requireNonNull(sql, "sql");
      return this;
    }

    /**
     * @param sql a statement run after each file's transaction ends, committed or rolled back, to
     *     release a session-level lock taken by {@link #lockStatement} (e.g. MariaDB's {@code
     *     SELECT RELEASE_LOCK('…')}, since its DDL commits implicitly and would end a row lock
     *     early); trusted, not user input
     * @return this
     */
    public Builder unlockStatement(String sql) {
      this.unlockStatement = Objects.requireNonNull(sql, "sql");
      return this;
    }

    /**
     * @param classLoader where to load the files from (default: this library's)
     * @return this
     */
    public Builder classLoader(ClassLoader classLoader) {
      this.classLoader = Objects.requireNonNull(classLoader, "classLoader");
      return this;
    }

    /**
     * @return the migrations
     */
    public SqlMigrations build() {
      if (migrations.isEmpty()) {
        throw new IllegalStateException("no migration was added for " + location);
      }
      return new SqlMigrations(this);
    }
  }
}
