package io.tally.examples.demo;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The demo's command-line flags, parsed and validated. Immutable. */
final class DemoOptions {
  static final String USAGE =
      String.join(
          "\n",
          "Usage: java -jar tally-demo.jar [options]",
          "",
          "Simulates a fleet of service replicas recording workspace usage, boundary request",
          "counts and connection sessions through Tally, then reads the database back and checks",
          "that nothing was lost or counted twice. Exit code 0 only when everything matched.",
          "",
          "Options:",
          "  --replicas <n>         replicas (Tally instances) sharing one database   (default 3)",
          "  --workspaces <n>       simulated workspaces                               (default 2000)",
          "  --users <n>            simulated users                                    (default 500)",
          "  --rate <n>             target events per second, all replicas together     (default 20000)",
          "  --duration <d>         how long to generate events, e.g. 15s, 2m           (default 15s)",
          "  --period <d>           usage-summary period of the reporter                (default 5s)",
          "  --jdbc-url <url>       database (jdbc:postgresql:... or jdbc:h2:...)       (default: H2 file in a temp dir)",
          "  --jdbc-user <user>     database user                                      (default: postgres for PostgreSQL)",
          "  --jdbc-password <pw>   database password                                  (default: none)",
          "  --backends <list>      connection-log backends, comma separated            (default db,jsonl)",
          "                         (nats: through a NATS JetStream stream, relayed into the database)",
          "  --nats-url <url>       NATS server for --backends nats                    (default nats://127.0.0.1:4222)",
          "  --db-outage <d>        make every database call fail for this long mid-run (default: none)",
          "  --report-json <file>   also write the final report as JSON",
          "  --seed <n>             random seed                                         (default 42)",
          "  --quiet                no progress line, only the final report",
          "  --help                 print this help");

  final int replicas;
  final int workspaces;
  final int users;
  final int rate;
  final Duration duration;
  final Duration period;
  final String jdbcUrl; // null = H2 file in a temp dir
  final String jdbcUser;
  final String jdbcPassword;
  final List<String> backends;
  final String natsUrl;
  final Duration dbOutage;
  final Path reportJson;
  final long seed;
  final boolean quiet;
  final boolean help;

  private DemoOptions(Builder b) {
    this.replicas = b.replicas;
    this.workspaces = b.workspaces;
    this.users = b.users;
    this.rate = b.rate;
    this.duration = b.duration;
    this.period = b.period;
    this.jdbcUrl = b.jdbcUrl;
    this.jdbcUser = b.jdbcUser;
    this.jdbcPassword = b.jdbcPassword;
    this.backends = List.copyOf(b.backends);
    this.natsUrl = b.natsUrl;
    this.dbOutage = b.dbOutage;
    this.reportJson = b.reportJson;
    this.seed = b.seed;
    this.quiet = b.quiet;
    this.help = b.help;
  }

