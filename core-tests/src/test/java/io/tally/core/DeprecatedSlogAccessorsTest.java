package io.tally.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The slog accessors TallyConfig kept, deprecated, when the keys moved to the {@code slog} backend
 * ({@code slogLevel()} had to go: it returned SLF4J's {@code Level}).
 */
@SuppressWarnings("removal")
class DeprecatedSlogAccessorsTest {
  @Test
  void readTheSlogKeysAsTheBackendDeclaresThem() {
    TallyConfig set =
        TallyConfig.from(
            Map.of(
                "tally.backend.slog.logger", "audit",
                "tally.backend.slog.redacted-fields", "ip, user_agent"));
    TallyConfig unset = TallyConfig.builder().build();

    assertThat(set.slogLogger()).isEqualTo("audit");
    assertThat(set.slogRedactedFields()).containsExactly("ip", "user_agent");
    assertThat(unset.slogLogger()).isEqualTo(TallyConfig.DEFAULT_SLOG_LOGGER);
    assertThat(unset.slogRedactedFields()).isEmpty();
    assertThat(unset.property("tally.backend.slog.logger")).isEmpty();
  }

  @Test
  void buildersSettersSetTheKeys() {
    TallyConfig c =
        TallyConfig.builder().slogLogger("audit").slogRedactedFields("ip", "user_agent").build();

    assertThat(c.property("tally.backend.slog.logger")).contains("audit");
    assertThat(c.property("tally.backend.slog.redacted-fields")).contains("ip,user_agent");
    assertThat(c.slogRedactedFields()).containsExactly("ip", "user_agent");
  }
}
