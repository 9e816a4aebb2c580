package io.tally.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.spi.ProviderLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProviderSelectionTest {
  interface Named {
    String name();
  }

  static final class Alpha implements Named {
    @Override
    public String name() {
      return "alpha";
    }
  }

  static final class OtherAlpha implements Named {
    @Override
    public String name() {
      return "alpha";
    }
  }

  static final class Beta implements Named {
    @Override
    public String name() {
      return "beta";
    }
  }

  private final List<String> problems = new ArrayList<>();

  private static ProviderSelection<Named> selection(List<Named> discovered, List<Named> explicit) {
    return new ProviderSelection<>("Named", Named::name, discovered, explicit);
  }

  @Test
  void selectsConfiguredNamesInOrder() {
    Alpha alpha = new Alpha();
    Beta beta = new Beta();

    List<Named> chosen =
        selection(List.of(alpha, beta), List.of())
            .select("tally.backends", List.of("beta", "alpha"), problems);

    assertThat(chosen).containsExactly(beta, alpha);
    assertThat(problems).isEmpty();
  }

  @Test
  void unknownNameListsTheNamesFound() {
    List<Named> chosen =
        selection(List.of(new Alpha(), new Beta()), List.of())
            .select("tally.store", List.of("gamma"), problems);

    assertThat(chosen).isEmpty();
    assertThat(problems)
        .containsExactly(
            "tally.store names 'gamma' but no Named has that name; found: alpha, beta");
  }

  @Test
  void unknownNameWithNothingFound() {
    selection(List.of(), List.of()).select("tally.store", List.of("h2"), problems);

    assertThat(problems)
        .containsExactly("tally.store names 'h2' but no Named has that name; found: none");
  }

  @Test
  void duplicateNamesFailNamingBothClasses() {
    selection(List.of(new Alpha(), new OtherAlpha()), List.of())
        .select("tally.backends", List.of("alpha"), problems);

    assertThat(problems)
        .containsExactly(
            "tally.backends names 'alpha' but 2 Nameds on the class path have that name: "
                + Alpha.class.getName()
                + " and "
                + OtherAlpha.class.getName());
  }

  @Test
  void unconfiguredDuplicatesAreNoError() {
    Beta beta = new Beta();

    List<Named> chosen =
        selection(List.of(new Alpha(), new OtherAlpha(), beta), List.of())
            .select("tally.backends", List.of("beta"), problems);

    assertThat(chosen).containsExactly(beta);
    assertThat(problems).isEmpty();
  }

  @Test
  void explicitInstanceWinsOverDiscoveredOnesOfTheSameName() {
    OtherAlpha mine = new OtherAlpha();

    List<Named> chosen =
        selection(List.of(new Alpha(), new Alpha()), List.of(mine))
            .select("tally.store", List.of("alpha"), problems);

    assertThat(chosen).containsExactly(mine);
    assertThat(problems).isEmpty();
  }

  @Test
  void everyProblemIsCollected() {
    selection(List.of(new Alpha()), List.of())
        .select("tally.backends", List.of("x", "y"), problems);

    assertThat(problems).hasSize(2);
  }

  @Test
  void fixedLoaderReturnsOnlyInstancesOfTheType() {
    Alpha alpha = new Alpha();
    ProviderLoader loader = ProviderLoader.of(alpha, "not a provider");

    assertThat(loader.load(Named.class)).containsExactly(alpha);
    assertThat(loader.load(Runnable.class)).isEmpty();
    assertThat(ProviderLoader.of().load(Named.class)).isEmpty();
  }
}
