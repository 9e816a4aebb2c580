package io.tally.examples.demo;

import io.tally.core.ConfigException;
import java.io.PrintStream;

/**
 * The demo's entry point: {@code java -jar examples/target/tally-demo.jar [options]}. Run with
 * {@code --help} for the options. Exit codes: 0 everything verified, 1 something was lost,
 * duplicated or did not match (or the run failed), 2 bad command line.
 */
public final class DemoMain {
  private DemoMain() {}

  /**
   * Runs the demo and exits with its code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs the demo in this JVM.
   *
   * @param args the command line
   * @param out where the progress and the report go
   * @param err where errors go
   * @return the exit code: 0 verified, 1 not verified or failed, 2 bad command line
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    DemoOptions options;
    try {
      options = DemoOptions.parse(args);
    } catch (DemoOptions.UsageException e) {
      err.println("tally-demo: " + e.getMessage());
      err.println();
      err.println(DemoOptions.USAGE);
      return 2;
    }
    if (options.help) {
      out.println(DemoOptions.USAGE);
      return 0;
    }
    try {
      return new FleetRun(options, out).call();
    } catch (ConfigException e) {
      // e.g. --backends naming a backend that is not on the class path
      err.println("tally-demo: " + e.getMessage());
      err.println();
      err.println(DemoOptions.USAGE);
      return 2;
    } catch (Exception e) {
      err.println("tally-demo: the run failed: " + e);
      e.printStackTrace(err);
      return 1;
    }
  }
}
