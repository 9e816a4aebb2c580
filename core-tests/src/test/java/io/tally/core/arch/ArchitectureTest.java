package io.tally.core.arch;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The shape of tally-core's packages, checked on its compiled classes (tests excluded): what {@code
 * io.tally.core.internal} may use, that core holds no JDBC, and which package cycles exist.
 */
class ArchitectureTest {
  private static final String CORE = "io.tally.core";
  private static final String INTERNAL = "io.tally.core.internal..";

  /** The types of the root package that {@code io.tally.core.internal} may use. */
  private static final Set<String> VALUE_TYPES =
      Set.of("Clock", "Health", "HealthPolicy", "FlushListener", "FlushResult");

  private static final String TALLY_CONFIG = "io.tally.core.TallyConfig";

  /**
   * The configuration: {@code TallyConfig} and the package-private classes it is split into (key
   * definition, parsing, hints, environment, cross-key rules, declared-key checks).
   */
  private static final Set<String> CONFIGURATION =
      Set.of(
          "TallyConfig",
          "ConfigKey",
          "ConfigValues",
          "KeyHints",
          "EnvironmentConfig",
          "CrossKeyRules",
          "DeclaredKeys");

  private static final JavaClasses CORE_CLASSES =
      new ClassFileImporter()
          // core's classes come from core/target/classes or, in `mvn verify`, from its jar
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(CORE);

  /**
   * The root package's classes that wire the others together: those that use a sub-package of core,
   * directly or through other root classes (by top-level name: {@code Tally}, {@code TallyConfig},
   * {@code TallyModule}, …). They are a slice of their own; the rest of the root package is the
   * base every sub-package may use, and by construction uses no sub-package.
   */
  private static final Set<String> WIRING = rootClassesReachingSubPackages(CORE_CLASSES);

  /** Root types that sub-packages use everywhere, so they must stay in the base. */
  private static final Set<String> BASE_TYPES =
      Set.of(
          "Clock",
          "Health",
          "HealthPolicy",
          "FlushListener",
          "FlushResult",
          "ComponentStats",
          "TallyComponent",
          "DropReasons",
          "InputRules",
          "StoreException");

  @Test
  void theImportFindsCore() {
    classes()
        .that()
        .haveFullyQualifiedName("io.tally.core.internal.Checks")
        .should()
        .bePublic()
        .check(CORE_CLASSES);
    classes()
        .that()
        .haveFullyQualifiedName("io.tally.core.connectionlog.db.DbBackendProvider")
        .should()
        .bePublic()
        .check(CORE_CLASSES);
  }

  @Test
  void theValueTypesAreTheBaseOfTheRootPackage() {
    assertThat(WIRING)
        .as("root classes that use a sub-package of core (directly or through root classes)")
        .contains("Tally", "TallyModule")
        .doesNotContainAnyElementsOf(BASE_TYPES);
  }

  @Test
  void internalIsALeaf() {
    classes()
        .that()
        .resideInAPackage(INTERNAL)
        .should()
        .onlyDependOnClassesThat(
            resideInAnyPackage("java..", "org.slf4j..", "org.jspecify..", INTERNAL)
                .or(rootTypeIn(VALUE_TYPES)))
        .because(
            "io.tally.core.internal is the bottom layer: the JDK, SLF4J, JSpecify and the value"
                + " types "
                + VALUE_TYPES
                + " of io.tally.core, nothing that depends on it")
        .check(CORE_CLASSES);
  }

