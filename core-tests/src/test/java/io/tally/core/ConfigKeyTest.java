package io.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.lastused.TimestampMode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules of {@link ConfigKey}'s factories, which Tally's own keys and providers' share. */
class ConfigKeyTest {
  @Test
  void namesMustBeLowerCaseTallyKeys() {
    assertThat(ConfigKey.text("tally.backend.x.file_name-2", null).name())
        .isEqualTo("tally.backend.x.file_name-2");
    for (String bad :
        List.of("backend.x.file", "tally.", "tally.Backend.x", "tally..x", "tally.x.")) {
      assertThatThrownBy(() -> ConfigKey.text(bad, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("name was '" + bad + "' but must be tally.");
    }
  }

  @Test
  void textWithARule() {
    ConfigKey<String> key =
        ConfigKey.text("tally.backend.x.name", "a", s -> !s.isEmpty(), "must not be empty");

    assertThat(key.defaultValue()).contains("a");
    assertThat(key.parse("b")).isEqualTo("b");
    assertThatThrownBy(() -> key.parse(""))
        .isInstanceOf(ConfigException.class)
        .hasMessageEndingWith("tally.backend.x.name was '' but must not be empty");
    assertThatThrownBy(
            () -> ConfigKey.text("tally.x.y", "", s -> !s.isEmpty(), "must not be empty"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tally.x.y's default '' must not be empty");
  }

  @Test
  void flag() {
    ConfigKey<Boolean> key = ConfigKey.flag("tally.backend.x.on", true);

    assertThat(key.defaultValue()).contains(true);
    assertThat(key.parse("FALSE")).isFalse();
    assertThat(key.format(true)).isEqualTo("true");
    assertThatThrownBy(() -> key.parse("yes"))
        .hasMessageEndingWith("tally.backend.x.on was 'yes' but must be true or false");
  }

  @Test
  void durationUsesTallysSyntaxAndBounds() {
    ConfigKey<Duration> key = ConfigKey.duration("tally.backend.x.wait", Duration.ofSeconds(5));

    assertThat(key.parse("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(key.parse("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(key.parse("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
    assertThat(key.parse("365d")).isEqualTo(TallyConfig.MAX_DURATION);
    assertThat(key.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThatThrownBy(() -> key.parse("366d"))
        .hasMessageEndingWith("tally.backend.x.wait was '366d' but must be at most 365d");
    assertThatThrownBy(() -> key.parse("0s"))
        .hasMessageEndingWith("tally.backend.x.wait was '0s' but must be positive");
    assertThatThrownBy(() -> key.parse("soon"))
        .hasMessageEndingWith(
            "tally.backend.x.wait was 'soon' but must be a duration such as 250ms, 5s, 1m, 2h or PT5S");
    assertThatThrownBy(() -> ConfigKey.duration("tally.x.y", Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tally.x.y's default '0ms' must be positive");
  }

  @Test
  void integerAndLongBounds() {
    ConfigKey<Integer> small = ConfigKey.integer("tally.backend.x.n", 3, 1, 5);
    ConfigKey<Long> big = ConfigKey.longInteger("tally.backend.x.bytes", null, -1, Long.MAX_VALUE);

    assertThat(small.parse("5")).isEqualTo(5);
    assertThatThrownBy(() -> small.parse("0")).hasMessageEndingWith("was '0' but must be >= 1");
    assertThatThrownBy(() -> small.parse("6"))
        .hasMessageEndingWith("was '6' but must be at most 5");
    assertThatThrownBy(() -> small.parse("many")).hasMessageEndingWith("but must be an integer");
    assertThat(big.defaultValue()).isEmpty();
    assertThat(big.parse("9000000000")).isEqualTo(9_000_000_000L);
    assertThatThrownBy(() -> ConfigKey.integer("tally.x.y", 9, 1, 5))
        .hasMessage("tally.x.y's default '9' must be at most 5");
    assertThatThrownBy(() -> ConfigKey.integer("tally.x.y", null, 5, 1))
        .hasMessage("max was 1 but must be >= min (5)");
  }

  @Test
  void withRuleAddsARule() {
    ConfigKey<Long> key =
        ConfigKey.longInteger("tally.backend.x.max", -1L, -1, 100)
            .withRule(v -> v != 0, "must be positive or -1 (none)");

    assertThat(key.parse("-1")).isEqualTo(-1L);
    assertThatThrownBy(() -> key.parse("0"))
        .hasMessageEndingWith("was '0' but must be positive or -1 (none)");
    assertThatThrownBy(() -> key.parse("101")).hasMessageEndingWith("must be at most 100");
  }

  @Test
  void choiceOfAnEnumOrOfStrings() {
    ConfigKey<TimestampMode> mode =
        ConfigKey.choice("tally.backend.x.mode", TimestampMode.class, TimestampMode.EVENT_TIME);
    ConfigKey<String> codec = ConfigKey.choice("tally.backend.x.codec", "json", "json", "cbor");

    assertThat(mode.parse("FLUSH_TIME")).isEqualTo(TimestampMode.FLUSH_TIME);
    assertThat(mode.parse("flush-time")).isEqualTo(TimestampMode.FLUSH_TIME);
    assertThat(mode.format(TimestampMode.FLUSH_TIME)).isEqualTo("flush-time");
    assertThatThrownBy(() -> mode.parse("wall"))
        .hasMessageEndingWith("was 'wall' but must be one of event-time, flush-time");
    assertThat(codec.parse("CBOR")).isEqualTo("cbor");
    assertThatThrownBy(() -> codec.parse("xml"))
        .hasMessageEndingWith("was 'xml' but must be one of json, cbor");
    assertThatThrownBy(() -> ConfigKey.choice("tally.x.y", "yaml", "json", "cbor"))
        .hasMessage("tally.x.y's default 'yaml' must be one of json, cbor");
    assertThatThrownBy(() -> ConfigKey.choice("tally.x.y", null, new String[0]))
        .hasMessage("allowed was empty but must hold at least one value");
  }

  @Test
  void listWithARule() {
    ConfigKey<List<String>> key =
        ConfigKey.list(
            "tally.backend.x.fields",
            List.of(),
            l -> List.of("ip", "user_agent").containsAll(l),
            "must name event fields");

    assertThat(key.parse(" ip , ,user_agent ")).containsExactly("ip", "user_agent");
    assertThat(key.format(List.of("ip", "user_agent"))).isEqualTo("ip,user_agent");
    assertThatThrownBy(() -> key.parse("ip,email"))
        .hasMessageEndingWith("was 'ip,email' but must name event fields");
  }

  @Test
  void secretKeysAreReadAsGiven() {
    ConfigKey<String> token = ConfigKey.secret("tally.backend.x.token");
    ConfigKey<Integer> pin = ConfigKey.integer("tally.backend.x.pin", null, 0, 9999);

    assertThat(token.isSecret()).isTrue();
    assertThat(token.defaultValue()).isEmpty();
    assertThat(token.parse(" s3cret ")).isEqualTo(" s3cret ");
    assertThat(pin.isSecret()).isFalse();
    TallyConfig config =
        TallyConfig.builder()
            .set("tally.backend.x.token", "s3cret")
            .set("tally.backend.x.pin", "123456")
            .build();
    assertThat(config.keyProblems("tally.backend.x.", List.of(token, pin)))
        .containsExactly("tally.backend.x.pin was '123456' but must be at most 9999");
    assertThat(config.get(token)).isEqualTo("s3cret");
  }
}
