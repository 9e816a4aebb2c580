package io.tally.testkit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough of the PostgreSQL wire protocol (version 3) for {@link FaultProxy} to see which
 * statement a client runs and where the server's reply to it ends.
 *
 * <p>Implementation notes. Every simple query ({@code Q}), {@code Sync} ({@code S}) and function
 * call ({@code F}) the client sends is answered by exactly one {@code ReadyForQuery} ({@code Z});
 * the startup handshake adds one more {@code Z} first. So the reply to a statement is everything
 * the server sends after the {@code Z} numbered "sync-ending messages sent before it + 1" up to and
 * including the next {@code Z}. The frontend side names the statement: the text of a {@code Q}, or,
 * for an {@code Execute}, the text its portal was bound from ({@code Parse} names a statement,
 * {@code Bind} binds a portal to a statement). Once TLS or GSS encryption is accepted the bytes are
 * opaque and nothing is parsed.
 */
final class PgWire {
  private static final int SSL_REQUEST = 80877103;
  private static final int GSS_REQUEST = 80877104;
  private static final int CANCEL_REQUEST = 80877102;
  private static final int MAX_BUFFERED = 64 << 20;

  private PgWire() {}

  /** A statement the client asked the server to run. */
  static final class Executed {
    final String sql;

    /** How many {@code Z}s the server sends before its reply to this statement starts. */
    final long readyBefore;

    Executed(String sql, long readyBefore) {
      this.sql = sql;
      this.readyBefore = readyBefore;
    }
  }

  /** Parses what the client sends. Not thread-safe: one pump thread feeds it. */
  static final class Frontend {
    private byte[] buf = new byte[8192];
    private int len;
    private boolean startup = true;
    private volatile boolean opaque;
    private long syncs;
    private final Map<String, String> statements = new HashMap<>();
    private final Map<String, String> portals = new HashMap<>();

    /** Single-byte answers the server owes (to SSL and GSS requests); read by {@link Backend}. */
    volatile int rawRepliesOwed;

    /**
     * Takes the next bytes from the client.
     *
     * @return the statements they complete, in order
     */
    List<Executed> feed(byte[] b, int off, int n) {
      if (opaque) {
        return List.of();
      }
      append(b, off, n);
      List<Executed> out = new ArrayList<>(1);
      int pos = 0;
      while (true) {
        int header = startup ? 4 : 5;
        if (len - pos < header) {
          break;
        }
        int length = readInt(buf, pos + header - 4);
        int total = header - 4 + length;
        if (length < 4 || total > MAX_BUFFERED) {
          opaque = true; // not a protocol we understand: stop looking
          return out;
        }
        if (len - pos < total) {
          break;
        }
        if (startup) {
          startupMessage(pos + 4, length - 4);
        } else {
          message(buf[pos], pos + 5, length - 4, out);
        }
        pos += total;
      }
      System.arraycopy(buf, pos, buf, 0, len - pos);
      len -= pos;
      return out;
    }

    void makeOpaque() {
      opaque = true;
    }

    private void startupMessage(int body, int bodyLength) {
      int code = bodyLength >= 4 ? readInt(buf, body) : 0;
      if (code == SSL_REQUEST || code == GSS_REQUEST) {
        rawRepliesOwed++;
      } else if (code != CANCEL_REQUEST) {
        startup = false;
      }
    }

    private void message(byte type, int body, int bodyLength, List<Executed> out) {
      switch (type) {
        case 'Q':
          out.add(new Executed(cstring(body, body + bodyLength), syncs + 1));
          syncs++;
          break;
        case 'S':
        case 'F':
          syncs++;
          break;
        case 'P':
          {
            int limit = body + bodyLength;
            int next = end(body, limit) + 1;
            statements.put(cstring(body, limit), cstring(next, limit));
            break;
          }
        case 'B':
          {
            int limit = body + bodyLength;
            int next = end(body, limit) + 1;
            portals.put(cstring(body, limit), statements.get(cstring(next, limit)));
            break;
          }
        case 'E':
          {
            String sql = portals.get(cstring(body, body + bodyLength));
            if (sql != null) {
              out.add(new Executed(sql, syncs + 1));
            }
            break;
          }
        default:
          break; // Describe, Close, Flush, CopyData, Terminate, ...: not needed
      }
    }

    private void append(byte[] b, int off, int n) {
      if (len + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
      }
      System.arraycopy(b, off, buf, len, n);
      len += n;
    }

    private String cstring(int from, int limit) {
      return from >= limit
          ? ""
          : new String(buf, from, end(from, limit) - from, StandardCharsets.UTF_8);
    }

    /**
     * @return the index of the NUL ending the string at {@code from}, or {@code limit}
     */
    private int end(int from, int limit) {
      int end = from;
      while (end < limit && buf[end] != 0) {
        end++;
      }
      return end;
    }
  }

  /** Finds message boundaries in what the server sends and counts {@code ReadyForQuery}s. */
  static final class Backend {
    private final Frontend frontend;
    private final byte[] header = new byte[5];
    private int headerFill;
    private long bodyLeft;
    private boolean opaque;
    long readySeen;

    Backend(Frontend frontend) {
      this.frontend = frontend;
    }

    /**
     * Scans bytes from the server.
     *
     * @param stopAtReady if non-negative: stop at the first message boundary where {@link
     *     #readySeen} has reached it
     * @return the index (within {@code [off, off + n]}) where it stopped, or -1 if it scanned
     *     everything without reaching {@code stopAtReady}
     */
    int scan(byte[] b, int off, int n, long stopAtReady) {
      int pos = off;
      int end = off + n;
      while (true) {
        boolean atBoundary = headerFill == 0 && bodyLeft == 0;
        if (atBoundary && stopAtReady >= 0 && readySeen >= stopAtReady && !opaque) {
          return pos;
        }
        if (pos >= end) {
          return -1;
        }
        if (opaque) {
          return -1;
        }
        if (bodyLeft > 0) {
          int take = (int) Math.min(bodyLeft, end - pos);
          pos += take;
          bodyLeft -= take;
          continue;
        }
        if (headerFill == 0 && frontend.rawRepliesOwed > 0) {
          frontend.rawRepliesOwed--;
          byte answer = b[pos++];
          if (answer == 'S' || answer == 'G') {
            opaque = true; // encrypted from here on
            frontend.makeOpaque();
          }
          continue;
        }
        header[headerFill++] = b[pos++];
        if (headerFill == 5) {
          headerFill = 0;
          bodyLeft = (readInt(header, 1) & 0xffffffffL) - 4;
          if (header[0] == 'Z') {
            readySeen++;
          }
        }
      }
    }
  }

  private static int readInt(byte[] b, int at) {
    return ((b[at] & 0xff) << 24)
        | ((b[at + 1] & 0xff) << 16)
        | ((b[at + 2] & 0xff) << 8)
        | (b[at + 3] & 0xff);
  }
}
