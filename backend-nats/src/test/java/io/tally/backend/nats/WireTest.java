package io.tally.backend.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The version-1 wire format: what it writes, what it reads, and what it refuses. */
class WireTest {

  private static String json(ConnectionEvent e) {
    return new String(Wire.encode(e), StandardCharsets.UTF_8);
  }

  private static ConnectionEvent decode(String s) {
    return Wire.decode(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void everyEventSurvivesARoundTrip() {
    List<ConnectionEvent> events = Fixtures.events(50, 11);
    for (ConnectionEvent e : events) {
      assertThat(decode(json(e))).isEqualTo(e);
    }
  }

  @Test
  void writesTheDocumentedFieldsAndLeavesOutAbsentOnes() {
    UUID id = UUID.fromString("0b6c1a6e-0000-4000-8000-000000000001");
    UUID org = UUID.fromString("0b6c1a6e-0000-4000-8000-000000000002");
    ConnectionEvent e =
        ConnectionEvent.builder()
            .id(id)
            .organizationId(org)
            .workspaceOwnerId(org)
            .workspaceId(org)
            .workspaceName("dev \"1\"\n")
            .agentName("main")
            .type(ConnectionType.RECONNECTING_PTY)
            .code(0)
            .connect(Fixtures.T0);
    assertThat(json(e))
        .isEqualTo(
            "{\"v\":1,\"id\":\""
                + id
                + "\",\"time\":\"2026-01-01T00:00:00Z\",\"organization_id\":\""
                + org
                + "\",\"workspace_owner_id\":\""
                + org
                + "\",\"workspace_id\":\""
                + org
                + "\",\"workspace_name\":\"dev \\\"1\\\"\\n\",\"agent_name\":\"main\",\"type\":\"reconnecting_pty\","
                + "\"status\":\"connected\",\"connect_time\":\"2026-01-01T00:00:00Z\",\"code\":0}");
  }

  @Test
  void readsUnknownFieldsNullsAndWhitespaceOfNewerPublishers() {
    ConnectionEvent e =
        Fixtures.events(5, 12).stream()
            .filter(x -> x.slugOrPort() == null)
            .findFirst()
            .orElseThrow();
    String s = json(e);
    String newer =
        "{ \"future\" : {\"nested\": [1, 2.5, {\"x\": null}]}, \"flag\": true, "
            + s.substring(1, s.length() - 1)
            + ", \"slug_or_port\": null }";
    ConnectionEvent read = decode(newer);
    assertThat(read.id()).isEqualTo(e.id());
    assertThat(read.slugOrPort()).isNull();
  }

  @Test
  void aTypeThisVersionDoesNotKnowTravelsAndIsReadBackAsItsOwnName() {
    ConnectionEvent e =
        Fixtures.events(1, 13).get(0).toBuilder().typeName("teleport").connect(Fixtures.T0);
    String s = json(e);
    assertThat(s).contains("\"type\":\"teleport\"");
    ConnectionEvent read = decode(s);
    assertThat(read.typeName()).isEqualTo("teleport");
    assertThat(read.type()).isEqualTo(ConnectionType.OTHER);
    assertThat(read).isEqualTo(e);
    assertThat(decode(json(e.toBuilder().type(ConnectionType.TUNNEL).connect(Fixtures.T0))).type())
        .isEqualTo(ConnectionType.TUNNEL);
  }

  @Test
  void refusesValuesThatBreakTheInputRulesNamingTheField() {
    String good = json(Fixtures.events(1, 16).get(0));
    assertThatThrownBy(() -> decode(good.replace("\"agent_name\":\"", "\"agent_name\":\"a\\u0000")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("agentName")
        .hasMessageContaining("NUL");
    assertThatThrownBy(
            () ->
                decode(
                    good.replaceFirst("\"time\":\"[^\"]*\"", "\"time\":\"0999-12-31T23:59:59Z\"")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("time was 0999-12-31T23:59:59Z but must be between");
    assertThatThrownBy(() -> decode(good.replace("\"type\":\"", "\"type\":\"\\ud800")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("typeName");
    assertThatThrownBy(() -> decode(good.replaceFirst("\"type\":\"[^\"]*\"", "\"type\":\"\"")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("type");
  }

  @Test
  void refusesWhatItCannotRead() {
    String good = json(Fixtures.events(1, 14).get(0));
    assertThatThrownBy(() -> decode("[1]")).hasMessageContaining("expected '{'");
    assertThatThrownBy(() -> decode(good.replace("\"v\":1", "\"v\":2")))
        .hasMessageContaining("field 'v' was 2 but this reader knows versions 1 to 1");
    assertThatThrownBy(() -> decode(good.replace("\"v\":1,", "")))
        .hasMessageContaining("field 'v' was missing");
    assertThatThrownBy(() -> decode(good.replace("\"status\":\"", "\"status\":\"x")))
        .hasMessageContaining("field 'status'");
    assertThatThrownBy(() -> decode(good.replaceFirst("\"id\":\"[^\"]*\"", "\"id\":\"nope\"")))
        .hasMessageContaining("field 'id' was 'nope' but must be a UUID");
    assertThatThrownBy(() -> decode(good + "x")).hasMessageContaining("the end of the text");
    assertThatThrownBy(() -> decode("{\"v\":1,\"v\":1}"))
        .hasMessageContaining("duplicate field 'v'");
  }
}