  @Test
  void coreHoldsNoJdbc() {
    noClasses()
        .that()
        .resideInAPackage(CORE + "..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("java.sql..")
        .because("JDBC support lives in tally-jdbc; no store SPI type of core needs java.sql")
        .check(CORE_CLASSES);
  }

  /**
   * No cycle between core's packages, with the root package split into its base types and its
   * wiring ({@link #WIRING}). One dependency is left out as deliberate: {@code
   * spi.ProviderContext.config()} returns {@code TallyConfig}, the SPI shape DESIGN.md fixes, while
   * the wiring ({@code TallyModule}, {@code Tally}) loads the SPI's providers; so {@code (wiring)}
   * and {@code spi} use each other through that one method.
   */
  @Test
  void noPackageCycles() {
    slices()
        .assignedFrom(PACKAGES)
        .should()
        .beFreeOfCycles()
        .ignoreDependency(nestedIn("io.tally.core.spi.ProviderContext"), nestedIn(TALLY_CONFIG))
        .check(CORE_CLASSES);
  }

  /**
   * {@code TallyConfig} in no cycle with any other class of core: it should read values, not know
   * the SPI. It masks secrets through {@code internal.SecretText} (not {@code spi.Secrets}, since
   * {@code spi.ProviderContext} returns {@code TallyConfig}).
   */
  @Test
  void tallyConfigIsInNoCycle() {
    slices().assignedFrom(TALLY_CONFIG_APART).should().beFreeOfCycles().check(CORE_CLASSES);
  }

  /** The root package's value types (and their nested types) named in {@code simpleNames}. */
  private static DescribedPredicate<JavaClass> rootTypeIn(Set<String> simpleNames) {
    return describe(
        "are the io.tally.core types " + simpleNames,
        c -> c.getPackageName().equals(CORE) && simpleNames.contains(topLevelName(c)));
  }

  private static String topLevelName(JavaClass c) {
    String name = c.getName().substring(c.getPackageName().length() + 1);
    int nested = name.indexOf('$');
    return nested < 0 ? name : name.substring(0, nested);
  }

  private static Set<String> rootClassesReachingSubPackages(JavaClasses classes) {
    Set<String> wiring = new TreeSet<>();
    boolean grew = true;
    while (grew) {
      grew = false;
      for (JavaClass c : classes) {
        if (!c.getPackageName().equals(CORE) || wiring.contains(topLevelName(c))) {
          continue;
        }
        for (Dependency d : c.getDirectDependenciesFromSelf()) {
          JavaClass target = d.getTargetClass();
          String p = target.getPackageName();
          if (p.startsWith(CORE + ".")
              || (p.equals(CORE) && wiring.contains(topLevelName(target)))) {
            wiring.add(topLevelName(c));
            grew = true;
            break;
          }
        }
      }
    }
    return wiring;
  }

  /** The class named {@code name} and the classes nested in it. */
  private static DescribedPredicate<JavaClass> nestedIn(String name) {
    return describe(
        name + " (and its nested classes)",
        c -> c.getName().equals(name) || c.getName().startsWith(name + "$"));
  }

  /** One slice per package of core, the root package split in two (see {@link #WIRING}). */
  private static final SliceAssignment PACKAGES = packages(false);

  /** As {@link #PACKAGES}, with {@code TallyConfig} (and its nested classes) a slice alone. */
  private static final SliceAssignment TALLY_CONFIG_APART = packages(true);

  private static SliceAssignment packages(boolean tallyConfigApart) {
    return new SliceAssignment() {
      @Override
      public SliceIdentifier getIdentifierOf(JavaClass c) {
        String p = c.getPackageName();
        if (tallyConfigApart && p.equals(CORE) && CONFIGURATION.contains(topLevelName(c))) {
          return SliceIdentifier.of("TallyConfig");
        }
        if (p.equals(CORE)) {
          return SliceIdentifier.of(WIRING.contains(topLevelName(c)) ? "(wiring)" : "(root)");
        }
        if (p.startsWith(CORE + ".")) {
          return SliceIdentifier.of(p.substring(CORE.length() + 1));
        }
        return SliceIdentifier.ignore();
      }

      @Override
      public String getDescription() {
        return "the packages of io.tally.core"
            + (tallyConfigApart ? ", the configuration (TallyConfig and its parts) apart" : "")
            + " (root split into base types and wiring)";
      }
    };
  }
}
