package io.tally.examples.jsonl;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.TallyConfig;
import io.tally.core.backend.Backend;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionType;
import io.tally.core.spi.BackendProvider;
import io.tally.core.spi.ProviderContext;
import io.tally.testkit.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.ServiceLoader;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesBackendTest {
  @TempDir Path dir;

  private static ConnectionEvent event(int i, String agent) {
    UUID ws = UUID.randomUUID();
    return ConnectionEvent.builder()
        .id(UUID.randomUUID())
        .organizationId(UUID.randomUUID())
        .workspaceOwnerId(UUID.randomUUID())
        .workspaceId(ws)
        .workspaceName("ws-" + i)
        .agentName(agent)
        .type(ConnectionType.SSH)
        .ip("10.0.0." + (i % 250))
        .connectionId(i % 3 == 0 ? null : UUID.randomUUID())
        .connect(Instant.parse("2026-01-01T00:00:00Z").plusMillis(i));
  }

  @Test
  void writesOneJsonObjectPerEvent() throws Exception {
    Path file = dir.resolve("events.jsonl");
    int n = 2_500;
    try (JsonLinesBackend backend = new JsonLinesBackend(file)) {
      for (int i = 0; i < n; i++) {
        backend.write(event(i, i == 7 ? "quote\"back\\slash\nnewline" : "main"));
      }
    }
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(n);
    assertThat(lines).allSatisfy(l -> assertThat(l).startsWith("{\"id\":\"").endsWith("}"));
    assertThat(lines.get(7)).contains("\"agent_name\":\"quote\\\"back\\\\slash\\u000anewline\"");
    assertThat(lines.get(0))
        .contains("\"connection_id\":null")
        .contains("\"status\":\"connected\"");
  }

  @Test
  void isDiscoveredAsJsonlAndReadsItsFileFromTheConfig() throws Exception {
    BackendProvider provider =
        ServiceLoader.load(BackendProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.name().equals("jsonl"))
            .findFirst()
            .orElseThrow();
    Path file = dir.resolve("configured.jsonl");
    TallyConfig config =
        TallyConfig.builder().set("tally.backend.jsonl.file", file.toString()).build();
    Backend<ConnectionEvent> backend =
        provider.create(ProviderContext.of(config, null, ManualClock.create()));
    backend.write(event(1, "main"));
    backend.close();
    assertThat(Files.readAllLines(file)).hasSize(1);
  }
}
