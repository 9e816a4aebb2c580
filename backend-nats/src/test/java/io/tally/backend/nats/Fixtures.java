package io.tally.backend.nats;

import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionType;
import io.tally.testkit.ConnectionLogRow;
import io.tally.testkit.ManualClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/** Events with a known outcome, and the rows a store must hold for them. */
final class Fixtures {
  static final Instant T0 = ManualClock.DEFAULT_START;

  private Fixtures() {}

  /** What one row must hold (the row id of a session depends on batch boundaries). */
  record Expected(
      UUID key, Instant connect, Instant disconnect, String reason, Integer code, String type) {
    static Expected of(ConnectionLogRow r) {
      UUID key = r.connectionId() != null ? r.connectionId() : r.id();
      return new Expected(
          key, r.connectTime(), r.disconnectTime(), r.disconnectReason(), r.code(), r.type());
    }
  }

  /**
   * {@code sessions} sessions (a connect and a disconnect each, shuffled so disconnects often come
   * first) plus one event without a connection id per ten sessions.
   */
  static List<ConnectionEvent> events(int sessions, long seed) {
    Random random = new Random(seed);
    UUID org = UUID.randomUUID();
    List<ConnectionEvent> out = new ArrayList<>();
    for (int i = 0; i < sessions; i++) {
      UUID workspace = UUID.randomUUID();
      ConnectionEvent.Builder s =
          ConnectionEvent.builder()
              .organizationId(org)
              .workspaceOwnerId(org)
              .workspaceId(workspace)
              .workspaceName("ws-" + i)
              .agentName("main")
              .type(ConnectionType.SSH)
              .ip("10.0.0." + (i % 250))
              .userAgent("agent \"quoted\" \u00e9")
              .userId(UUID.randomUUID())
              .connectionId(UUID.randomUUID());
      Instant connect = T0.plusMillis(random.nextInt(3_600_000));
      out.add(s.connect(connect));
      out.add(
          s.code(i % 3)
              .disconnectReason("bye " + i)
              .disconnect(connect.plusMillis(1 + random.nextInt(600_000))));
      if (i % 10 == 0) {
        out.add(
            ConnectionEvent.builder()
                .organizationId(org)
                .workspaceOwnerId(org)
                .workspaceId(workspace)
                .workspaceName("ws-" + i)
                .agentName("main")
                .type(ConnectionType.WORKSPACE_APP)
                .slugOrPort("app-" + i)
                .connect(T0.plusMillis(random.nextInt(3_600_000))));
      }
    }
    Collections.shuffle(out, random);
    return out;
  }

  /**
   * @return the rows a store must hold after every event in {@code events} was written
   */
  static Map<UUID, Expected> expected(List<ConnectionEvent> events) {
    Map<UUID, ConnectionEvent> merged = new HashMap<>();
    for (ConnectionEvent e : events) {
      UUID key = e.connectionId() != null ? e.connectionId() : e.id();
      merged.merge(key, e, io.tally.core.connectionlog.ConnectionEvents::merge);
    }
    Map<UUID, Expected> out = new HashMap<>();
    merged.forEach((k, e) -> out.put(k, Expected.of(ConnectionLogRow.of(e))));
    return out;
  }

  /**
   * @return the rows, keyed like {@link #expected(List)}; fails on two rows of one key
   */
  static Map<UUID, Expected> actual(List<ConnectionLogRow> rows) {
    Map<UUID, Expected> out = new HashMap<>();
    for (ConnectionLogRow r : rows) {
      Expected e = Expected.of(r);
      if (out.put(e.key(), e) != null) {
        throw new AssertionError("two rows for " + e.key());
      }
    }
    return out;
  }
}
