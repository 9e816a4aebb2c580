package io.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tally.core.ConfigException;
import io.tally.core.StoreException;
import io.tally.core.TallyConfig;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class JdbcUrlsTest {
  private static final TallyConfig CONFIG =
      TallyConfig.builder()
          .store("h2")
          .jdbcUrl("jdbc:h2:tcp://bob:hunter2@db.example:9092/app;PASSWORD=s3cret;CIPHER=AES")
          .jdbcPassword("pw-from-config")
          .build();

  @Test
  void requireSchemeAcceptsTheStoresScheme() {
    assertThat(JdbcUrls.requireScheme("jdbc:h2:mem:x", "h2", "jdbc:h2:"))
        .isEqualTo("jdbc:h2:mem:x");
  }

  @Test
  void requireSchemeNamesTheStoreAndTheSchemeButNeverTheUrl() {
    ConfigException wrongDatabase =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                JdbcUrls.requireScheme(
                    "jdbc:postgresql://host/db?password=hunter2", "h2", "jdbc:h2:"));
    ConfigException notJdbc =
        catchThrowableOfType(
            ConfigException.class,
            () -> JdbcUrls.requireScheme("hunter2@host", "postgres", "jdbc:postgresql:"));

    assertThat(wrongDatabase.problems())
        .containsExactly(
            "tally.jdbc.url must start with jdbc:h2: for the h2 store (it starts with"
                + " jdbc:postgresql:; set tally.store to the store of that database)");
    assertThat(notJdbc.problems())
        .containsExactly(
            "tally.jdbc.url must start with jdbc:postgresql: for the postgres store (it is not a"
                + " JDBC URL; set tally.store to the store of that database)");
  }

  @Test
  void aCleanFailureIsReturnedAsItIs() {
    StoreException clean =
        new StoreException("cannot open", new SQLException("Connection refused: db.example"));

    assertThat(JdbcUrls.withoutSecrets(clean, CONFIG)).isSameAs(clean);
  }

  @Test
  void aFailureQuotingTheUrlOrASecretIsCopiedWithoutThem() {
    String url = CONFIG.jdbcUrl().orElseThrow();
    SQLException driver = new SQLException("URL format error: \"" + url + "\"");
    driver.addSuppressed(new IllegalStateException("For input string: \"hunter2@db.example\""));
    StoreException failure =
        new StoreException("cannot open", new RuntimeException("wrapped", driver));
    failure.addSuppressed(new IllegalStateException("closing: password pw-from-config refused"));

    RuntimeException safe = JdbcUrls.withoutSecrets(failure, CONFIG);

    assertThat(safe).isNotSameAs(failure).isExactlyInstanceOf(StoreException.class);
    assertThat(safe).hasMessage("cannot open");
    assertThat(safe.getStackTrace()).isEqualTo(failure.getStackTrace());
    assertThat(safe.getCause()).hasMessage("java.lang.RuntimeException: wrapped");
    assertThat(safe.getCause().getCause())
        .hasMessage(
            "java.sql.SQLException: URL format error: \"jdbc:h2:tcp://…@db.example:9092/app?…\"");
    assertThat(safe.getCause().getCause().getStackTrace()).isEqualTo(driver.getStackTrace());
    assertThat(safe.getCause().getCause().getSuppressed()[0])
        .hasMessage("java.lang.IllegalStateException: For input string: \"****@db.example\"");
    assertThat(safe.getSuppressed()[0])
        .hasMessage("java.lang.IllegalStateException: closing: password **** refused");
  }

  @Test
  void anotherTopLevelTypeIsNamedInTheCopysMessage() {
    IllegalStateException failure = new IllegalStateException("no: s3cret");

    assertThat(JdbcUrls.withoutSecrets(failure, CONFIG))
        .isExactlyInstanceOf(StoreException.class)
        .hasMessage("java.lang.IllegalStateException: no: ****")
        .hasNoCause();
  }

  @Test
  void userInformationWithoutSlashesIsASecretToo() {
    TallyConfig oracle =
        TallyConfig.builder()
            .store("oracle")
            .jdbcUrl("jdbc:oracle:thin:scott/tiger@db.example:1521:orcl?apikey=k-123")
            .build();
    RuntimeException failure =
        new IllegalStateException("ORA-01017: invalid username/password scott/tiger, key k-123");

    assertThat(JdbcUrls.withoutSecrets(failure, oracle))
        .hasMessage(
            "java.lang.IllegalStateException: ORA-01017: invalid username/password ****, key ****");
  }

  @Test
  void secretNames() {
    assertThat(JdbcUrls.isSecretName("tally.store.x.api-key")).isTrue();
    assertThat(JdbcUrls.isSecretName("APIKEY")).isTrue();
    assertThat(JdbcUrls.isSecretName("auth-token")).isTrue();
    assertThat(JdbcUrls.isSecretName("passwd")).isTrue();
    assertThat(JdbcUrls.isSecretName("PWD")).isTrue();
    assertThat(JdbcUrls.isSecretName("credentials")).isTrue();
    assertThat(JdbcUrls.isSecretName("region")).isFalse();
    assertThat(JdbcUrls.isSecretName("user")).isFalse();
  }

  @Test
  void redactDropsParametersAndUserInformation() {
    assertThat(JdbcUrls.redact("jdbc:postgresql://bob:p@ss@db:5432/app?password=x"))
        .isEqualTo("jdbc:postgresql://…@db:5432/app?…");
    assertThat(JdbcUrls.redact("jdbc:h2:mem:tally;PASSWORD=x")).isEqualTo("jdbc:h2:mem:tally?…");
    assertThat(JdbcUrls.redact("jdbc:h2:mem:tally")).isEqualTo("jdbc:h2:mem:tally");
  }
}
