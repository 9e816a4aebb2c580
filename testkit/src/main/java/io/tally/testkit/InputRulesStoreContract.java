package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tally.core.DropReasons;
import io.tally.core.FlushResult;
import io.tally.core.InputRules;
import io.tally.core.batch.Batcher;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.core.lastused.LastUsedStore;
import io.tally.core.lastused.LastUsedTracker;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * End-to-end input tests for a JDBC store pair (last-used and connection log): one poison value
 * among 2,000 good ones costs exactly the poison, and random values (all of Unicode, NUL and lone
 * surrogates included, times across the whole {@link Instant} range) either fail at the call or are
 * stored exactly as the {@link InputRules} say. Subclass it with your stores over a fresh database.
 */
public abstract class InputRulesStoreContract {
  /** Good values written next to each poison: {@value}. */
  protected static final int GOOD = 2_000;

  /** The seed of the random values; a failure message names it. */
  protected static final long SEED = 20_261_129L;

  private static final Instant T = Instant.parse("2026-03-01T12:00:00Z");

  /** Checks conservation of every component the tests start. */
  @RegisterExtension protected final ConservationCheck conservation = ConservationCheck.create();

  private final ManualClock clock = ManualClock.create();

  /** Creates the contract. */
  protected InputRulesStoreContract() {}

  /**
   * @return the database the stores write (a fresh one or a schema of its own per test class)
   */
  protected abstract DataSource dataSource();

  /**
   * Returns a last-used store of {@code String} ids that updates an existing table (its "user
   * table" mode).
   *
   * @param table the table, with columns {@code id} and {@code last_used_at}
   * @return the store
   */
  protected abstract LastUsedStore<String> userTableStore(String table);

  /**
   * @return a last-used store of {@code String} ids in Tally's own table, migrated
   */
  protected abstract LastUsedStore<String> ownTableStore();

  /**
   * @return the table {@link #ownTableStore()} writes, with columns {@code id} and {@code
   *     last_used_at}
   */
  protected abstract String ownTable();

  /**
   * @return a connection-log store over an empty, migrated table
   */
  protected abstract ConnectionLogStore connectionLogStore();

  /**
   * @return the table {@link #connectionLogStore()} writes
   */
  protected abstract String connectionLogTable();

  private List<ConnectionLogRow> connectionLogRows() {
    return ConnectionLogRow.readAll(dataSource(), connectionLogTable());
  }

  private Map<String, Instant> lastUsedRows(String table) {
    Map<String, Instant> stored = new HashMap<>();
    try (Connection c = dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id, last_used_at FROM " + table)) {
      while (rs.next()) {
        stored.put(rs.getString(1), ConnectionLogRow.instant(rs, "last_used_at"));
      }
    } catch (SQLException e) {
      throw new AssertionError("reading " + table, e);
    }
    return stored;
  }

  /**
   * Returns the columns of the user table of {@link
   * #lastUsedPoisonTheDatabaseRefusesCostsExactlyThePoison}: a text id and a time column that
   * refuses times from 2100 on. The default suits PostgreSQL and H2; a database without {@code
   * TIMESTAMP WITH TIME ZONE} overrides it.
   *
   * @return the parenthesised column list
   */
  protected String poisonTableColumns() {
    return "(id VARCHAR(64) PRIMARY KEY, last_used_at TIMESTAMP WITH TIME ZONE"
        + " CHECK (last_used_at < TIMESTAMP WITH TIME ZONE '2100-01-01 00:00:00+00'))";
  }

  private static ConnectionEvent.Builder session() {
    return ConnectionLogStoreContract.session();
  }

