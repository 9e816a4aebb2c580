package io.tally.core.spi;

import io.tally.core.StoreException;
import io.tally.core.internal.SecretText;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What in a configuration is secret, and how to keep it out of messages: a setting's name that
 * holds a secret, a JDBC URL without its credentials, and a failure whose messages no longer show
 * the URL or the password.
 *
 * <p>A JDBC URL often holds credentials ({@code user:password@host}, {@code ?password=…}, {@code
 * ;PASSWORD=…}) and drivers quote the whole URL in some of their error messages, so Tally never
 * puts a URL into a message of its own and passes a driver's failure on only through {@link
 * #withoutSecrets(RuntimeException, String, String)}. Store authors reach the same through {@code
 * io.tally.jdbc.JdbcUrls}.
 */
public final class Secrets {
  private static final String MASK = "****";

  private Secrets() {}

  /**
   * Tells whether a setting or a URL parameter holds a secret, judging by its name.
   *
   * @param name a key or parameter name, e.g. {@code tally.store.custom.api-token}
   * @return whether {@code name} contains {@code password}, {@code secret}, {@code token}, {@code
   *     credential}, {@code key}, {@code auth}, {@code pass} or {@code pwd}, in any case (so {@code
   *     api-key}, {@code apikey}, {@code auth-token} and {@code PWD} do)
   * @throws NullPointerException if {@code name} is null
   */
  public static boolean isSecretName(String name) {
    return SecretText.isSecretName(name);
  }

  /**
   * Returns a JDBC URL safe to show: without parameters or properties and without user information.
   *
   * @param url a JDBC URL
   * @return the URL up to its first {@code ?} or {@code ;} (then {@code ?…}), with the user
   *     information before its last {@code @} replaced by {@code …}: what follows {@code //} when
   *     that comes before the {@code @} ({@code jdbc:postgresql://…@host/db}), else what follows
   *     the {@code jdbc:<subprotocol>:} ({@code jdbc:oracle:…@host:1521:orcl} for {@code
   *     jdbc:oracle:thin:scott/tiger@host:1521:orcl})
   * @throws NullPointerException if {@code url} is null
   */
  public static String redactUrl(String url) {
    return SecretText.redactUrl(url);
  }

  /**
   * Returns a failure safe to log and throw. When no message in its chain (causes and suppressed
   * exceptions) shows {@code url} (unless {@link #redactUrl(String)} leaves it as it is), the
   * password, the URL's user information or the value of a URL parameter whose name {@linkplain
   * #isSecretName(String) holds a secret}, that is {@code failure} itself. Otherwise it is a copy,
   * a {@link StoreException} with the same stack traces, in which every such text is replaced: the
   * URL by {@link #redactUrl(String)}, the rest by {@code ****}; a copied cause's message starts
   * with the original exception's class name.
   *
   * @param failure what a provider or driver threw
   * @param url the configured JDBC URL, or {@code null} if none
   * @param password the configured password, or {@code null} if none
   * @return {@code failure}, or its copy without secrets
   * @throws NullPointerException if {@code failure} is null
   */
  public static RuntimeException withoutSecrets(
      RuntimeException failure, @Nullable String url, @Nullable String password) {
    Objects.requireNonNull(failure, "failure");
    Scrubber scrubber = new Scrubber(url, password);
    if (!scrubber.leaks(failure, Collections.newSetFromMap(new IdentityHashMap<>()))) {
      return failure;
    }
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    seen.add(failure);
    String message = scrubber.scrub(failure.getMessage());
    StoreException copy =
        new StoreException(
            failure.getClass() == StoreException.class
                ? message
                : failure.getClass().getName() + (message == null ? "" : ": " + message),
            scrubber.copy(failure.getCause(), seen));
    scrubber.finish(failure, copy, seen);
    return copy;
  }

  /** The secret parts of a JDBC URL: user information and secret parameters' values. */
  private static List<String> secretsOf(String url) {
    List<String> out = new ArrayList<>();
    int cut = SecretText.parametersStart(url);
    String base = cut < 0 ? url : url.substring(0, cut);
    int at = base.lastIndexOf('@');
    int start = at < 0 ? -1 : SecretText.userInfoStart(base, at);
    if (start >= 0) {
      String userInfo = base.substring(start, at);
      out.add(userInfo);
      int first = indexOfSeparator(userInfo, false);
      if (first >= 0) {
        out.add(userInfo.substring(first + 1));
        out.add(userInfo.substring(indexOfSeparator(userInfo, true) + 1));
      }
    }
    if (cut >= 0) {
      for (String parameter : url.substring(cut + 1).split("[?&;]")) {
        int eq = parameter.indexOf('=');
        if (eq > 0 && isSecretName(parameter.substring(0, eq))) {
          out.add(parameter.substring(eq + 1));
        }
      }
    }
    return out;
  }

  private static int indexOfSeparator(String s, boolean last) {
    int colon = last ? s.lastIndexOf(':') : s.indexOf(':');
    int slash = last ? s.lastIndexOf('/') : s.indexOf('/');
    if (colon < 0 || slash < 0) {
      return Math.max(colon, slash);
    }
    return last ? Math.max(colon, slash) : Math.min(colon, slash);
  }

  /** Finds and replaces one configuration's secrets in messages. */
  private static final class Scrubber {
    private final @Nullable String url;
    private final List<String> secrets;

    Scrubber(@Nullable String url, @Nullable String password) {
      this.url = url;
      Set<String> s = new LinkedHashSet<>();
      if (password != null) {
        s.add(password);
      }
      if (url != null) {
        s.addAll(secretsOf(url));
      }
      s.remove("");
      List<String> sorted = new ArrayList<>(s);
      sorted.sort(Comparator.comparingInt(String::length).reversed());
      this.secrets = List.copyOf(sorted);
    }

    boolean leaks(@Nullable Throwable t, Set<Throwable> seen) {
      if (t == null || !seen.add(t)) {
        return false;
      }
      if (shows(t.getMessage()) || shows(t.getLocalizedMessage())) {
        return true;
      }
      for (Throwable s : t.getSuppressed()) {
        if (leaks(s, seen)) {
          return true;
        }
      }
      return leaks(t.getCause(), seen);
    }

    private boolean shows(@Nullable String message) {
      if (message == null) {
        return false;
      }
      if (url != null && !url.equals(redactUrl(url)) && message.contains(url)) {
        return true;
      }
      for (String secret : secrets) {
        if (message.contains(secret)) {
          return true;
        }
      }
      return false;
    }

    @Nullable String scrub(@Nullable String message) {
      if (message == null) {
        return null;
      }
      String s = message;
      if (url != null && !url.equals(redactUrl(url))) {
        s = s.replace(url, redactUrl(url));
      }
      for (String secret : secrets) {
        s = s.replace(secret, MASK);
      }
      return s;
    }

    @Nullable Throwable copy(@Nullable Throwable t, Set<Throwable> seen) {
      if (t == null || !seen.add(t)) {
        return null;
      }
      String message = scrub(t.getMessage());
      StoreException copy =
          new StoreException(
              t.getClass().getName() + (message == null ? "" : ": " + message),
              copy(t.getCause(), seen));
      finish(t, copy, seen);
      return copy;
    }

    void finish(Throwable original, Throwable copy, Set<Throwable> seen) {
      copy.setStackTrace(original.getStackTrace());
      for (Throwable s : original.getSuppressed()) {
        Throwable c = copy(s, seen);
        if (c != null) {
          copy.addSuppressed(c);
        }
      }
    }
  }
}
