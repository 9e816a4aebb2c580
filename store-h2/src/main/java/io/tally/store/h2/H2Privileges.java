package io.tally.store.h2;

import io.tally.core.spi.Stores;
import io.tally.jdbc.JdbcPrivilegeCheck;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The check of the privileges the H2 stores need ({@link Stores#missingPrivileges}). H2's
 * information schema does not show a user's effective rights (rights through schema grants are not
 * listed), so each privilege is tried: a statement that touches no row ({@code WHERE 1=0}) per
 * table and privilege, in a transaction rolled back at the end. With migrations and a missing
 * table, the user must be an admin or own the schema (H2 lets only them create tables).
 */
final class H2Privileges extends JdbcPrivilegeCheck {
  /**
   * H2's error codes for a probe: 90096 "Not enough rights for object", and 42102, 42103, 42104 for
   * a table that does not exist (2.x, 1.4).
   */
  private static final ProbeErrors ERRORS =
      new ProbeErrors(Set.of(90096), Set.of(42102, 42103, 42104), Set.of());

  /** Tally's H2 tables by base name, each with one of its columns (for the UPDATE probe). */
  private static final Map<String, String> TABLES = tables(true);

  private static final String MAY_CREATE =
      "SELECT u.IS_ADMIN OR s.SCHEMA_OWNER = CURRENT_USER FROM INFORMATION_SCHEMA.USERS u,"
          + " INFORMATION_SCHEMA.SCHEMATA s WHERE u.USER_NAME = CURRENT_USER"
          + " AND s.SCHEMA_NAME = CURRENT_SCHEMA";

  private final H2Schema schema;

  H2Privileges(DataSource dataSource, H2Schema schema) {
    super(dataSource);
    this.schema = schema;
  }

  /** Probes in a transaction that is rolled back at the end. */
  @Override
  protected List<String> missing(Connection c, boolean migrating) throws SQLException {
    return rolledBack(c, t -> probe(t, migrating));
  }

  private List<String> probe(Connection c, boolean migrating) throws SQLException {
    List<String> out = new ArrayList<>();
    List<String> absent = new ArrayList<>();
    for (Map.Entry<String, String> t : TABLES.entrySet()) {
      String table = schema.table(t.getKey());
      String column = t.getValue();
      Map<String, String> probes = new LinkedHashMap<>();
      probes.put("SELECT", "SELECT 1 FROM " + table + " WHERE 1=0");
      probes.put("INSERT", "INSERT INTO " + table + " SELECT * FROM " + table + " WHERE 1=0");
      probes.put("UPDATE", "UPDATE " + table + " SET " + column + " = " + column + " WHERE 1=0");
      probes.put("DELETE", "DELETE FROM " + table + " WHERE 1=0");
      List<String> lacking = deniedByProbes(c, table, probes, ERRORS, absent);
      if (!lacking.isEmpty()) {
        out.add(lackingOnTable(lacking, table, TABLE_PRIVILEGES, "<user>"));
      }
    }
    if (absent.isEmpty()) {
      return out;
    }
    if (!migrating) {
      out.add(
          "table(s) "
              + String.join(", ", absent)
              + " do not exist: set tally.migrate-on-start=true for an admin user, or apply"
              + " db/tally/h2/V*.sql");
    } else if (!mayCreate(c)) {
      out.add(
          "the right to create the missing table(s) "
              + String.join(", ", absent)
              + " (tally.migrate-on-start=true): H2 lets only an admin or the schema's owner create"
              + " tables");
    }
    return out;
  }

  private static boolean mayCreate(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(MAY_CREATE);
        ResultSet rs = ps.executeQuery()) {
      return rs.next() && rs.getBoolean(1);
    }
  }
}
