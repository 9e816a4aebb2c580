package io.tally.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A TCP proxy for fault tests: it listens on {@code 127.0.0.1} on a free port, forwards every
 * connection to a target (typically a PostgreSQL server), and breaks the traffic on demand.
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.forJdbcUrl(databaseUrl)) {
 *   Tally tally = Tally.start(TallyConfig.builder().jdbcUrl(proxy.redirect(databaseUrl))...build());
 *   proxy.refuseNewConnections();       // the server "is down" for new connections
 *   proxy.cutConnections();             // and every open one is reset
 *   ...
 *   proxy.heal();                       // back to normal for new connections
 * }
 * }</pre>
 *
 * <p>Faults:
 *
 * <ul>
 *   <li>{@link #refuseNewConnections()}: new connections are accepted and reset at once (the client
 *       sees a connection reset during its handshake); open ones go on working.
 *   <li>{@link #cutConnections()} / {@link #closeConnections()}: every open connection is reset
 *       (RST) or closed (FIN) on both sides.
 *   <li>{@link #silenceConnections()}: every open connection stops forwarding in both directions
 *       without closing, like a server or network that stopped answering; new connections work. A
 *       silent connection stays silent until the client closes it or it is cut.
 *   <li>{@link #delay(Duration)}: each chunk of bytes read, in either direction, is held for the
 *       delay before it is forwarded; what arrives meanwhile goes out in the next chunk. A round
 *       trip thus takes at least twice the delay longer, while bandwidth is barely limited.
 *   <li>{@link #dropReply(Predicate, int, AfterDrop)}: when a client runs the Nth statement whose
 *       text matches (e.g. the 3rd {@code COMMIT}), the statement reaches the server and runs, but
 *       the server's reply to it is swallowed; once the server has finished replying, the
 *       connection is cut or goes silent. The client cannot know whether the statement took effect.
 *       This understands the PostgreSQL wire protocol (simple and extended queries) and needs an
 *       unencrypted connection ({@code sslmode=disable}, or a server without TLS).
 * </ul>
 *
 * <p>Every connection uses two daemon threads with blocking sockets. {@link #close()} stops
 * listening and resets every connection. Thread-safe.
 */
public final class FaultProxy implements AutoCloseable {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FaultProxy.class);
  private static final Pattern JDBC_HOST =
      Pattern.compile("^(jdbc:postgresql://)(\\[[^\\]]+\\]|[^/:?,]+)(:(\\d+))?(/.*)?$");

  /** What a connection does once the reply to a dropped statement has been swallowed. */
  public enum AfterDrop {
    /** The connection stops forwarding in both directions and stays open. */
    SILENT,
    /** The connection is reset on both sides. */
    CUT
  }

  /** A planned lost reply: see {@link #dropReply(Predicate, int, AfterDrop)}. */
  public static final class ReplyDrop {
    private final Predicate<String> statement;
    private final int nth;
    private final AfterDrop then;
    private final AtomicInteger seen = new AtomicInteger();
    private volatile @Nullable String sent;
    private volatile boolean swallowed;

    private ReplyDrop(Predicate<String> statement, int nth, AfterDrop then) {
      this.statement = statement;
      this.nth = nth;
      this.then = then;
    }

    /**
     * @return true once the chosen statement was sent to the server (its reply is being swallowed)
     */
    public boolean fired() {
      return sent != null;
    }

    /**
     * @return true once the server finished its reply and the connection was cut or silenced
     */
    public boolean swallowed() {
      return swallowed;
    }

    /**
     * @return the text of the statement whose reply is dropped, or null before {@link #fired()}
     */
    public @Nullable String statement() {
      return sent;
    }

    /**
     * @return what the connection does after the reply
     */
    public AfterDrop then() {
      return then;
    }

    boolean matches(String sql) {
      return sent == null && statement.test(sql) && seen.incrementAndGet() == nth;
    }

    void markSent(String sql) {
      sent = sql;
    }

    void markSwallowed() {
      swallowed = true;
    }

    @Override
    public String toString() {
      return "ReplyDrop{nth="
          + nth
          + ", then="
          + then
          + ", sent="
          + sent
          + ", swallowed="
          + swallowed
          + '}';
    }
  }

  private final InetSocketAddress target;
  private final ServerSocket listener;
  private final Set<ProxyLink> links = ConcurrentHashMap.newKeySet();
  private final List<ReplyDrop> drops = new CopyOnWriteArrayList<>();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private volatile boolean refusing;
  private volatile long delayNanos;
  private volatile boolean closed;

  private FaultProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "fault-proxy-" + port() + "-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Starts a proxy to {@code host:port}.
   *
   * @param host the target host
   * @param port the target port
   * @return the running proxy; close it when done
   * @throws IllegalArgumentException if {@code port} is not a TCP port
   * @throws UncheckedIOException if no local port can be opened
   */
  public static FaultProxy start(String host, int port) {
    Objects.requireNonNull(host, "host");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port was " + port + " but must be 1 to 65535");
    }
    try {
      return new FaultProxy(InetSocketAddress.createUnresolved(host, port));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a local port for the fault proxy", e);
    }
  }

  /**
   * Starts a proxy to the server a PostgreSQL JDBC URL names (port 5432 if it names none).
   *
   * @param jdbcUrl a {@code jdbc:postgresql://host[:port]/...} URL with a single host
   * @return the running proxy; pass {@link #redirect(String) redirect(jdbcUrl)} to the client
   * @throws IllegalArgumentException if the URL is not of that form
   */
  public static FaultProxy forJdbcUrl(String jdbcUrl) {
    Matcher m = parse(jdbcUrl);
    String host = m.group(2);
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    }
    return start(host, m.group(4) == null ? 5432 : Integer.parseInt(m.group(4)));
  }

  /**
   * Rewrites a PostgreSQL JDBC URL to go through this proxy: the host and port are replaced, the
   * rest is kept.
   *
   * @param jdbcUrl a {@code jdbc:postgresql://host[:port]/...} URL with a single host
   * @return the same URL with {@code 127.0.0.1:<port of this proxy>}
   * @throws IllegalArgumentException if the URL is not of that form
   */
  public String redirect(String jdbcUrl) {
    Matcher m = parse(jdbcUrl);
    return m.group(1) + host() + ":" + port() + (m.group(5) == null ? "/" : m.group(5));
  }

  private static Matcher parse(String jdbcUrl) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    Matcher m = JDBC_HOST.matcher(jdbcUrl);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "jdbcUrl must be jdbc:postgresql://host[:port]/database with one host (the URL is not shown)");
    }
    return m;
  }

  /**
   * @return the address clients connect to: {@code 127.0.0.1}
   */
  public String host() {
    return listener.getInetAddress().getHostAddress();
  }

  /**
   * @return the local port clients connect to
   */
  public int port() {
    return listener.getLocalPort();
  }

  /** Makes new connections fail (accepted and reset at once); open connections are untouched. */
  public void refuseNewConnections() {
    refusing = true;
  }

  /** Lets new connections through again. */
  public void acceptNewConnections() {
    refusing = false;
  }

  /**
   * Resets (RST) every open connection, silent ones included, on both sides.
   *
   * @return how many were reset
   */
  public int cutConnections() {
    List<ProxyLink> open = new ArrayList<>(links);
    open.forEach(ProxyLink::cut);
    return open.size();
  }

  /**
   * Closes (FIN) every open connection, silent ones included, on both sides.
   *
   * @return how many were closed
   */
  public int closeConnections() {
    List<ProxyLink> open = new ArrayList<>(links);
    open.forEach(ProxyLink::closeQuietly);
    return open.size();
  }

  /**
   * Makes every open connection silent: nothing more is forwarded in either direction, nothing is
   * closed. Connections opened later work normally.
   *
   * @return how many connections went silent
   */
  public int silenceConnections() {
    int n = 0;
    for (ProxyLink link : links) {
      if (link.silence()) {
        n++;
      }
    }
    return n;
  }

  /**
   * Holds every chunk of bytes, in both directions, for {@code delay} before forwarding it.
   *
   * @param delay the delay; {@link Duration#ZERO} for none
   * @throws IllegalArgumentException if {@code delay} is negative or longer than a minute
   */
  public void delay(Duration delay) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative() || delay.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException("delay was " + delay + " but must be 0 to 1 minute");
    }
    delayNanos = delay.toNanos();
  }

  /**
   * Plans a lost reply: the {@code nth} statement (counted from now, across every connection) whose
   * text matches {@code statement} is forwarded to the server and runs there, but the server's
   * whole reply to it is swallowed; when the server has finished replying, that connection is cut
   * or goes silent. Several plans may be active; each fires once.
   *
   * @param statement matches the statement text (see {@link #statementStartingWith(String)})
   * @param nth which matching statement, 1 for the next
   * @param then what the connection does after the reply
   * @return the plan, to see whether it fired
   * @throws IllegalArgumentException if {@code nth} is not positive
   */
  public ReplyDrop dropReply(Predicate<String> statement, int nth, AfterDrop then) {
    Objects.requireNonNull(statement, "statement");
    Objects.requireNonNull(then, "then");
    if (nth < 1) {
      throw new IllegalArgumentException("nth was " + nth + " but must be at least 1");
    }
    ReplyDrop drop = new ReplyDrop(statement, nth, then);
    drops.add(drop);
    return drop;
  }

  /**
   * Matches statements whose text, after leading white space, starts with {@code prefix}, ignoring
   * case: {@code statementStartingWith("commit")} matches {@code COMMIT}.
   *
   * @param prefix the start of the statement, e.g. {@code "COMMIT"} or {@code "INSERT INTO t"}
   * @return the predicate
   */
  public static Predicate<String> statementStartingWith(String prefix) {
    String p = Objects.requireNonNull(prefix, "prefix").toLowerCase(Locale.ROOT);
    return sql -> sql.stripLeading().toLowerCase(Locale.ROOT).startsWith(p);
  }

  /**
   * Undoes the faults for new traffic: accepts new connections, removes the delay and forgets the
   * plans that have not fired. Connections that are silent stay silent (cut them to free them).
   */
  public void heal() {
    refusing = false;
    delayNanos = 0;
    drops.clear();
  }

  /**
   * @return how many connections are open through the proxy, silent ones included
   */
  public int openConnections() {
    return links.size();
  }

  /**
   * @return how many connections are open and silent
   */
  public int silentConnections() {
    int n = 0;
    for (ProxyLink link : links) {
      if (link.isSilent()) {
        n++;
      }
    }
    return n;
  }

  /**
   * @return how many connections the proxy has forwarded since it started
   */
  public long acceptedConnections() {
    return accepted.get();
  }

  /**
   * @return how many connections the proxy has refused since it started
   */
  public long refusedConnections() {
    return refused.get();
  }

  /** Stops listening and resets every connection; idempotent. */
  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException e) {
      log.debug("closing the fault proxy's listener failed", e);
    }
    cutConnections();
  }

  @Override
  public String toString() {
    return "FaultProxy{127.0.0.1:"
        + port()
        + " -> "
        + target.getHostString()
        + ":"
        + target.getPort()
        + ", open="
        + links.size()
        + ", refusing="
        + refusing
        + ", delay="
        + Duration.ofNanos(delayNanos)
        + '}';
  }

  InetSocketAddress target() {
    return target;
  }

  /** Applies the configured delay to a chunk about to be forwarded. */
  void holdBack() {
    ProxyLink.pause(delayNanos);
  }

  /**
   * @return the plan that {@code sql} fires, or null
   */
  @Nullable ReplyDrop match(String sql) {
    for (ReplyDrop d : drops) {
      if (d.matches(sql)) {
        drops.remove(d);
        return d;
      }
    }
    return null;
  }

  void forget(ProxyLink link) {
    links.remove(link);
  }

  private void acceptLoop() {
    long n = 0;
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (SocketException e) {
        return; // closed
      } catch (IOException e) {
        log.debug("fault proxy accept failed", e);
        continue;
      }
      if (refusing || closed) {
        refused.incrementAndGet();
        reset(client);
        continue;
      }
      accepted.incrementAndGet();
      ProxyLink link = new ProxyLink(this, client, "fault-proxy-" + port() + "-" + (++n));
      links.add(link);
      if (closed) {
        link.cut();
      } else {
        link.start();
      }
    }
  }

  private static void reset(Socket s) {
    try {
      s.setSoLinger(true, 0);
      s.close();
    } catch (IOException e) {
      // gone already
    }
  }
}
