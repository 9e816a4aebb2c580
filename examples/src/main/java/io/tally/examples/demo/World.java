package io.tally.examples.demo;

import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionType;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * The simulated fleet's fixed population: an organisation, workspaces (each owned by one of the
 * users) and users, with deterministic ids derived from the seed so two runs with one seed agree.
 */
final class World {
  private static final ConnectionType[] TYPES = ConnectionType.values();

  private final UUID organization;
  private final UUID[] workspaces;
  private final UUID[] users;

  World(int workspaceCount, int userCount, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    organization = uuid(random);
    users = new UUID[userCount];
    for (int i = 0; i < userCount; i++) {
      users[i] = uuid(random);
    }
    workspaces = new UUID[workspaceCount];
    for (int i = 0; i < workspaceCount; i++) {
      workspaces[i] = uuid(random);
    }
  }

  UUID workspace(SplittableRandom random) {
    return workspaces[random.nextInt(workspaces.length)];
  }

  UUID user(SplittableRandom random) {
    return users[random.nextInt(users.length)];
  }

  ConnectionEvent event(
      UUID eventId,
      UUID connectionId,
      UUID workspace,
      String agent,
      Instant time,
      boolean disconnect,
      SplittableRandom random) {
    ConnectionType type = TYPES[random.nextInt(TYPES.length)];
    ConnectionEvent.Builder b =
        ConnectionEvent.builder()
            .id(eventId)
            .organizationId(organization)
            .workspaceOwnerId(users[Math.floorMod(workspace.hashCode(), users.length)])
            .workspaceId(workspace)
            .workspaceName("ws-" + Integer.toHexString(workspace.hashCode()))
            .agentName(agent)
            .type(type)
            .ip("10.0." + random.nextInt(256) + "." + random.nextInt(256))
            .userAgent("tally-demo/1.0")
            .userId(user(random))
            .slugOrPort(type == ConnectionType.PORT_FORWARDING ? "8080" : "code-server")
            .connectionId(connectionId);
    if (disconnect) {
      return b.code(random.nextInt(10) == 0 ? 1 : 0)
          .disconnectReason("client closed")
          .disconnect(time);
    }
    return b.connect(time);
  }

  private static UUID uuid(SplittableRandom random) {
    return new UUID(random.nextLong(), random.nextLong());
  }
}
