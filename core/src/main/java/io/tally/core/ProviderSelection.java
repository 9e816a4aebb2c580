package io.tally.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Picks the configured providers of one SPI by name, from the discovered ones and those passed
 * explicitly, collecting every problem (unknown name, ambiguous name) instead of stopping at the
 * first. See {@code io.tally.core.spi}'s package comment for the rules.
 *
 * @param <P> the SPI type
 */
final class ProviderSelection<P> {
  private final String spi;
  private final Function<P, String> nameOf;
  private final Map<String, List<P>> discovered = new LinkedHashMap<>();
  private final Map<String, List<P>> explicit = new LinkedHashMap<>();

  /**
   * @param spi the SPI's simple name, for messages, e.g. {@code StoreProvider}
   * @param nameOf reads a provider's name
   * @param discovered the providers found by the loader
   * @param explicit the providers passed explicitly
   */
  ProviderSelection(String spi, Function<P, String> nameOf, List<P> discovered, List<P> explicit) {
    this.spi = spi;
    this.nameOf = nameOf;
    index(discovered, this.discovered);
    index(explicit, this.explicit);
  }

  private void index(List<P> providers, Map<String, List<P>> into) {
    for (P p : providers) {
      String name =
          Objects.requireNonNull(nameOf.apply(p), () -> p.getClass().getName() + ".name()");
      into.computeIfAbsent(name, n -> new ArrayList<>()).add(p);
    }
  }

  /**
   * Selects the provider for each name, in order.
   *
   * @param key the setting that named them, for messages, e.g. {@code tally.backends}
   * @param names the configured names
   * @param problems receives one message per name that cannot be resolved
   * @return the providers found (fewer than names when there were problems)
   */
  List<P> select(String key, List<String> names, List<String> problems) {
    return select(key, names, problems, name -> "");
  }

  /**
   * Selects the provider for each name, in order, adding {@code hint}'s text to the message of a
   * name that no provider has (for example the artifact that holds it).
   *
   * @param key the setting that named them, for messages
   * @param names the configured names
   * @param problems receives one message per name that cannot be resolved
   * @param hint more text for an unknown name's message; empty for none
   * @return the providers found (fewer than names when there were problems)
   */
  List<P> select(
      String key, List<String> names, List<String> problems, Function<String, String> hint) {
    List<P> out = new ArrayList<>();
    for (String name : names) {
      List<P> candidates = explicit.containsKey(name) ? explicit.get(name) : discovered.get(name);
      String where = explicit.containsKey(name) ? "passed explicitly" : "on the class path";
      if (candidates == null) {
        problems.add(
            key
                + " names '"
                + name
                + "' but no "
                + spi
                + " has that name; found: "
                + found()
                + hint.apply(name));
      } else if (candidates.size() > 1) {
        List<String> classes = new ArrayList<>();
        for (P p : candidates) {
          classes.add(p.getClass().getName());
        }
        problems.add(
            key
                + " names '"
                + name
                + "' but "
                + candidates.size()
                + " "
                + spi
                + "s "
                + where
                + " have that name: "
                + String.join(" and ", classes));
      } else {
        out.add(candidates.get(0));
      }
    }
    return out;
  }

  private String found() {
    TreeSet<String> names = new TreeSet<>(discovered.keySet());
    names.addAll(explicit.keySet());
    return names.isEmpty() ? "none" : String.join(", ", names);
  }
}
