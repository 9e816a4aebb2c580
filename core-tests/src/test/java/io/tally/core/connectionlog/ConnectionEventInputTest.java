package io.tally.core.connectionlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.InputRules;
import io.tally.testkit.ConnectionLogStoreContract;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A connection event follows the input rules when it is built, before anything is queued. */
class ConnectionEventInputTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  private static ConnectionEvent.Builder session() {
    return ConnectionLogStoreContract.session();
  }

  @Test
  void timesOutsideTheStorableRangeAreRejected() {
    for (Instant bad :
        List.of(
            Instant.MAX,
            Instant.MIN,
            InputRules.MAX_TIME.plusNanos(1),
            InputRules.MIN_TIME.minusNanos(1))) {
      assertThatThrownBy(() -> session().connect(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("time was " + bad + " but must be between");
      assertThatThrownBy(() -> session().disconnect(bad))
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(session().connect(InputRules.MIN_TIME).connectTime()).isEqualTo(InputRules.MIN_TIME);
    assertThat(session().disconnect(InputRules.MAX_TIME).disconnectTime())
        .isEqualTo(InputRules.MAX_TIME);
  }

  @Test
  void identifyingFieldsAreRejectedPastTheirLimitAndForNulOrLoneSurrogates() {
    String longest = "w".repeat(InputRules.MAX_NAME_LENGTH);
    assertThat(session().workspaceName(longest).agentName(longest).connect(T).workspaceName())
        .isEqualTo(longest);
    assertThatThrownBy(() -> session().workspaceName(longest + "w").connect(T))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("workspaceName was 'wwww")
        .hasMessageEndingWith("(1001 UTF-16 code units) but must be at most 1000");
    assertThatThrownBy(() -> session().agentName(longest + "a").connect(T))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("agentName was");
    assertThatThrownBy(() -> session().workspaceName("d\u0000v").connect(T))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("workspaceName was 'd\\0v' but must not contain NUL (U+0000; at index 1)");
    assertThatThrownBy(() -> session().agentName("\uD800").connect(T))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("agentName")
        .hasMessageContaining("lone surrogate");
    assertThatThrownBy(() -> session().typeName("t".repeat(65)).connect(T))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("typeName was");
    assertThatThrownBy(() -> session().typeName("").connect(T))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("typeName was '' but must not be empty");
  }

  @Test
  void freeTextFieldsAreTruncatedToTheirLimitAndCounted() {
    long before = InputRules.truncatedValues();
    ConnectionEvent e =
        session()
            .userAgent("u".repeat(100_000))
            .slugOrPort("s".repeat(InputRules.MAX_SLUG_OR_PORT_LENGTH + 1))
            .disconnectReason("r".repeat(InputRules.MAX_DISCONNECT_REASON_LENGTH + 7))
            .disconnect(T);
    assertThat(e.userAgent()).isEqualTo("u".repeat(InputRules.MAX_USER_AGENT_LENGTH));
    assertThat(e.slugOrPort()).isEqualTo("s".repeat(InputRules.MAX_SLUG_OR_PORT_LENGTH));
    assertThat(e.disconnectReason()).isEqualTo("r".repeat(InputRules.MAX_DISCONNECT_REASON_LENGTH));
    assertThat(InputRules.truncatedValues() - before).isGreaterThanOrEqualTo(3);
    // values at their limit are kept whole; a cut never splits a surrogate pair
    String pairAtCut = "u".repeat(InputRules.MAX_USER_AGENT_LENGTH - 1) + "\uD83D\uDE00";
    assertThat(session().userAgent(pairAtCut).connect(T).userAgent())
        .isEqualTo("u".repeat(InputRules.MAX_USER_AGENT_LENGTH - 1));
    String exact = "u".repeat(InputRules.MAX_USER_AGENT_LENGTH);
    assertThat(session().userAgent(exact).connect(T).userAgent()).isSameAs(exact);
    // NUL is rejected in free text too, even past the cut
    assertThatThrownBy(() -> session().userAgent("u".repeat(5000) + "\u0000").connect(T))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("userAgent")
        .hasMessageContaining("NUL");
    assertThatThrownBy(() -> session().disconnectReason("\uDC00").disconnect(T))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("disconnectReason");
  }

  @Test
  void anEventRecordsHowManyOfItsFieldsWereTruncatedAndEqualityIgnoresIt() {
    ConnectionEvent whole = session().userAgent("ssh/9.6").connect(T);
    assertThat(whole.truncatedFields()).isZero();
    ConnectionEvent cut =
        session()
            .userAgent("u".repeat(5000))
            .slugOrPort("s".repeat(InputRules.MAX_SLUG_OR_PORT_LENGTH + 1))
            .disconnect(T);
    assertThat(cut.truncatedFields()).isEqualTo(2);
    // a copy keeps the count (coalescing copies events); a rebuilt event holds no cut of its own
    ConnectionEvent rebuilt = cut.toBuilder().disconnect(T);
    assertThat(rebuilt.truncatedFields()).isZero();
    assertThat(rebuilt).isEqualTo(cut).hasSameHashCodeAs(cut);
    assertThatThrownBy(
            () ->
                new ConnectionEvent(
                    cut.id(),
                    T,
                    cut.organizationId(),
                    cut.workspaceOwnerId(),
                    cut.workspaceId(),
                    "ws",
                    "main",
                    "ssh",
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    ConnectionStatus.CONNECTED,
                    null,
                    T,
                    null,
                    4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("truncatedFields was 4 but must be between 0 and 3 (the free-text fields)");
  }

  @Test
  void tunnelAndUnknownTypesAreCarriedByTheirWireName() {
    ConnectionEvent tunnel = session().type(ConnectionType.TUNNEL).connect(T);
    assertThat(tunnel.type()).isEqualTo(ConnectionType.TUNNEL);
    assertThat(tunnel.typeName()).isEqualTo("tunnel");
    ConnectionEvent future = session().typeName("quantum_link").connect(T);
    assertThat(future.type()).isEqualTo(ConnectionType.OTHER);
    assertThat(future.typeName()).isEqualTo("quantum_link");
    assertThat(future.toBuilder().disconnect(T.plusSeconds(1)).typeName())
        .isEqualTo("quantum_link");
    assertThat(ConnectionType.fromWireName("tunnel")).isEqualTo(ConnectionType.TUNNEL);
    assertThat(ConnectionType.fromWireNameOrOther("quantum_link")).isEqualTo(ConnectionType.OTHER);
    assertThatThrownBy(() -> session().type(null).connect(T))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("typeName");
  }
}
