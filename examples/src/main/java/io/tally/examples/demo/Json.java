package io.tally.examples.demo;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Writes the report as JSON; the demo has no JSON dependency and needs only this much. */
final class Json {
  private Json() {}

  static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out, 0);
    return out.append('\n').toString();
  }

  private static void write(Object value, StringBuilder out, int indent) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String) {
      string((String) value, out);
    } else if (value instanceof Number || value instanceof Boolean) {
      out.append(value);
    } else if (value instanceof Map) {
      out.append('{');
      Iterator<? extends Map.Entry<?, ?>> it = ((Map<?, ?>) value).entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<?, ?> e = it.next();
        newline(out, indent + 1);
        string(String.valueOf(e.getKey()), out);
        out.append(": ");
        write(e.getValue(), out, indent + 1);
        if (it.hasNext()) {
          out.append(',');
        }
      }
      newline(out, indent);
      out.append('}');
    } else if (value instanceof List) {
      out.append('[');
      Iterator<?> it = ((List<?>) value).iterator();
      while (it.hasNext()) {
        newline(out, indent + 1);
        write(it.next(), out, indent + 1);
        if (it.hasNext()) {
          out.append(',');
        }
      }
      newline(out, indent);
      out.append(']');
    } else {
      string(value.toString(), out);
    }
  }

  private static void newline(StringBuilder out, int indent) {
    out.append('\n');
    for (int i = 0; i < indent; i++) {
      out.append("  ");
    }
  }

  static void string(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
      }
    }
    out.append('"');
  }
}
