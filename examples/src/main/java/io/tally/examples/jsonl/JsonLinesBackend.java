package io.tally.examples.jsonl;

import io.tally.core.backend.Backend;
import io.tally.core.connectionlog.ConnectionEvent;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A custom connection-log backend: appends each event to a file as one JSON object per line.
 * Everything a backend needs is {@link #write} and, if it holds resources, {@link #close}.
 */
// tag::backend[]
public final class JsonLinesBackend implements Backend<ConnectionEvent> {
  private final BufferedWriter out;

  /**
   * @param file the file to append to; created if missing
   * @throws UncheckedIOException if it cannot be opened
   */
  public JsonLinesBackend(Path file) {
    try {
      out =
          Files.newBufferedWriter(
              file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + file, e);
    }
  }

  @Override
  public synchronized void write(ConnectionEvent e) {
    StringBuilder line = new StringBuilder(512).append('{');
    field(line, "id", e.id()).append(',');
    field(line, "time", e.time()).append(',');
    field(line, "workspace_id", e.workspaceId()).append(',');
    field(line, "agent_name", e.agentName()).append(',');
    field(line, "type", e.typeName()).append(',');
    field(line, "status", e.status().wireName()).append(',');
    field(line, "connection_id", e.connectionId()).append(',');
    field(line, "user_id", e.userId()).append(',');
    field(line, "ip", e.ip()).append(',');
    field(line, "code", e.code()).append(',');
    field(line, "disconnect_reason", e.disconnectReason());
    try {
      out.append(line.append("}\n"));
    } catch (IOException ex) {
      throw new UncheckedIOException("writing a connection event failed", ex);
    }
  }

  @Override
  public synchronized void close() {
    try {
      out.close(); // flushes the buffer
    } catch (IOException ex) {
      throw new UncheckedIOException("closing the jsonl file failed", ex);
    }
  }

  // end::backend[]

  private static StringBuilder field(StringBuilder line, String name, Object value) {
    line.append('"').append(name).append("\":");
    if (value == null || value instanceof Number) {
      return line.append(value);
    }
    line.append('"');
    for (char c : value.toString().toCharArray()) {
      if (c == '"' || c == '\\') {
        line.append('\\').append(c);
      } else if (c < 0x20) {
        line.append(String.format("\\u%04x", (int) c));
      } else {
        line.append(c);
      }
    }
    return line.append('"');
  }
}
