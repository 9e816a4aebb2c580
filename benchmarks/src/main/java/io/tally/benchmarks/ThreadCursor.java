package io.tally.benchmarks;

import java.time.Instant;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * One benchmark thread's walk over the pre-generated keys, and its own clock.
 *
 * <p>Thread {@code t} of {@code n} starts at key {@code t * size / n}, so concurrent threads touch
 * different keys at any moment (as different callers do), yet every thread covers every key. Every
 * {@link Keys#CALLS_PER_TICK} calls {@link #now} moves 1 ms forward (a 24-byte {@code Instant}
 * every 1,024 calls, 0.02 B/op, the same for every subject).
 *
 * <p>Not final: JMH subclasses {@code @State} classes in its generated code.
 */
@State(Scope.Thread)
public class ThreadCursor {
  private int index;
  private int untilTick = Keys.CALLS_PER_TICK;
  private Instant now = Keys.START;

  /** Creates a cursor; JMH calls {@link #setup(ThreadParams)} before the first call. */
  public ThreadCursor() {}

  /**
   * Places this thread's start on the key ring.
   *
   * @param thread which thread of how many
   */
  @Setup
  public void setup(ThreadParams thread) {
    index = (int) ((long) thread.getThreadIndex() * Keys.WORKSPACES / thread.getThreadCount());
  }

  /**
   * Moves to the next key and returns its index in {@code [0, Keys.WORKSPACES)}.
   *
   * @return the key index
   */
  public int next() {
    int k = index;
    if (++index == Keys.WORKSPACES) {
      index = 0;
    }
    if (--untilTick == 0) {
      untilTick = Keys.CALLS_PER_TICK;
      now = now.plusMillis(1);
    }
    return k;
  }

  /**
   * Returns this thread's current time.
   *
   * @return the time a caller would pass with the current call
   */
  public Instant now() {
    return now;
  }
}
