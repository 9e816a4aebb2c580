package io.tally.benchmarks;

import io.tally.core.batch.Batcher;
import io.tally.core.batch.Coalescing;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.connectionlog.ConnectionType;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@code Batcher<ConnectionEvent>.write(event)} (with {@code ConnectionEvents.coalescing()})
 * against a bounded queue's {@code offer} handing off to one consumer thread.
 *
 * <p>10,000 pre-built events: a connect and a disconnect for each of 5,000 connections, in random
 * order, so a batch of 1,000 sometimes holds both halves of a session and coalesces them.
 *
 * <ul>
 *   <li>{@code tally}: the batcher with its defaults (intake of 1,000, batches of 1,000, a full
 *       intake makes the writer wait up to {@code writeTimeout}), a do-nothing store, system clock,
 *       timer flush every second. Its worker coalesces and flushes on its own thread.
 *   <li>{@code arrayBlockingQueue} / {@code linkedBlockingQueue}: {@code offer} into a queue of the
 *       same capacity, a consumer thread taking in chunks of up to 256 and discarding them. Like
 *       OpenTelemetry's batch processor, a full queue drops: the tear-down prints how many.
 * </ul>
 *
 * <p>Not final: JMH subclasses benchmark classes in its generated code.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dslf4j.internal.verbosity=ERROR"})
public class BatcherBenchmark {
  static final ConnectionEvent[] EVENTS = events(Keys.WORKSPACES);

  /** The peers' queue capacity: the batcher's default intake capacity (its maxBatchSize). */
  static final int CAPACITY = Batcher.Builder.DEFAULT_MAX_BATCH_SIZE;

  /**
   * How long a peer's writer waits for room in a full queue: the batcher's default writeTimeout.
   */
  static final long WRITE_TIMEOUT_NANOS = Batcher.Builder.DEFAULT_WRITE_TIMEOUT.toNanos();

  /**
   * Work a writer does between two writes ({@code Blackhole.consumeCPU} tokens). At 0 (the default)
   * writers outrun every consumer, so each figure is the consumer's throughput per item; with
   * {@code -p think=N} the consumer keeps up, and a figure minus {@code thinkOnly}'s is what one
   * write costs the caller.
   */
  @Param({"0"})
  public int think;

  /** Creates the benchmark; JMH instantiates it. */
  public BatcherBenchmark() {}

  private void pause() {
    if (think > 0) {
      Blackhole.consumeCPU(think);
    }
  }

  private static ConnectionEvent[] events(int n) {
    UUID[] workspaces = Keys.uuids(Keys.WORKSPACES, 4);
    UUID[] users = Keys.uuids(Keys.USERS, 5);
    UUID[] ids = Keys.uuids(n + n / 2, 6);
    UUID organization = new UUID(0, 7);
    List<ConnectionEvent> list = new ArrayList<>(n);
    for (int k = 0; k < n / 2; k++) {
      ConnectionEvent.Builder b =
          ConnectionEvent.builder()
              .organizationId(organization)
              .workspaceOwnerId(users[k % Keys.USERS])
              .workspaceId(workspaces[k % Keys.WORKSPACES])
              .workspaceName("workspace-" + k)
              .agentName("main")
              .type(ConnectionType.SSH)
              .ip("10.0." + (k >> 8 & 255) + "." + (k & 255))
              .userAgent("OpenSSH_9.6")
              .userId(users[k % Keys.USERS])
              .connectionId(ids[n + k]);
      list.add(b.id(ids[2 * k]).connect(Keys.START.plusMillis(k)));
      list.add(
          b.id(ids[2 * k + 1])
              .code(0)
              .disconnectReason("client closed")
              .disconnect(Keys.START.plusMillis(k).plusSeconds(30)));
    }
    Collections.shuffle(list, new Random(8));
    return list.toArray(new ConnectionEvent[0]);
  }

  /** The batcher under test, shared by all benchmark threads. */
  @State(Scope.Benchmark)
  public static class Tally {
    /** The batcher's maxBatchSize (its default); vary with {@code -p maxBatchSize=...}. */
    @Param({"1000"})
    public int maxBatchSize;

    /** Whether to coalesce by connection id; {@code -p coalesce=false} isolates that cost. */
    @Param({"true"})
    public boolean coalesce;

    /** Shards writing at once; {@code -p parallelism=1,2}. */
    @Param({"1"})
    public int parallelism;

    Batcher<ConnectionEvent> batcher;

    /** Creates the state; JMH instantiates it. */
    public Tally() {}

    /** Starts the batcher. */
    @Setup(Level.Trial)
    public void start() {
      batcher =
          Batcher.<ConnectionEvent>builder(batch -> {})
              .maxBatchSize(maxBatchSize)
              .queueCapacity(CAPACITY)
              .coalescing(coalesce ? ConnectionEvents.coalescing() : Coalescing.none())
              .flushInterval(Keys.FLUSH_INTERVAL)
              .name("bench")
              .parallelism(parallelism)
              .build();
    }

