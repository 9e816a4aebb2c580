package io.tally.examples.quickstart;

import io.tally.core.Clock;
import io.tally.core.usagestats.UsageSummary;
import java.util.Optional;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;

/**
 * Runs {@link PlainJavaQuickstart} in a JVM of its own; {@link PlainJavaWithoutGuiceTest} starts it
 * with Guice, Guava, jakarta.inject and aopalliance left off the class path.
 */
public final class PlainJavaWithoutGuiceMain {
  private PlainJavaWithoutGuiceMain() {}

  /**
   * Exits 0 after the quickstart ran and wrote a usage summary; 3 if Guice is on the class path
   * (the test would prove nothing); 4 if no summary came back.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    for (String absent :
        new String[] {"com.google.inject.Guice", "com.google.common.collect.ImmutableList"}) {
      try {
        Class.forName(absent);
        System.out.println("on the class path, but must not be: " + absent);
        System.exit(3);
      } catch (ClassNotFoundException expected) {
        // what this check wants
      }
    }
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:no-guice-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    Optional<UsageSummary> summary = PlainJavaQuickstart.run(ds, Clock.system());
    System.out.println("plain-java quickstart ran without Guice: " + summary);
    System.exit(summary.isPresent() ? 0 : 4);
  }
}
