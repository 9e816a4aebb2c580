package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionType;
import io.tally.testkit.PostgresDatabase;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An event keeps its address in the form PostgreSQL's {@code inet} prints, so the address is stored
 * exactly: random IPv4 and IPv6 literals in every spelling (leading zeros, upper case, compressed
 * or not, dotted tails) against the server's own canonical text.
 */
class PostgresIpCanonicalTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  private static final long SEED = 5_952L;

  private static String randomLiteral(Random r) {
    if (r.nextInt(5) == 0) {
      return r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256);
    }
    int[] w = new int[8];
    for (int i = 0; i < 8; i++) {
      w[i] = r.nextInt(3) == 0 ? r.nextInt(0x10000) : r.nextInt(4) == 0 ? r.nextInt(16) : 0;
    }
    if (r.nextInt(6) == 0) { // IPv4-mapped or -compatible
      for (int i = 0; i < 6; i++) {
        w[i] = 0;
      }
      w[5] = r.nextBoolean() ? 0xffff : 0;
    }
    List<String> groups = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      String hex = Integer.toHexString(w[i]);
      if (r.nextInt(4) == 0) {
        hex = "0".repeat(4 - hex.length()) + hex;
      }
      groups.add(r.nextBoolean() ? hex.toUpperCase(Locale.ROOT) : hex);
    }
    boolean dotted = r.nextInt(4) == 0;
    if (dotted) {
      groups.set(6, (w[6] >> 8) + "." + (w[6] & 0xff) + "." + (w[7] >> 8) + "." + (w[7] & 0xff));
      groups.remove(7);
    }
    // compress one random run of zero groups (not the dotted tail)
    int start = -1;
    int len = 0;
    int limit = dotted ? 6 : 8;
    for (int i = 0; i < limit; i++) {
      if (w[i] == 0 && r.nextBoolean()) {
        start = i;
        len = 1;
        while (start + len < limit && w[start + len] == 0) {
          len++;
        }
        break;
      }
    }
    if (start < 0) {
      return String.join(":", groups);
    }
    String head = String.join(":", groups.subList(0, start));
    String tail = String.join(":", groups.subList(start + len, groups.size()));
    return head + "::" + tail;
  }

  @Test
  void eventsKeepTheAddressInTheFormPostgresPrints() throws SQLException {
    Random random = new Random(SEED);
    List<String> literals = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    ConnectionEvent.Builder b =
        ConnectionEvent.builder()
            .organizationId(UUID.randomUUID())
            .workspaceOwnerId(UUID.randomUUID())
            .workspaceId(UUID.randomUUID())
            .workspaceName("dev")
            .agentName("main")
            .type(ConnectionType.SSH);
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    for (String fixed :
        List.of(
            "::",
            "::1",
            "::2",
            "1::",
            "::ffff:0:0",
            "abcd:0:0:0:1::",
            "1:0:1:1:1:1:1:1",
            "::10.0.0.1",
            "::0.0.1.0",
            "1:2:3:4:5:6:1.2.3.4",
            "0:0:0:0:0:ffff:1.2.3.4")) {
      literals.add(fixed);
    }
    for (int i = 0; i < 3_000; i++) {
      literals.add(randomLiteral(random));
    }
    for (String literal : literals) {
      kept.add(b.ip(literal).connect(t).ip());
    }
    List<String> printed = new ArrayList<>();
    try (Connection c = pg.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT host(a) FROM unnest(?::inet[]) WITH ORDINALITY AS u(a, n) ORDER BY n")) {
      Array array = c.createArrayOf("text", literals.toArray());
      ps.setArray(1, array);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          printed.add(rs.getString(1));
        }
      }
    }
    for (int i = 0; i < literals.size(); i++) {
      assertThat(kept.get(i))
          .as("seed %s, literal '%s'", SEED, literals.get(i))
          .isEqualTo(printed.get(i));
    }
  }
}
