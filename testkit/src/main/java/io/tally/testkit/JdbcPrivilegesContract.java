package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.inject.Module;
import io.tally.core.Clock;
import io.tally.core.StoreException;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import io.tally.core.TallyModule;
import io.tally.jdbc.JdbcPrivilegeCheck;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;

/**
 * The shared part of a SQL store's privilege tests: {@code Tally.start} checks the database user's
 * privileges and fails naming the missing one. The contract makes users with unique names holding
 * only the grants a test gives (dropped after each test), starts Tally as them, and checks the
 * refusal; the store says how to create and drop a user and how it qualifies a table:
 *
 * <pre>{@code
 * class MyDbPrivilegesTest extends JdbcPrivilegesContract {
 *   @RegisterExtension static final MyDatabase db = MyDatabase.create();
 *   protected DataSource dataSource() { return db.dataSource(); }
 *   protected String store() { return "mydb"; }
 *   ...
 *   @ParameterizedTest
 *   @ValueSource(strings = {"SELECT", "INSERT", "UPDATE", "DELETE"})
 *   void eachMissingTablePrivilegeIsNamedWithEveryTable(String lacking) throws Exception {
 *     assertEachTableNamesTheMissing(lacking);
 *   }
 * }
 * }</pre>
 */
public abstract class JdbcPrivilegesContract {
  /** The prefix of the tables the administrator created; the users get grants on them. */
  protected static final String PREFIX = "priv_";

  /** The time of the Tally instances the contract starts. */
  protected final ManualClock clock = ManualClock.create();

  private final Module manualClock = binder -> binder.bind(Clock.class).toInstance(clock);
  private final List<String> grantees = new ArrayList<>();

  /** Creates the contract. */
  protected JdbcPrivilegesContract() {}

  /**
   * Returns the administrator's connections, which create and drop the users.
   *
   * @return the data source of the test database
   */
  protected abstract DataSource dataSource();

  /**
   * Returns the store's name, as {@code tally.store} names it.
   *
   * @return e.g. {@code "postgres"}
   */
  protected abstract String store();

  /**
   * Returns the URL Tally connects to as the test's users.
   *
   * @return the JDBC URL of the test database
   */
  protected abstract String jdbcUrl();

  /**
   * Returns the password every user of the contract gets, if the store needs one.
   *
   * @return the password, or null for users without one
   */
  protected abstract @Nullable String password();

  /**
   * Returns a user name as {@code GRANT ... TO} names it.
   *
   * @param name the user's name
   * @return e.g. {@code 'name'@'%'}, or the name itself
   */
  protected abstract String grantee(String name);

  /**
   * Returns the statements that create a user holding no grant.
   *
   * @param grantee the user, from {@link #grantee}
   * @return the statements, run in order
   */
  protected abstract List<String> createUser(String grantee);

  /**
   * Returns the statements that drop a user made by {@link #createUser} and what it owns.
   *
   * @param grantee the user, from {@link #grantee}
   * @return the statements, run in order
   */
  protected abstract List<String> dropUser(String grantee);

  /**
   * Returns what qualifies Tally's tables in the check's messages.
   *
   * @return the database or schema of the test
   */
  protected abstract String container();

  /**
   * Returns the base names of the tables the check covers.
   *
   * @return the tables without prefix, e.g. {@code last_used}
   */
  protected abstract Collection<String> tables();

  /**
   * Returns the statements that grant {@code privileges} on every table of {@link #container()}.
   *
   * @param privileges the privileges, comma-separated, e.g. {@code SELECT, INSERT}
   * @return the {@code GRANT} statements, each {@code %s} standing for the user
   */
  protected abstract List<String> grantsOnEveryTable(String privileges);

  /**
   * Drops the users made by the test that ends.
   *
   * @throws SQLException if a statement fails
   */
  @AfterEach
  protected final void dropUsers() throws SQLException {
    for (String grantee : grantees) {
      admin(dropUser(grantee).toArray(String[]::new));
    }
  }

  /**
   * Runs statements as the administrator.
   *
   * @param sql the statements, run in order
   * @throws SQLException if a statement fails
   */
  protected final void admin(String... sql) throws SQLException {
    try (Connection c = dataSource().getConnection();
        Statement s = c.createStatement()) {
      for (String q : sql) {
        s.execute(q);
      }
    }
  }

  /**
   * Creates a user with a unique name holding only {@code grants}, dropped after the test.
   *
   * @param grants the {@code GRANT} statements, each {@code %s} standing for the user
   * @return the user's name
   * @throws SQLException if a statement fails
   */
  protected final String user(String... grants) throws SQLException {
    String name = "tally_priv_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    String grantee = grantee(name);
    admin(createUser(grantee).toArray(String[]::new));
    grantees.add(grantee);
    for (String g : grants) {
      admin(String.format(g, grantee));
    }
    return name;
  }

  /**
   * Starts Tally as {@code user}, with a pool of one connection and the contract's clock.
   *
   * @param user the user's name
   * @param prefix the table prefix
   * @param migrate whether the migrations run on start
   * @return the started Tally, to close
   */
  protected final Tally start(String user, String prefix, boolean migrate) {
    TallyConfig.Builder config =
        TallyConfig.builder()
            .store(store())
            .jdbcUrl(jdbcUrl())
            .jdbcUser(user)
            .poolSize(1)
            .tablePrefix(prefix)
            .migrateOnStart(migrate);
    String password = password();
    if (password != null) {
      config.jdbcPassword(password);
    }
    return Tally.start(TallyModule.create(config.build()), manualClock);
  }

  /**
   * Starts Tally as {@code user} and checks that the privilege check refuses it.
   *
   * @param user the user's name
   * @param prefix the table prefix
   * @param migrate whether the migrations run on start
   * @return the message of the {@link StoreException}
   */
  protected final String refused(String user, String prefix, boolean migrate) {
    Throwable thrown = catchThrowable(() -> start(user, prefix, migrate).close());
    assertThat(thrown).isInstanceOf(StoreException.class);
    assertThat(thrown.getMessage())
        .startsWith(
            "the database user lacks privileges Tally needs (README, \"Database privileges\"): ");
    return thrown.getMessage();
  }

  /**
   * Returns one of the administrator's tables as the check's messages name it.
   *
   * @param base the base name, e.g. {@code last_used}
   * @return the table qualified by {@link #container()}, with {@link #PREFIX}
   */
  protected final String table(String base) {
    return container() + "." + PREFIX + base;
  }

  /**
   * Checks that a user holding every table privilege but {@code lacking} is refused with one
   * sentence per table, naming the privilege and the grant that fixes it.
   *
   * @param lacking the privilege the user lacks, one of {@link JdbcPrivilegeCheck#TABLE_PRIVILEGES}
   * @throws SQLException if creating the user fails
   */
  protected final void assertEachTableNamesTheMissing(String lacking) throws SQLException {
    List<String> granted = new ArrayList<>(JdbcPrivilegeCheck.TABLE_PRIVILEGES);
    granted.remove(lacking);
    String user = user(grantsOnEveryTable(String.join(", ", granted)).toArray(String[]::new));
    String message = refused(user, PREFIX, false);
    for (String base : tables()) {
      assertThat(message)
          .contains(
              lacking
                  + " on table "
                  + table(base)
                  + " (GRANT SELECT, INSERT, UPDATE, DELETE ON "
                  + table(base)
                  + " TO "
                  + grantee(user)
                  + ")");
    }
    assertThat(message.split("; ")).hasSize(tables().size());
  }
}
