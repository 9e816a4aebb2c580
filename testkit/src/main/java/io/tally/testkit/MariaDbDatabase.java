package io.tally.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that gives a test class a database of its own on a real MariaDB (or MySQL)
 * server, {@code CREATE DATABASE tally_<class>_<random>}, dropped after the class:
 *
 * <pre>{@code
 * @RegisterExtension static final MariaDbDatabase db = MariaDbDatabase.create();
 * }</pre>
 *
 * <p>The server is the JDBC URL in the environment variable {@value #URL_VARIABLE} (user and
 * password from {@value #USER_VARIABLE} / {@value #PASSWORD_VARIABLE}), else {@code
 * jdbc:mariadb://127.0.0.1:3306/test} as {@code root} with an empty password. The MariaDB driver
 * ({@code org.mariadb.jdbc:mariadb-java-client}) is an optional dependency of the testkit: a test
 * that uses this fixture has it on its class path. Connections are not pooled: each {@code
 * getConnection()} opens a session.
 */
public final class MariaDbDatabase implements BeforeAllCallback, AfterAllCallback {
  /** Environment variable naming the server's JDBC URL: {@value}. */
  public static final String URL_VARIABLE = "TALLY_TEST_MARIADB_URL";

  /** Environment variable with the user: {@value}. */
  public static final String USER_VARIABLE = "TALLY_TEST_MARIADB_USER";

  /** Environment variable with the password: {@value}. */
  public static final String PASSWORD_VARIABLE = "TALLY_TEST_MARIADB_PASSWORD";

  private final String serverUrl;
  private final String user;
  private final String password;
  private @Nullable String database; // set while started
  private @Nullable DataSource dataSource;

  private MariaDbDatabase() {
    String url = System.getenv(URL_VARIABLE);
    this.serverUrl = url == null ? "jdbc:mariadb://127.0.0.1:3306/test" : url;
    String u = System.getenv(USER_VARIABLE);
    this.user = u == null ? "root" : u;
    String p = System.getenv(PASSWORD_VARIABLE);
    this.password = p == null ? "" : p;
  }

  /**
   * @return a fixture; register it with {@code @RegisterExtension} on a static field
   */
  public static MariaDbDatabase create() {
    return new MariaDbDatabase();
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
   * Creates the class's database; called by JUnit.
   *
   * @param owner a name for the database, usually the test class's simple name
   * @throws SQLException if the server cannot be reached
   */
  public synchronized void start(String owner) throws SQLException {
    if (dataSource != null) {
      return;
    }
    String base = owner.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    if (base.length() > 40) {
      base = base.substring(0, 40);
    }
    database = "tally_" + base + "_" + UUID.randomUUID().toString().substring(0, 8);
    try (Connection c = DriverManager.getConnection(serverUrl, user, password);
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + database + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
    }
    String url = withDatabase(serverUrl, database);
    dataSource = new Direct(url, user, password);
  }

  /**
   * Drops the class's database; called by JUnit.
   *
   * @throws SQLException if it cannot be dropped
   */
  public synchronized void stop() throws SQLException {
    if (dataSource == null) {
      return;
    }
    try (Connection c = DriverManager.getConnection(serverUrl, user, password);
        Statement st = c.createStatement()) {
      st.execute("DROP DATABASE IF EXISTS " + database);
    }
    dataSource = null;
  }

  /**
   * @return the class's data source; its connections use the class's database
   */
  public synchronized DataSource dataSource() {
    if (dataSource == null) {
      throw new IllegalStateException(
          "MariaDbDatabase is not started; register it as an extension");
    }
    return dataSource;
  }

  /**
   * Returns the JDBC URL of the class's database, for a provider that opens its own pool.
   *
   * @return the server URL with the class's database
   */
  public synchronized String jdbcUrl() {
    dataSource();
    return withDatabase(serverUrl, database);
  }

  /**
   * Returns the administrator the fixture connects as.
   *
   * @return the user name
   */
  public String user() {
    return user;
  }

  /**
   * Returns the administrator's password.
   *
   * @return the password, empty when there is none
   */
  public String password() {
    return password;
  }

  /**
   * @return the class's database name
   */
  public String database() {
    return database;
  }

  /** The server URL with its database replaced by {@code database}. */
  static String withDatabase(String url, String database) {
    int query = url.indexOf('?');
    String base = query < 0 ? url : url.substring(0, query);
    String params = query < 0 ? "" : url.substring(query);
    int slash = base.indexOf('/', base.indexOf("//") + 2);
    return (slash < 0 ? base : base.substring(0, slash)) + "/" + database + params;
  }

  /** A data source opening a connection per call. */
  private static final class Direct extends PlainDataSource {
    private final String url;
    private final String user;
    private final String password;

    Direct(String url, String user, String password) {
      this.url = url;
      this.user = user;
      this.password = password;
    }

    @Override
    public Connection getConnection() throws SQLException {
      return DriverManager.getConnection(url, user, password);
    }

    @Override
    public Connection getConnection(String username, String pass) throws SQLException {
      return DriverManager.getConnection(url, username, pass);
    }

    @Override
    public int getLoginTimeout() {
      return 0;
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      if (iface.isInstance(this)) {
        return iface.cast(this);
      }
      throw new SQLException("not a wrapper of " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
      return iface.isInstance(this);
    }

    @Override
    public String toString() {
      return "MariaDbDatabase.dataSource";
    }
  }
}
