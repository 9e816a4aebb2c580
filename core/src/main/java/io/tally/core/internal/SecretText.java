package io.tally.core.internal;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text rules behind {@code spi.Secrets}: which names hold a secret and where a JDBC URL keeps
 * its parameters and user information. Here, in the leaf package, so that {@code TallyConfig} can
 * mask what it shows without depending on the SPI package (which depends on it).
 */
public final class SecretText {
  private static final Pattern SUBPROTOCOL = Pattern.compile("jdbc:[A-Za-z0-9]{1,20}:");
  private static final Pattern SECRET_NAME =
      Pattern.compile(
          ".*(password|secret|token|credential|key|auth|pass|pwd).*", Pattern.CASE_INSENSITIVE);

  private SecretText() {}

  /**
   * Tells whether a setting or a URL parameter holds a secret, judging by its name.
   *
   * @param name a key or parameter name
   * @return whether it contains password, secret, token, credential, key, auth, pass or pwd
   * @throws NullPointerException if {@code name} is null
   */
  public static boolean isSecretName(String name) {
    return SECRET_NAME.matcher(Objects.requireNonNull(name, "name")).matches();
  }

  /**
   * Returns a JDBC URL without parameters, properties and user information.
   *
   * @param url a JDBC URL
   * @return the URL safe to show
   * @throws NullPointerException if {@code url} is null
   */
  public static String redactUrl(String url) {
    Objects.requireNonNull(url, "url");
    String s = url;
    int cut = parametersStart(s);
    if (cut >= 0) {
      s = s.substring(0, cut) + "?…";
    }
    int at = s.lastIndexOf('@');
    int start = at < 0 ? -1 : userInfoStart(s, at);
    if (start >= 0) {
      s = s.substring(0, start) + "…" + s.substring(at);
    }
    return s;
  }

  /**
   * Where the parameters of a JDBC URL start.
   *
   * @param url a JDBC URL
   * @return the index of the first {@code ?} or {@code ;}, or -1
   */
  public static int parametersStart(String url) {
    int q = url.indexOf('?');
    int s = url.indexOf(';');
    return q < 0 ? s : s < 0 ? q : Math.min(q, s);
  }

  /**
   * Where the user information ending at {@code at} starts: after {@code //} when that comes first,
   * else after {@code jdbc:<subprotocol>:}, else at the start.
   *
   * @param url a JDBC URL
   * @param at the index of the {@code @} that ends the user information
   * @return the index where the user information starts
   */
  public static int userInfoStart(String url, int at) {
    int slashes = url.indexOf("//");
    if (slashes >= 0 && slashes < at) {
      return slashes + 2;
    }
    Matcher m = SUBPROTOCOL.matcher(url);
    return m.lookingAt() && m.end() <= at ? m.end() : 0;
  }
}
