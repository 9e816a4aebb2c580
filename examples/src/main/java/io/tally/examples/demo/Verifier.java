package io.tally.examples.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Reads what Tally wrote back from the database and compares it with the simulation's own {@link
 * GroundTruth}: one connection-log row per session with the earliest connect and the latest
 * disconnect, one row per standalone event, and each workspace's latest use.
 */
final class Verifier {

  /** The outcome of one comparison. */
  static final class Check {
    final String name;
    final long expected;
    final long found;
    final long lost;
    final long duplicated;
    final long mismatched;
    final List<String> examples = new ArrayList<>();

    Check(String name, long expected, long found, long lost, long duplicated, long mismatched) {
      this.name = name;
      this.expected = expected;
      this.found = found;
      this.lost = lost;
      this.duplicated = duplicated;
      this.mismatched = mismatched;
    }

    boolean ok() {
      return lost == 0 && duplicated == 0 && mismatched == 0;
    }
  }

  private final DataSource dataSource;
  private final String prefix;

  Verifier(DataSource dataSource, String tablePrefix) {
    this.dataSource = dataSource;
    this.prefix = tablePrefix;
  }

  Check connectionLog(GroundTruth truth) throws SQLException {
    Map<UUID, Instant[]> byConnection = new HashMap<>();
    Map<UUID, Integer> standaloneRows = new HashMap<>();
    long rows = 0;
    long duplicateConnections = 0;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT id, connection_id, connect_time, disconnect_time FROM "
                    + prefix
                    + "connection_log");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        rows++;
        UUID id = rs.getObject(1, UUID.class);
        UUID connectionId = rs.getObject(2, UUID.class);
        Instant connect = instant(rs, 3);
        Instant disconnect = instant(rs, 4);
        if (connectionId == null) {
          standaloneRows.merge(id, 1, Integer::sum);
        } else if (byConnection.put(connectionId, new Instant[] {connect, disconnect}) != null) {
          duplicateConnections++;
        }
      }
    }
    long lost = 0;
    long mismatched = 0;
    List<String> examples = new ArrayList<>();
    for (GroundTruth.Session s : truth.sessions.values()) {
      Instant[] row = byConnection.remove(s.connectionId);
      if (row == null) {
        lost++;
        example(examples, "session " + s.connectionId + " has no row");
      } else if (!s.connectTime.equals(row[0]) || !equal(s.disconnectTime, row[1])) {
        mismatched++;
        example(
            examples,
            "session "
                + s.connectionId
                + " expected connect "
                + s.connectTime
                + " disconnect "
                + s.disconnectTime
                + " but found "
                + row[0]
                + " / "
                + row[1]);
      }
    }
    long unexpected = byConnection.size();
    long duplicated = duplicateConnections + unexpected;
    for (UUID id : truth.standaloneEventIds) {
      Integer n = standaloneRows.remove(id);
      if (n == null) {
        lost++;
        example(examples, "standalone event " + id + " has no row");
      } else if (n > 1) {
        duplicated += n - 1;
      }
    }
    duplicated += standaloneRows.size();
    long expected = truth.sessions.size() + truth.standaloneEventIds.size();
    Check check = new Check("connection rows", expected, rows, lost, duplicated, mismatched);
    check.examples.addAll(examples);
    return check;
  }

  Check lastUsed(GroundTruth truth) throws SQLException {
    Map<String, Instant> stored = new HashMap<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT id, last_used_at FROM " + prefix + "last_used");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        stored.put(rs.getString(1), instant(rs, 2));
      }
    }
    long lost = 0;
    long mismatched = 0;
    List<String> examples = new ArrayList<>();
    Set<String> expectedIds = new HashSet<>();
    for (Map.Entry<UUID, Instant> e : truth.lastUsed.entrySet()) {
      String id = e.getKey().toString();
      expectedIds.add(id);
      Instant found = stored.get(id);
      if (found == null) {
        lost++;
        example(examples, "workspace " + id + " has no last-used time");
      } else if (!found.equals(e.getValue())) {
        mismatched++;
        example(examples, "workspace " + id + " expected " + e.getValue() + " but found " + found);
      }
    }
    long unexpected = stored.keySet().stream().filter(id -> !expectedIds.contains(id)).count();
    Check check =
        new Check(
            "last-used times", truth.lastUsed.size(), stored.size(), lost, unexpected, mismatched);
    check.examples.addAll(examples);
    return check;
  }

  private static void example(List<String> examples, String text) {
    if (examples.size() < 5) {
      examples.add(text);
    }
  }

  private static boolean equal(Instant a, Instant b) {
    return a == null ? b == null : a.equals(b);
  }

  private static Instant instant(ResultSet rs, int column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }
}
