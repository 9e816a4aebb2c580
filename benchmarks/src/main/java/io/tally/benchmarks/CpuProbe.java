package io.tally.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of Tally's threads (named {@code tally-*}, from {@link ThreadMXBean}) and of the
 * PostgreSQL backends serving one {@code application_name} ({@code pg_stat_activity}, then {@code
 * /proc/<pid>/stat}: best effort, it needs the database on this machine), and the heap after a full
 * GC.
 */
final class CpuProbe {
  /**
   * Clock ticks per second of {@code /proc/<pid>/stat} (Linux's USER_HZ, 100 almost everywhere).
   */
  private static final long TICKS_PER_SECOND = 100;

  private CpuProbe() {}

  /** CPU nanoseconds of every live thread whose name starts with {@code tally-}, by name. */
  static Map<String, Long> tallyThreads() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<String, Long> cpu = new TreeMap<>();
    for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith("tally-")) {
        long t = mx.getThreadCpuTime(info.getThreadId());
        if (t > 0) {
          cpu.merge(info.getThreadName(), t, Long::sum);
        }
      }
    }
    return cpu;
  }

  /**
   * CPU nanoseconds (user + system) of the backends whose {@code application_name} is {@code
   * application}, by pid; empty when they cannot be read or {@code application} is null.
   */
  static Map<Integer, Long> backends(String url, String user, String application) {
    Map<Integer, Long> cpu = new HashMap<>();
    if (application == null) {
      return cpu; // not PostgreSQL: an embedded database's work runs on the JVM's own threads
    }
    // A connection of its own, outside the pool: a pooled one may be the one Tally writes on.
    try (Connection c = DriverManager.getConnection(url, user, "");
        PreparedStatement ps =
            c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE application_name = ?")) {
      ps.setString(1, application);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int pid = rs.getInt(1);
          long ticks = procTicks(pid);
          if (ticks >= 0) {
            cpu.put(pid, ticks * (1_000_000_000L / TICKS_PER_SECOND));
          }
        }
      }
    } catch (SQLException e) {
      System.out.println("(database backends' CPU not available: " + e.getMessage() + ")");
    }
    return cpu;
  }

  private static long procTicks(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
      // fields after the command name in parentheses: state is 3rd; utime 14th, stime 15th
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Sum over {@code end} of the growth since {@code start} (a key absent at start counts from 0).
   */
  static <K> long grown(Map<K, Long> start, Map<K, Long> end) {
    long sum = 0;
    for (Map.Entry<K, Long> e : end.entrySet()) {
      sum += e.getValue() - start.getOrDefault(e.getKey(), 0L);
    }
    return sum;
  }

  /** Heap in use after a full GC, in MiB. */
  static long heapAfterGcMib() {
    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    System.gc();
    System.gc();
    return mem.getHeapMemoryUsage().getUsed() >> 20;
  }
}
