package io.tally.faults;

import static io.tally.testkit.FaultProxy.statementStartingWith;
import static org.assertj.core.api.Assertions.assertThat;

import io.tally.testkit.FaultProxy;
import io.tally.testkit.FaultProxy.AfterDrop;
import io.tally.testkit.PostgresDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Statements and COMMITs that reach the server and take effect, but whose reply is lost: the
 * connection is then reset or goes silent, so the replica cannot know the outcome. One lost reply
 * after another: COMMITs of every component, the connection log's upsert, the last-used write, the
 * usage-stats row and the reporter's collection.
 */
class LostRepliesTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  /** A lost reply to plan: which statement, the how-manieth from now, and what follows. */
  private record Plan(String name, Predicate<String> statement, int nth, AfterDrop then) {}

  private static Predicate<String> mentioning(String table) {
    return sql -> sql.contains(Fleet.PREFIX + table);
  }

  /** The usage-stats flush's statement: an UPDATE or INSERT, or one pipelined WITH statement. */
  private static Predicate<String> usageWrite() {
    return mentioning("usage_stats")
        .and(
            statementStartingWith("UPDATE")
                .or(statementStartingWith("INSERT"))
                .or(statementStartingWith("WITH")));
  }

  private static final List<Plan> PLANS =
      List.of(
          new Plan("3rd COMMIT, cut", statementStartingWith("COMMIT"), 3, AfterDrop.CUT),
          new Plan("connection-log upsert, cut", mentioning("connection_log"), 1, AfterDrop.CUT),
          new Plan("5th COMMIT, silent", statementStartingWith("COMMIT"), 5, AfterDrop.SILENT),
          new Plan("last-used write, silent", mentioning("last_used"), 1, AfterDrop.SILENT),
          new Plan("usage-stats write, cut", usageWrite(), 1, AfterDrop.CUT),
          new Plan(
              "collection, cut",
              statementStartingWith("DELETE FROM " + Fleet.PREFIX + "usage_stats"),
              1,
              AfterDrop.CUT),
          new Plan("2nd COMMIT, cut", statementStartingWith("COMMIT"), 2, AfterDrop.CUT),
          new Plan("next COMMIT, silent", statementStartingWith("COMMIT"), 1, AfterDrop.SILENT),
          // last: its server backend keeps the stats lock until the server-side timeouts end it
          new Plan(
              "collection, silent",
              statementStartingWith("DELETE FROM " + Fleet.PREFIX + "usage_stats"),
              1,
              AfterDrop.SILENT));

  @Test
  void nothingIsLostOrCountedTwiceWhenRepliesAreLost() throws Exception {
    Scenario.run(Fleet.on(pg), LostRepliesTest::loseReplies).assertExact();
  }

  private static void loseReplies(Fleet fleet) {
    List<String> fired = new ArrayList<>();
    for (Plan plan : PLANS) {
      FaultProxy.ReplyDrop drop = fleet.proxy.dropReply(plan.statement(), plan.nth(), plan.then());
      long end = Fleet.REAL.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (!drop.swallowed() && Fleet.REAL.nanoTime() - end < 0) {
        Fleet.pause(Duration.ofMillis(10));
      }
      fleet.proxy.heal(); // forget the plan if it did not fire (the statement may not exist)
      if (drop.swallowed()) {
        fired.add(plan.name());
      }
      Fleet.runFor(Duration.ofMillis(300));
    }
    LoggerFactory.getLogger(LostRepliesTest.class)
        .info("{}: lost replies {}", fleet.applicationName, fired);
    assertThat(fired)
        .as("lost replies")
        .contains("3rd COMMIT, cut", "5th COMMIT, silent", "2nd COMMIT, cut");
  }
}