  private void exec(String sql) throws SQLException {
    try (Connection c = dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /**
   * A time the input rules allow but the table refuses (a check constraint) is isolated by the
   * tracker: the 2,000 good ids are written, the poison alone is dropped with reason {@code
   * rejected}.
   *
   * @throws SQLException if the test table cannot be set up
   */
  @Test
  void lastUsedPoisonTheDatabaseRefusesCostsExactlyThePoison() throws SQLException {
    String table = "input_rules_workspaces";
    exec("DROP TABLE IF EXISTS " + table);
    exec("CREATE TABLE " + table + " " + poisonTableColumns());
    try (Connection c = dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (id) VALUES (?)")) {
      for (int i = 0; i < GOOD; i++) {
        ps.setString(1, "good-" + i);
        ps.addBatch();
      }
      ps.setString(1, "poison");
      ps.addBatch();
      ps.executeBatch();
    }
    LastUsedTracker<String> tracker =
        conservation.watch(
            LastUsedTracker.builder(userTableStore(table))
                .clock(clock)
                .flushTimeout(Duration.ofSeconds(60))
                .build());
    for (int i = 0; i < GOOD; i++) {
      tracker.markUsed("good-" + i, T.plusMillis(i));
    }
    tracker.markUsed("poison", Instant.parse("2200-01-01T00:00:00Z"));

    FlushResult result = tracker.flush();

    assertThat(result.outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
    assertThat(tracker.stats().dropped()).containsEntry(DropReasons.REJECTED, 1L);
    Map<String, Instant> stored = lastUsedRows(table);
    for (int i = 0; i < GOOD; i++) {
      assertThat(stored.get("good-" + i)).isEqualTo(T.plusMillis(i));
    }
    assertThat(stored).containsEntry("poison", null);
  }

  /**
   * An event whose id is already stored for another session makes the store fail with a DATA error;
   * the batcher bisects and loses exactly that event of 2,000 good ones.
   */
  @Test
  void connectionLogPoisonCostsExactlyThePoison() {
    ConnectionLogStore store = connectionLogStore();
    ConnectionEvent first = session().connect(T);
    store.upsertBatch(List.of(first));
    List<ConnectionEvent> good = new ArrayList<>();
    Batcher<ConnectionEvent> batcher =
        conservation.watch(
            Batcher.builder(store).coalescing(ConnectionEvents.coalescing()).clock(clock).build());
    for (int i = 0; i < GOOD; i++) {
      ConnectionEvent e = session().connect(T.plusMillis(i));
      good.add(e);
      batcher.write(e);
      if (i == GOOD / 3) {
        batcher.write(session().id(first.id()).connect(T.plusMillis(i)));
      }
    }
    batcher.close();

    assertThat(batcher.stats().dropped()).containsEntry(DropReasons.REJECTED, 1L);
    List<ConnectionLogRow> expected = new ArrayList<>();
    expected.add(ConnectionLogRow.of(first));
    for (ConnectionEvent e : good) {
      expected.add(ConnectionLogRow.of(e));
    }
    assertThat(connectionLogRows()).containsExactlyInAnyOrderElementsOf(expected);
  }

  /**
   * Random strings, times and codes through the connection-event builder and the store: each event
   * either fails when it is built, or is stored exactly as built, and what was built follows the
   * rules (rejected, kept, or truncated exactly as documented).
   */
  @Test
  void randomEventsFailAtOnceOrAreStoredExactly() {
    Random random = new Random(SEED);
    ConnectionLogStore store = connectionLogStore();
    List<ConnectionEvent> accepted = new ArrayList<>();
    int rejected = 0;
    for (int i = 0; i < 400; i++) {
      String workspaceName = RandomValues.string(random, InputRules.MAX_NAME_LENGTH);
      String agentName = RandomValues.string(random, InputRules.MAX_NAME_LENGTH);
      String typeName = RandomValues.string(random, InputRules.MAX_TYPE_NAME_LENGTH);
      String userAgent = RandomValues.string(random, InputRules.MAX_USER_AGENT_LENGTH);
      String slug = RandomValues.string(random, InputRules.MAX_SLUG_OR_PORT_LENGTH);
      String reason = RandomValues.string(random, InputRules.MAX_DISCONNECT_REASON_LENGTH);
      Instant time = RandomValues.time(random);
      Integer code = random.nextInt(4) == 0 ? null : random.nextInt();
      boolean keyed = random.nextInt(4) != 0;
      String why = "seed " + SEED + ", event " + i;
      ConnectionEvent.Builder b =
          session()
              .workspaceName(workspaceName)
              .agentName(agentName)
              .typeName(typeName)
              .userAgent(userAgent)
              .slugOrPort(slug)
              .disconnectReason(reason)
              .code(code)
              .connectionId(keyed ? UUID.randomUUID() : null);
      boolean disconnect = random.nextBoolean();
      boolean valid =
          RandomValues.identifying(workspaceName, InputRules.MAX_NAME_LENGTH)
              && RandomValues.identifying(agentName, InputRules.MAX_NAME_LENGTH)
              && RandomValues.identifying(typeName, InputRules.MAX_TYPE_NAME_LENGTH)
              && !typeName.isEmpty()
              && RandomValues.clean(userAgent)
              && RandomValues.clean(slug)
              && RandomValues.clean(reason)
              && RandomValues.inRange(time);
      Throwable thrown =
          catchThrowable(() -> accepted.add(disconnect ? b.disconnect(time) : b.connect(time)));
      if (!valid) {
        assertThat(thrown).as(why).isInstanceOf(IllegalArgumentException.class);
        rejected++;
        continue;
      }
      assertThat(thrown).as(why).isNull();
      ConnectionEvent e = accepted.get(accepted.size() - 1);
      assertThat(e.workspaceName()).as(why).isEqualTo(workspaceName);
      assertThat(e.agentName()).as(why).isEqualTo(agentName);
      assertThat(e.typeName()).as(why).isEqualTo(typeName);
      assertThat(e.userAgent())
          .as(why)
          .isEqualTo(RandomValues.truncated(userAgent, InputRules.MAX_USER_AGENT_LENGTH));
      assertThat(e.slugOrPort())
          .as(why)
          .isEqualTo(RandomValues.truncated(slug, InputRules.MAX_SLUG_OR_PORT_LENGTH));
      assertThat(e.disconnectReason())
          .as(why)
          .isEqualTo(RandomValues.truncated(reason, InputRules.MAX_DISCONNECT_REASON_LENGTH));
    }
    assertThat(rejected).as("some random events are rejected").isPositive();
    assertThat(accepted).as("some random events are accepted").hasSizeGreaterThan(20);
    store.upsertBatch(accepted);
    List<ConnectionLogRow> expected = new ArrayList<>();
    for (ConnectionEvent e : accepted) {
      ConnectionLogRow row = ConnectionLogRow.of(e);
      expected.add(
          row.withSession(
              micros(e.connectTime()), micros(e.disconnectTime()), e.disconnectReason(), e.code()));
    }
    assertThat(connectionLogRows())
        .as("seed " + SEED)
        .containsExactlyInAnyOrderElementsOf(expected);
  }

  /**
   * Random ids and times through {@code markUsed}: each call fails at once, or its latest time is
   * stored (to the microsecond, truncated) after a flush.
   */
  @Test
  void randomLastUsedEntriesFailAtOnceOrAreStoredExactly() {
    Random random = new Random(SEED);
    LastUsedTracker<String> tracker =
        conservation.watch(
            LastUsedTracker.builder(ownTableStore())
                .clock(clock)
                .flushTimeout(Duration.ofSeconds(60))
                .build());
    Map<String, Instant> expected = new HashMap<>();
    int rejected = 0;
    for (int i = 0; i < 1_000; i++) {
      String id = RandomValues.string(random, InputRules.MAX_ID_LENGTH);
      Instant at = RandomValues.time(random);
      boolean valid =
          RandomValues.identifying(id, InputRules.MAX_ID_LENGTH) && RandomValues.inRange(at);
      Throwable thrown = catchThrowable(() -> tracker.markUsed(id, at));
      if (valid) {
        assertThat(thrown).as("seed %s, call %s", SEED, i).isNull();
        expected.merge(id, at, (a, b) -> a.isAfter(b) ? a : b);
      } else {
        assertThat(thrown)
            .as("seed %s, call %s", SEED, i)
            .isInstanceOf(IllegalArgumentException.class);
        rejected++;
      }
    }
    assertThat(rejected).isPositive();
    assertThat(tracker.flush().outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
    assertThat(tracker.stats().droppedTotal()).isZero();
    Map<String, Instant> stored = lastUsedRows(ownTable());
    for (Map.Entry<String, Instant> e : expected.entrySet()) {
      assertThat(stored.get(e.getKey()))
          .as("seed %s, id %s", SEED, InputRules.shorten(e.getKey()))
          .isEqualTo(micros(e.getValue()));
    }
  }

  private static Instant micros(Instant t) {
    return t == null ? null : t.truncatedTo(ChronoUnit.MICROS);
  }
}