  /** Thrown for a bad flag; the message says which flag and why. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  static DemoOptions parse(String... args) throws UsageException {
    Builder b = new Builder();
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      String value = null;
      int eq = flag.indexOf('=');
      if (flag.startsWith("--") && eq > 0) {
        value = flag.substring(eq + 1);
        flag = flag.substring(0, eq);
      }
      if (flag.equals("--help") || flag.equals("-h")) {
        b.help = true;
        continue;
      }
      if (flag.equals("--quiet")) {
        b.quiet = true;
        continue;
      }
      if (!Arrays.asList(
              "--replicas",
              "--workspaces",
              "--users",
              "--rate",
              "--duration",
              "--period",
              "--jdbc-url",
              "--jdbc-user",
              "--jdbc-password",
              "--backends",
              "--nats-url",
              "--db-outage",
              "--report-json",
              "--seed")
          .contains(flag)) {
        problems.add("unknown flag '" + flag + "'");
        continue;
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          problems.add(flag + " needs a value");
          continue;
        }
        value = args[++i];
      }
      try {
        b.set(flag, value);
      } catch (IllegalArgumentException e) {
        problems.add(e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new UsageException(String.join("; ", problems));
    }
    if (!b.dbOutage.isZero() && b.dbOutage.compareTo(b.period) >= 0) {
      // A replica row older than two periods counts as a dead replica's and is not summed.
      throw new UsageException(
          "--db-outage was "
              + format(b.dbOutage)
              + " but must be shorter than --period "
              + format(b.period));
    }
    if (b.dbOutage.compareTo(b.duration) >= 0) {
      throw new UsageException(
          "--db-outage was "
              + format(b.dbOutage)
              + " but must be shorter than --duration "
              + format(b.duration));
    }
    return new DemoOptions(b);
  }

  boolean isPostgres() {
    return jdbcUrl != null && jdbcUrl.startsWith("jdbc:postgresql:");
  }

  static Duration parseDuration(String flag, String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.startsWith("p")) {
        return Duration.parse(t.toUpperCase(Locale.ROOT));
      }
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      long n = Long.parseLong(t.substring(0, t.length() - 1));
      switch (t.charAt(t.length() - 1)) {
        case 's':
          return Duration.ofSeconds(n);
        case 'm':
          return Duration.ofMinutes(n);
        case 'h':
          return Duration.ofHours(n);
        default:
          break;
      }
    } catch (RuntimeException e) {
      // fall through to the message below
    }
    throw new IllegalArgumentException(
        flag + " was '" + text + "' but must be a duration such as 500ms, 15s, 2m or PT15S");
  }

  static String format(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  private static final class Builder {
    int replicas = 3;
    int workspaces = 2000;
    int users = 500;
    int rate = 20_000;
    Duration duration = Duration.ofSeconds(15);
    Duration period = Duration.ofSeconds(5);
    String jdbcUrl;
    String jdbcUser;
    String jdbcPassword;
    List<String> backends = List.of("db", "jsonl");
    String natsUrl = "nats://127.0.0.1:4222";
    Duration dbOutage = Duration.ZERO;
    Path reportJson;
    long seed = 42;
    boolean quiet;
    boolean help;

    void set(String flag, String value) {
      switch (flag) {
        case "--replicas":
          replicas = positiveInt(flag, value, 64);
          break;
        case "--workspaces":
          workspaces = positiveInt(flag, value, 10_000_000);
          break;
        case "--users":
          users = positiveInt(flag, value, 10_000_000);
          break;
        case "--rate":
          rate = positiveInt(flag, value, 5_000_000);
          break;
        case "--duration":
          duration = positive(flag, parseDuration(flag, value));
          break;
        case "--period":
          period = positive(flag, parseDuration(flag, value));
          if (period.toMillis() < 1000) {
            throw new IllegalArgumentException(
                flag + " was '" + value + "' but must be at least 1s");
          }
          break;
        case "--jdbc-url":
          if (!value.startsWith("jdbc:postgresql:") && !value.startsWith("jdbc:h2:")) {
            throw new IllegalArgumentException(
                flag + " must start with jdbc:postgresql: or jdbc:h2: (got a URL of another kind)");
          }
          jdbcUrl = value;
          break;
        case "--jdbc-user":
          jdbcUser = value;
          break;
        case "--jdbc-password":
          jdbcPassword = value;
          break;
        case "--nats-url":
          if (!value.startsWith("nats://") && !value.startsWith("tls://")) {
            throw new IllegalArgumentException(flag + " must start with nats:// or tls://");
          }
          natsUrl = value;
          break;
        case "--backends":
          List<String> list = new ArrayList<>();
          for (String s : value.split(",")) {
            if (!s.isBlank()) {
              list.add(s.trim());
            }
          }
          if (list.isEmpty()) {
            throw new IllegalArgumentException(
                flag + " was '" + value + "' but must name at least one backend");
          }
          backends = list;
          break;
        case "--db-outage":
          dbOutage = parseDuration(flag, value);
          if (dbOutage.isNegative()) {
            throw new IllegalArgumentException(
                flag + " was '" + value + "' but must not be negative");
          }
          break;
        case "--report-json":
          reportJson = writable(flag, value);
          break;
        case "--seed":
          try {
            seed = Long.parseLong(value);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                flag + " was '" + value + "' but must be a whole number");
          }
          break;
        default:
          throw new IllegalArgumentException("unknown flag '" + flag + "'");
      }
    }

    /**
     * Checks, before the run, that the report can be written: opens the file for appending (and
     * removes it again if it did not exist), so a bad path fails at once instead of after the run.
     */
    private static Path writable(String flag, String value) {
      Path p = Path.of(value);
      if (Files.isDirectory(p)) {
        throw new IllegalArgumentException(flag + " was '" + value + "' but is a directory");
      }
      boolean existed = Files.exists(p);
      try (OutputStream probe =
          Files.newOutputStream(p, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
        probe.flush();
      } catch (IOException e) {
        String why =
            e instanceof NoSuchFileException
                ? "its directory does not exist"
                : e instanceof AccessDeniedException ? "permission denied" : e.toString();
        throw new IllegalArgumentException(
            flag + " was '" + value + "' but cannot be written: " + why);
      }
      if (!existed) {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // an empty file is left; the run overwrites it
        }
      }
      return p;
    }

    private static int positiveInt(String flag, String value, int max) {
      try {
        int n = Integer.parseInt(value.trim());
        if (n >= 1 && n <= max) {
          return n;
        }
      } catch (NumberFormatException e) {
        // fall through
      }
      throw new IllegalArgumentException(
          flag + " was '" + value + "' but must be a whole number from 1 to " + max);
    }

    private static Duration positive(String flag, Duration d) {
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(flag + " was " + format(d) + " but must be positive");
      }
      return d;
    }
  }

  @Override
  public String toString() {
    return "replicas="
        + replicas
        + " workspaces="
        + workspaces
        + " users="
        + users
        + " rate="
        + rate
        + "/s duration="
        + format(duration)
        + " period="
        + format(period)
        + " store="
        + (jdbcUrl == null ? "h2 (temp file)" : isPostgres() ? "postgres" : "h2")
        + " backends="
        + String.join(",", backends)
        + (dbOutage.isZero() ? "" : " db-outage=" + format(dbOutage));
  }
}
