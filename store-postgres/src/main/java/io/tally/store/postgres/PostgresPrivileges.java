package io.tally.store.postgres;

import io.tally.core.spi.Stores;
import io.tally.jdbc.JdbcPrivilegeCheck;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The check of the privileges the PostgreSQL stores need ({@link Stores#missingPrivileges}), one
 * catalog query per table: USAGE on the schema that holds the tables (the first schema of the
 * search path); SELECT, INSERT, UPDATE and DELETE on each of Tally's tables; with migrations,
 * CREATE on that schema while a table is missing, and SELECT and INSERT on the history table.
 */
final class PostgresPrivileges extends JdbcPrivilegeCheck {
  /** The tables the migrations ({@code db/tally/postgres/V1..V4}) create, by base name. */
  static final List<String> TABLES = List.copyOf(tables(false).keySet());

  /** The migrations' history table, by base name (see {@link PostgresSchema}). */
  private static final String HISTORY = "schema_history";

  private static final String WHO =
      "SELECT current_user, current_schema(), current_setting('search_path')";
  private static final String TABLE =
      "SELECT n.nspname, c.relname, has_table_privilege(c.oid, 'SELECT'),"
          + " has_table_privilege(c.oid, 'INSERT'), has_table_privilege(c.oid, 'UPDATE'),"
          + " has_table_privilege(c.oid, 'DELETE') FROM pg_class c"
          + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(?::text)";
  private static final String SCHEMA_EXISTS = "SELECT 1 FROM pg_namespace WHERE nspname = ?";
  private static final String MAY_CREATE = "SELECT has_schema_privilege(?, 'CREATE')";

  private final PostgresSchema schema;

  PostgresPrivileges(DataSource dataSource, PostgresSchema schema) {
    super(dataSource);
    this.schema = schema;
  }

  @Override
  protected List<String> missing(Connection c, boolean migrating) throws SQLException {
    String user;
    String current;
    String path;
    try (PreparedStatement ps = c.prepareStatement(WHO);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      user = rs.getString(1);
      current = rs.getString(2);
      path = rs.getString(3);
    }
    List<String> out = new ArrayList<>();
    if (current == null) { // the search path names no schema the user may use
      String first = firstExistingSchema(c, path, user);
      out.add(
          first == null
              ? "no schema of the search_path '"
                  + path
                  + "' exists (set currentSchema in"
                  + " tally.jdbc.url, or create the schema)"
              : "USAGE on schema "
                  + first
                  + ", the first schema of the search_path (GRANT USAGE ON SCHEMA "
                  + first
                  + " TO "
                  + user
                  + ")");
      return out;
    }
    List<String> absent = new ArrayList<>();
    for (String base : TABLES) {
      checkTable(c, schema.table(base), TABLE_PRIVILEGES, user, absent, out);
    }
    if (migrating) {
      checkTable(c, schema.table(HISTORY), List.of("SELECT", "INSERT"), user, absent, out);
    }
    if (absent.isEmpty()) {
      return out;
    }
    if (!migrating) {
      String where = "in the search_path's schemas (first " + current + ")";
      out.add(absentTables(absent, where, "the schema", "db/tally/postgres"));
    } else if (!mayCreate(c, current)) {
      String grant = "GRANT CREATE ON SCHEMA " + current + " TO " + user;
      out.add(cannotCreate("schema " + current, absent, grant));
    }
    return out;
  }

  /**
   * Adds the privileges of {@code privileges} the user lacks on {@code table}, or notes it absent.
   */
  private static void checkTable(
      Connection c,
      String table,
      List<String> privileges,
      String user,
      List<String> absent,
      List<String> out)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(TABLE)) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          absent.add(table);
          return;
        }
        String qualified = rs.getString(1) + "." + rs.getString(2);
        List<String> lacking = new ArrayList<>();
        for (int i = 0; i < TABLE_PRIVILEGES.size(); i++) {
          String p = TABLE_PRIVILEGES.get(i);
          if (privileges.contains(p) && !rs.getBoolean(3 + i)) {
            lacking.add(p);
          }
        }
        if (!lacking.isEmpty()) {
          out.add(lackingOnTable(lacking, qualified, privileges, user));
        }
      }
    }
  }

  private static boolean mayCreate(Connection c, String schema) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(MAY_CREATE)) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /**
   * @return the first schema named in {@code path} that exists, or null
   */
  private static @Nullable String firstExistingSchema(Connection c, String path, String user)
      throws SQLException {
    for (String element : path.split(",")) {
      String name = element.trim();
      if (name.startsWith("\"") && name.endsWith("\"") && name.length() >= 2) {
        name = name.substring(1, name.length() - 1).replace("\"\"", "\"");
      } else {
        name = name.toLowerCase(Locale.ROOT);
      }
      if (name.equals("$user")) {
        name = user;
      }
      try (PreparedStatement ps = c.prepareStatement(SCHEMA_EXISTS)) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            return name;
          }
        }
      }
    }
    return null;
  }
}
