package io.tally.jdbc;

import io.tally.core.ConfigException;
import io.tally.core.TallyConfig;
import io.tally.core.spi.Secrets;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Helpers for store providers that open a database from {@code tally.jdbc.url}: check the URL's
 * scheme, show the URL without its secrets, and keep a driver's error message from carrying the URL
 * or the password into an exception or a log line.
 *
 * <p>A JDBC URL often holds credentials ({@code user:password@host}, {@code ?password=…}, {@code
 * ;PASSWORD=…}) and drivers quote the whole URL in some of their error messages, so Tally never
 * puts a URL into a message of its own and passes a driver's failure on only through {@link
 * #withoutSecrets(RuntimeException, TallyConfig)}.
 */
public final class JdbcUrls {
  private static final Pattern SUBPROTOCOL = Pattern.compile("jdbc:[A-Za-z0-9]{1,20}:");

  private JdbcUrls() {}

  /**
   * Tells whether a setting or a URL parameter holds a secret, judging by its name: see {@link
   * Secrets#isSecretName(String)}.
   *
   * @param name a key or parameter name, e.g. {@code tally.store.custom.api-token}
   * @return whether {@code name} names a secret
   * @throws NullPointerException if {@code name} is null
   */
  public static boolean isSecretName(String name) {
    return Secrets.isSecretName(name);
  }

  /**
   * Checks that a JDBC URL is for the store's database, without showing the URL.
   *
   * @param url the configured {@code tally.jdbc.url}
   * @param store the store provider's name, for the message, e.g. {@code "h2"}
   * @param scheme the prefix the store requires, e.g. {@code "jdbc:h2:"}
   * @return {@code url}
   * @throws NullPointerException if an argument is null
   * @throws ConfigException if {@code url} does not start with {@code scheme}; the message names
   *     the store, the required scheme and at most the URL's own {@code jdbc:<subprotocol>:}
   */
  public static String requireScheme(String url, String store, String scheme) {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(scheme, "scheme");
    if (url.startsWith(scheme)) {
      return url;
    }
    Matcher m = SUBPROTOCOL.matcher(url);
    String found = m.lookingAt() ? "it starts with " + m.group() : "it is not a JDBC URL";
    throw new ConfigException(
        List.of(
            "tally.jdbc.url must start with "
                + scheme
                + " for the "
                + store
                + " store ("
                + found
                + "; set tally.store to the store of that database)"));
  }

  /**
   * Returns a JDBC URL safe to show: see {@link Secrets#redactUrl(String)}.
   *
   * @param url a JDBC URL
   * @return the URL without parameters, properties or user information
   * @throws NullPointerException if {@code url} is null
   */
  public static String redact(String url) {
    return Secrets.redactUrl(url);
  }

  /**
   * Returns a failure safe to log and throw, without {@code config}'s JDBC URL, password or the
   * URL's secrets in any message of its chain: see {@link Secrets#withoutSecrets(RuntimeException,
   * String, String)}.
   *
   * @param failure what a provider or driver threw
   * @param config the configuration whose secrets must not show
   * @return {@code failure}, or its copy without secrets
   * @throws NullPointerException if an argument is null
   */
  public static RuntimeException withoutSecrets(RuntimeException failure, TallyConfig config) {
    Objects.requireNonNull(config, "config");
    return Secrets.withoutSecrets(
        failure, config.jdbcUrl().orElse(null), config.jdbcPassword().orElse(null));
  }
}
