package io.tally.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A PostgreSQL server of its own for destructive tests (stop, crash, restart), which must never
 * touch the server other tests share: {@code initdb} into a temporary folder, then {@code pg_ctl
 * start} on a free port of {@code 127.0.0.1}, user {@code postgres} without a password, database
 * {@code postgres}, {@code fsync} off.
 *
 * <pre>{@code
 * try (PrivatePostgres server = PrivatePostgres.start()) {
 *   ... use server.jdbcUrl() ...
 *   server.stop();     // the server is down: connections are closed, new ones refused
 *   server.restart();  // same port, same data
 * }
 * }</pre>
 *
 * <p>The binaries are found in the folder named by the environment variable {@value #BIN_VARIABLE},
 * else in the newest {@code /usr/lib/postgresql/<version>/bin}, else on the {@code PATH}.
 * PostgreSQL refuses to run as root: when the JVM runs as root, every command runs as the OS user
 * {@code postgres} through {@code runuser}, and the folder belongs to that user. The PostgreSQL
 * JDBC driver must be on the class path. {@link #close()} stops the server and deletes the folder;
 * a JVM that exits without it still stops the server.
 */
public final class PrivatePostgres implements AutoCloseable {
  /** Environment variable naming the folder of {@code initdb} and {@code pg_ctl}: {@value}. */
  public static final String BIN_VARIABLE = "TALLY_TEST_PG_BIN";

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(PrivatePostgres.class);
  private static final String OS_USER = "postgres";
  private static final long COMMAND_TIMEOUT_SECONDS = 120;

  private final Path bin;
  private final Path dir;
  private final boolean asRoot;
  private final int port;
  private final Thread onExit;
  private boolean running;
  private boolean closed;

  private PrivatePostgres(Path bin, Path dir, boolean asRoot, int port) {
    this.bin = bin;
    this.dir = dir;
    this.asRoot = asRoot;
    this.port = port;
    this.onExit = new Thread(this::stopQuietly, "private-postgres-" + port + "-exit");
  }

  /**
   * Creates and starts a server.
   *
   * @return the running server; close it when done
   * @throws IllegalStateException if no binaries are found or the server does not start (the
   *     message holds the command's output)
   */
  public static PrivatePostgres start() {
    Path bin = binaries();
    boolean asRoot = "root".equals(System.getProperty("user.name"));
    Path dir;
    try {
      dir = Files.createTempDirectory("tally-pg-");
      if (asRoot) {
        UserPrincipal owner =
            dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(OS_USER);
        Files.setOwner(dir, owner);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a folder for a private PostgreSQL server", e);
    }
    PrivatePostgres server = new PrivatePostgres(bin, dir, asRoot, freePort());
    try {
      server.run(
          "initdb", "-D", server.data(), "-A", "trust", "-U", OS_USER, "-E", "UTF8", "--no-sync");
      server.restart();
      Runtime.getRuntime().addShutdownHook(server.onExit);
    } catch (RuntimeException e) {
      server.deleteFolder();
      throw e;
    }
    log.info("Private PostgreSQL started on 127.0.0.1:{} in {}", server.port, dir);
    return server;
  }

  /**
   * @return {@code jdbc:postgresql://127.0.0.1:<port>/postgres}
   */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  /**
   * @return the user to connect as: {@code postgres}, without a password
   */
  public String user() {
    return OS_USER;
  }

  /**
   * @return the server's port on {@code 127.0.0.1}
   */
  public int port() {
    return port;
  }

  /**
   * @return a data source for {@link #jdbcUrl()} (each call opens a new connection)
   */
  public DataSource dataSource() {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(jdbcUrl());
    ds.setUser(OS_USER);
    ds.setConnectTimeout(10);
    return ds;
  }

  /**
   * @return true while the server runs
   */
  public synchronized boolean isRunning() {
    return running;
  }

  /**
   * Stops the server the normal way ({@code pg_ctl stop -m fast}): sessions are ended, open
   * transactions rolled back, new connections refused. Does nothing if it is not running.
   */
  public synchronized void stop() {
    stop("fast");
  }

  /**
   * Stops the server abruptly ({@code pg_ctl stop -m immediate}), like a crash: processes exit
   * without cleanup and the next start recovers from the write-ahead log. Does nothing if it is not
   * running.
   */
  public synchronized void crash() {
    stop("immediate");
  }

  /**
   * Starts the server (again) on the same port with the same data. Does nothing if it runs.
   *
   * @throws IllegalStateException if it does not start, or after {@link #close()}
   */
  public synchronized void restart() {
    if (closed) {
      throw new IllegalStateException("the private PostgreSQL server is closed");
    }
    if (running) {
      return;
    }
    run(
        "pg_ctl",
        "-D",
        data(),
        "-l",
        dir.resolve("server.log").toString(),
        "-w",
        "-t",
        "60",
        "-o",
        // fsync off: a crash of the server's processes loses nothing (the OS keeps the files)
        "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off",
        "start");
    running = true;
  }

  /** Stops the server and deletes its folder; idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    stopQuietly();
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(onExit);
    } catch (IllegalStateException e) {
      // the JVM is exiting
    }
    deleteFolder();
  }

  @Override
  public String toString() {
    return "PrivatePostgres{127.0.0.1:" + port + ", running=" + running + '}';
  }

  private void stop(String mode) {
    if (running) {
      run("pg_ctl", "-D", data(), "-m", mode, "-w", "-t", "60", "stop");
      running = false;
    }
  }

  private synchronized void stopQuietly() {
    try {
      stop("immediate");
    } catch (RuntimeException e) {
      log.warn("stopping the private PostgreSQL server on port {} failed", port, e);
    }
  }

  private String data() {
    return dir.resolve("data").toString();
  }

  private void run(String program, String... args) {
    List<String> command = new ArrayList<>();
    if (asRoot) {
      command.addAll(List.of("runuser", "-u", OS_USER, "--"));
    }
    command.add(bin.resolve(program).toString());
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(
            program + " did not finish within " + COMMAND_TIMEOUT_SECONDS + " s");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            program
                + " failed with exit code "
                + p.exitValue()
                + ": "
                + new String(out, StandardCharsets.UTF_8)
                + serverLog());
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + program, e);
    }
  }

  private String serverLog() {
    try {
      Path file = dir.resolve("server.log");
      return Files.exists(file) ? "\nserver log:\n" + Files.readString(file) : "";
    } catch (IOException e) {
      return "";
    }
  }

  private void deleteFolder() {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      log.warn("cannot delete {}", dir, e);
    }
  }

  private static Path binaries() {
    String configured = System.getenv(BIN_VARIABLE);
    if (configured != null && !configured.isBlank()) {
      return Paths.get(configured);
    }
    Path versions = Paths.get("/usr/lib/postgresql");
    if (Files.isDirectory(versions)) {
      try (Stream<Path> s = Files.list(versions)) {
        Path newest =
            s.filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                .max(Comparator.comparing(PrivatePostgres::version))
                .orElse(null);
        if (newest != null) {
          return newest.resolve("bin");
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    for (String folder :
        System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (!folder.isEmpty() && Files.isExecutable(Paths.get(folder, "initdb"))) {
        return Paths.get(folder);
      }
    }
    throw new IllegalStateException(
        "No PostgreSQL binaries (initdb, pg_ctl) for a private server: set "
            + BIN_VARIABLE
            + " to their folder, or install PostgreSQL (e.g. apt-get install postgresql-15)");
  }

  private static int version(Path folder) {
    try {
      return Integer.parseInt(folder.getFileName().toString());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port", e);
    }
  }
}
