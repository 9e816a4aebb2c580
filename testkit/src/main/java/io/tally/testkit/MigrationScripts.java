package io.tally.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a store's SQL migration scripts from the class path, for tests that check the schema's
 * limits against what the scripts really create.
 */
public final class MigrationScripts {
  /** A name derived from the table prefix: {@code ${prefix}} followed by identifier letters. */
  private static final Pattern DERIVED = Pattern.compile("\\$\\{prefix}([A-Za-z0-9_]+)");

  private MigrationScripts() {}

  /**
   * Returns the longest name that the scripts derive from the table prefix, without the prefix: the
   * longest {@code xyz} of every {@code ${prefix}xyz} in them. Only explicit names count; a
   * database picks implicit ones (such as PostgreSQL's {@code <table>_pkey}) itself and shortens
   * them as needed.
   *
   * @param anchor a class whose class loader sees the scripts, usually the store's schema class
   * @param directory the scripts' resource directory, e.g. {@code "db/tally/h2/"}
   * @param scripts the scripts' names without {@code .sql}, e.g. {@code "V1__last_used"}
   * @return the longest derived name; empty if there is none
   * @throws IllegalArgumentException naming the resource, if a script is not on the class path
   * @throws UncheckedIOException if a script cannot be read
   * @throws NullPointerException if an argument is null
   */
  public static String longestDerivedName(Class<?> anchor, String directory, List<String> scripts) {
    Objects.requireNonNull(anchor, "anchor");
    Objects.requireNonNull(directory, "directory");
    String longest = "";
    for (String script : Objects.requireNonNull(scripts, "scripts")) {
      String resource = directory + script + ".sql";
      try (InputStream in = anchor.getClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalArgumentException(
              "script was '" + resource + "' but is not on the class path of " + anchor.getName());
        }
        Matcher m = DERIVED.matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        while (m.find()) {
          if (m.group(1).length() > longest.length()) {
            longest = m.group(1);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("reading " + resource + " failed", e);
      }
    }
    return longest;
  }
}
