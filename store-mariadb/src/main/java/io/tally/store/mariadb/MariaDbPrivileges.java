package io.tally.store.mariadb;

import io.tally.core.spi.Stores;
import io.tally.jdbc.JdbcPrivilegeCheck;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The check of the privileges the MariaDB/MySQL stores need ({@link Stores#missingPrivileges}). A
 * user's effective rights come from global, database, table and role grants, so each privilege is
 * tried rather than looked up: a statement that touches no row ({@code WHERE 1=0}) per table and
 * privilege, in a transaction rolled back at the end. Error 1142 (command denied) names a missing
 * privilege, 1146 (no such table) a missing table. With migrations and a missing table, the user
 * needs CREATE on the database, looked up in {@code information_schema} (global or database grants
 * of the user; a CREATE held only through a role is not seen there).
 */
final class MariaDbPrivileges extends JdbcPrivilegeCheck {
  /**
   * MariaDB's error codes for a probe: 1142 "command denied to user for table", 1146 no such table,
   * and 1364, a NOT NULL column left without a value: the INSERT probe names one column, and the
   * server checks the others only after the privilege, so this means allowed.
   */
  private static final ProbeErrors ERRORS =
      new ProbeErrors(Set.of(1142), Set.of(1146), Set.of(1364));

  /** Tally's MariaDB tables by base name, each with one of its columns (INSERT, UPDATE probes). */
  static final Map<String, String> TABLES = tables(true);

  /** The migrations' history table, by base name (see {@link MariaDbSchema}). */
  private static final String HISTORY = "schema_history";

  private static final String WHO = "SELECT CURRENT_USER(), DATABASE()";

  /** CREATE granted globally or on the current database (whose grant may be a LIKE pattern). */
  private static final String MAY_CREATE =
      "SELECT 1 FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE = 'CREATE'"
          + " AND GRANTEE = ? UNION ALL SELECT 1 FROM information_schema.SCHEMA_PRIVILEGES"
          + " WHERE PRIVILEGE_TYPE = 'CREATE' AND GRANTEE = ? AND DATABASE() LIKE TABLE_SCHEMA";

  private final MariaDbSchema schema;

  MariaDbPrivileges(DataSource dataSource, MariaDbSchema schema) {
    super(dataSource);
    this.schema = schema;
  }

  /** Probes in a transaction that is rolled back at the end. */
  @Override
  protected List<String> missing(Connection c, boolean migrating) throws SQLException {
    String user;
    String database;
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(WHO)) {
      rs.next();
      user = grantee(rs.getString(1));
      database = rs.getString(2);
    }
    if (database == null) {
      return List.of(
          "no database is selected (name one in tally.jdbc.url: jdbc:mariadb://host/database)");
    }
    return rolledBack(c, t -> probe(t, migrating, user, database));
  }

  private List<String> probe(Connection c, boolean migrating, String user, String database)
      throws SQLException {
    List<String> out = new ArrayList<>();
    List<String> absent = new ArrayList<>();
    for (Map.Entry<String, String> t : TABLES.entrySet()) {
      String table = schema.table(t.getKey());
      check(c, table, t.getValue(), TABLE_PRIVILEGES, user, database, absent, out);
    }
    if (migrating) {
      List<String> history = List.of("SELECT", "INSERT");
      check(c, schema.table(HISTORY), "version", history, user, database, absent, out);
    }
    if (absent.isEmpty()) {
      return out;
    }
    if (!migrating) {
      out.add(absentTables(absent, "in database " + database, "it", "db/tally/mariadb"));
    } else if (!mayCreate(c, user)) {
      String grant = "GRANT CREATE, ALTER, INDEX ON " + database + ".* TO " + user;
      out.add(cannotCreate("database " + database, absent, grant));
    }
    return out;
  }

  /** Adds the privileges of {@code privileges} the user lacks on {@code table}, or its absence. */
  private static void check(
      Connection c,
      String table,
      String column,
      List<String> privileges,
      String user,
      String database,
      List<String> absent,
      List<String> out)
      throws SQLException {
    Map<String, String> probes = new LinkedHashMap<>();
    probes.put("SELECT", "SELECT 1 FROM " + table + " WHERE 1=0");
    // Each probe needs its own privilege only: no column is read by INSERT, UPDATE or DELETE.
    probes.put(
        "INSERT", "INSERT INTO " + table + " (" + column + ") SELECT NULL FROM DUAL WHERE 1=0");
    probes.put("UPDATE", "UPDATE " + table + " SET " + column + " = NULL WHERE 1=0");
    probes.put("DELETE", "DELETE FROM " + table + " WHERE 1=0");
    probes.keySet().retainAll(privileges);
    List<String> lacking = deniedByProbes(c, table, probes, ERRORS, absent);
    if (!lacking.isEmpty()) {
      out.add(lackingOnTable(lacking, database + "." + table, privileges, user));
    }
  }

  private static boolean mayCreate(Connection c, String user) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(MAY_CREATE)) {
      ps.setString(1, user);
      ps.setString(2, user);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** {@code name@host} (from {@code CURRENT_USER()}) as a grantee: {@code 'name'@'host'}. */
  static String grantee(String currentUser) {
    int at = currentUser.lastIndexOf('@');
    String name = at < 0 ? currentUser : currentUser.substring(0, at);
    String host = at < 0 ? "%" : currentUser.substring(at + 1);
    return "'" + name.replace("'", "''") + "'@'" + host.replace("'", "''") + "'";
  }
}
