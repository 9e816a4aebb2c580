package io.tally.examples.modulepath;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.examples.TestEnvironment;
import io.tally.testkit.MariaDbDatabase;
import io.tally.testkit.PostgresDatabase;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application on the module path that {@code requires io.tally.core} and nothing else starts
 * Tally on H2, on PostgreSQL and on MariaDB, without {@code --add-modules}: tally-core, tally-jdbc
 * and the stores are real modules that require what they need (SLF4J, Guice, Guava, jakarta.inject,
 * HikariCP); the other Tally jars are automatic modules. It runs in a child JVM whose module path
 * holds the Tally modules and their run-time dependencies from this test's class path.
 */
class ModulePathTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();
  @RegisterExtension static final MariaDbDatabase maria = MariaDbDatabase.create();

  /** Tally's modules by folder, and the automatic module names their jars declare. */
  static final List<String[]> TALLY =
      List.of(
          new String[] {"/core/target/", "io.tally.core"},
          new String[] {"/jdbc/target/", "io.tally.jdbc"},
          new String[] {"/store-h2/target/", "io.tally.store.h2"},
          new String[] {"/store-postgres/target/", "io.tally.store.postgres"},
          new String[] {"/store-mariadb/target/", "io.tally.store.mariadb"},
          new String[] {"/backend-slog/target/", "io.tally.backend.slog"});

  /** The run-time dependencies of those modules, by path fragment in the local repository. */
  static final List<String> DEPENDENCIES =
      List.of(
          "/org/slf4j/slf4j-api/",
          "/ch/qos/logback/",
          "/com/google/inject/",
          "/com/google/guava/",
          "/org/jspecify/",
          "/com/google/errorprone/",
          "/com/google/j2objc/",
          "/jakarta/inject/",
          "/aopalliance/",
          "/com/h2database/",
          "/org/postgresql/",
          "/com/zaxxer/",
          "/org/checkerframework/",
          "/org/mariadb/jdbc/");

  @TempDir static Path dir;
  static String modulePath;

  @BeforeAll
  static void buildTheApplication() throws IOException {
    List<String> entries = new ArrayList<>();
    for (String entry : TestEnvironment.testClassPath().split(File.pathSeparator)) {
      String unix = entry.replace(File.separatorChar, '/');
      for (String[] tally : TALLY) {
        // the reactor's folder in a full build; the local repository's jar when only this
        // module is built (-pl examples, -rf)
        String artifact = "/io/tally/tally-" + tally[0].substring(1, tally[0].indexOf("/target/"));
        if (unix.contains(tally[0]) || unix.contains(artifact + "/")) {
          entries.add(asModule(Paths.get(entry), tally[1]).toString());
        }
      }
      if (DEPENDENCIES.stream().anyMatch(unix::contains)) {
        entries.add(entry);
      }
    }
    assertThat(entries).as("module path").hasSizeGreaterThan(TALLY.size());

    Path src = dir.resolve("src/app");
    Files.createDirectories(src.resolve("app"));
    Files.writeString(src.resolve("module-info.java"), "module app { requires io.tally.core; }\n");
    Files.writeString(
        src.resolve("app/Main.java"),
        String.join(
            "\n",
            "package app;",
            "public final class Main {",
            "  public static void main(String[] args) {",
            "    java.util.Map<String, String> config = new java.util.HashMap<>();",
            "    if (args.length > 0) {",
            "      config.put(\"tally.jdbc.url\", args[0]);",
            "      config.put(\"tally.jdbc.user\", args[1]);",
            "      config.put(\"tally.jdbc.password\", args[2]);",
            "    }",
            "    config.put(\"tally.backends\", \"db,slog\");",
            "    try (io.tally.core.Tally tally =",
            "        io.tally.core.Tally.start(io.tally.core.TallyConfig.from(config))) {",
            "      tally.lastUsed().markUsed(java.util.UUID.randomUUID());",
            "      System.out.println(\"started \" + tally.config().store() + \" \" + tally.health()",
            "          + \" flushed \" + tally.lastUsed().flush().rows());",
            "    }",
            "  }",
            "}",
            ""));
    Path out = dir.resolve("out");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    modulePath = String.join(File.pathSeparator, entries);
    int rc =
        javac.run(
            null,
            null,
            null,
            "-d",
            out.toString(),
            "--module-path",
            modulePath,
            src.resolve("module-info.java").toString(),
            src.resolve("app/Main.java").toString());
    assertThat(rc).as("javac of the application").isZero();
    modulePath = modulePath + File.pathSeparator + out;
  }

  @Test
  void startsOnH2() throws Exception {
    assertThat(run()).contains("started h2 HEALTHY flushed 1");
  }

  @Test
  void startsOnPostgresAndMigratesFromTheModulesSqlFiles() throws Exception {
    assertThat(run(pg.jdbcUrl(), pg.user(), pg.password()))
        .contains("started postgres HEALTHY flushed 1");
  }

  @Test
  void startsOnMariaDbAndMigratesFromTheModulesSqlFiles() throws Exception {
    // tally.store is not set: the provider is chosen from the URL (TallyConfig.store() still
    // shows its default), so the pool's MariaDB connections and the history rows tell it.
    assertThat(run(maria.jdbcUrl(), maria.user(), maria.password()))
        .contains("HEALTHY flushed 1")
        .contains("Added connection org.mariadb.jdbc.Connection");
    try (java.sql.Connection c = maria.dataSource().getConnection();
        java.sql.Statement s = c.createStatement();
        java.sql.ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM tally_schema_history")) {
      rs.next();
      assertThat(rs.getInt(1)).as("migrations applied from db/tally/mariadb").isEqualTo(4);
    }
  }

  private static String run(String... args) throws Exception {
    List<String> command =
        new ArrayList<>(List.of("--module-path", modulePath, "-m", "app/app.Main"));
    command.addAll(List.of(args));
    return TestEnvironment.runJava(dir, command);
  }

  /**
   * A module path entry for a Tally module: its jar as is, or (when the build has not packaged it
   * yet) a jar of its classes with the Automatic-Module-Name its pom gives the jar.
   */
  private static Path asModule(Path entry, String name) throws IOException {
    if (!Files.isDirectory(entry) || Files.exists(entry.resolve("module-info.class"))) {
      return entry;
    }
    Path jar = dir.resolve(name + ".jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().putValue("Automatic-Module-Name", name);
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file, manifest);
        Stream<Path> files = Files.walk(entry)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        out.putNextEntry(
            new JarEntry(entry.relativize(f).toString().replace(File.separatorChar, '/')));
        Files.copy(f, out);
        out.closeEntry();
      }
    }
    return jar;
  }
}