    /**
     * Closes the batcher and prints its counters, and the CPU time its threads used per accepted
     * event over the whole trial (warm-up included). Unlike ns/op, CPU time does not count the time
     * a thread waits for a CPU, so it stays comparable when the machine is busy.
     */
    @TearDown(Level.Trial)
    public void stop() {
      Map<String, Long> cpu = cpuNanosByThreadGroup();
      batcher.close();
      long accepted = batcher.stats().accepted();
      System.out.println("\n" + batcher.stats());
      StringBuilder line = new StringBuilder("CPU ns per accepted event:");
      cpu.forEach(
          (group, nanos) ->
              line.append(String.format(" %s=%.1f", group, (double) nanos / accepted)));
      System.out.println(line);
    }

    /** CPU nanos of Tally's threads, by name without the trailing number ("tally-bench-io"). */
    private static Map<String, Long> cpuNanosByThreadGroup() {
      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      Map<String, Long> byGroup = new TreeMap<>();
      for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
        if (info == null || !info.getThreadName().startsWith("tally-")) {
          continue;
        }
        long nanos = mx.getThreadCpuTime(info.getThreadId());
        if (nanos > 0) {
          String group = info.getThreadName().replaceAll("-\\d+$", "");
          byGroup.merge(group, nanos, Long::sum);
        }
      }
      return byGroup;
    }
  }

  /** A bounded queue and one consumer thread that takes and discards. */
  public abstract static class QueuePeer {
    private final BlockingQueue<ConnectionEvent> queue;
    private final LongAdder dropped = new LongAdder();
    private volatile boolean running = true;
    private long consumed; // consumer thread only, read after join
    private Thread consumer;

    QueuePeer(BlockingQueue<ConnectionEvent> queue) {
      this.queue = queue;
    }

    /**
     * Queues {@code e} as {@code Batcher.write} does: a plain {@code offer}, and when the queue is
     * full, a bounded wait for room ({@code writeTimeout}, 5 s) before giving up. Nothing is
     * dropped unless the consumer stalls for that long.
     */
    boolean offer(ConnectionEvent e) throws InterruptedException {
      if (queue.offer(e) || queue.offer(e, WRITE_TIMEOUT_NANOS, TimeUnit.NANOSECONDS)) {
        return true;
      }
      dropped.increment();
      return false;
    }

    private void consume() {
      List<ConnectionEvent> chunk = new ArrayList<>(256);
      try {
        while (running) {
          ConnectionEvent first = queue.poll(100, TimeUnit.MILLISECONDS);
          if (first == null) {
            continue;
          }
          chunk.add(first);
          queue.drainTo(chunk, 255);
          consumed += chunk.size();
          chunk.clear();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Starts the consumer thread. */
    @Setup(Level.Trial)
    public void start() {
      consumer = new Thread(this::consume, "queue-consumer");
      consumer.setDaemon(true);
      consumer.start();
    }

    /**
     * Stops the consumer and prints how many events it took and how many offers gave up.
     *
     * @throws InterruptedException if interrupted while joining the consumer
     */
    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
      running = false;
      consumer.join(10_000);
      System.out.printf(
          "%n%s consumed=%d dropped=%d%n",
          queue.getClass().getSimpleName(), consumed, dropped.sum());
    }
  }

  /** {@link ArrayBlockingQueue} peer. */
  @State(Scope.Benchmark)
  public static class ArrayQueue extends QueuePeer {
    /** Creates the state; JMH instantiates it. */
    public ArrayQueue() {
      super(new ArrayBlockingQueue<>(CAPACITY));
    }
  }

  /** {@link LinkedBlockingQueue} peer. */
  @State(Scope.Benchmark)
  public static class LinkedQueue extends QueuePeer {
    /** Creates the state; JMH instantiates it. */
    public LinkedQueue() {
      super(new LinkedBlockingQueue<>(CAPACITY));
    }
  }

  /**
   * Tally.
   *
   * @param s the batcher
   * @param c this thread's cursor
   */
  @Benchmark
  public void tally(Tally s, ThreadCursor c) {
    pause();
    s.batcher.write(EVENTS[c.next()]);
  }

  /**
   * {@code ArrayBlockingQueue.offer}.
   *
   * @param s the queue
   * @param c this thread's cursor
   * @return whether the event was queued (false: dropped)
   * @throws InterruptedException if interrupted while waiting for room
   */
  @Benchmark
  public boolean arrayBlockingQueue(ArrayQueue s, ThreadCursor c) throws InterruptedException {
    pause();
    return s.offer(EVENTS[c.next()]);
  }

  /**
   * {@code LinkedBlockingQueue.offer}.
   *
   * @param s the queue
   * @param c this thread's cursor
   * @return whether the event was queued (false: dropped)
   * @throws InterruptedException if interrupted while waiting for room
   */
  @Benchmark
  public boolean linkedBlockingQueue(LinkedQueue s, ThreadCursor c) throws InterruptedException {
    pause();
    return s.offer(EVENTS[c.next()]);
  }

  /**
   * The writer's own loop without a write: the baseline to subtract when {@code think > 0}.
   *
   * @param c this thread's cursor
   * @return the event that would be written
   */
  @Benchmark
  public ConnectionEvent thinkOnly(ThreadCursor c) {
    pause();
    return EVENTS[c.next()];
  }
}
