package io.tally.backend.nats;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tiny JSON writer and reader for the wire format: one flat object whose values are strings,
 * integers, booleans or null. The reader skips nested objects and arrays (a newer publisher may add
 * them) and rejects anything that is not well-formed JSON.
 */
final class Json {
  private Json() {}

  /** Appends {@code "name":} to {@code out}, preceded by a comma unless it is the first field. */
  static void name(StringBuilder out, String name) {
    if (out.length() > 1) {
      out.append(',');
    }
    string(out, name);
    out.append(':');
  }

  /** Appends {@code s} as a JSON string literal. */
  static void string(StringBuilder out, String s) {
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
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
      }
    }
    out.append('"');
  }

  /**
   * Parses one JSON object; values are {@code String}, {@code Long}, {@code Boolean} or a {@link
   * #NULL} marker; nested objects and arrays and fractional numbers map to {@link #OTHER}.
   *
   * @throws IllegalArgumentException if the text is not one well-formed JSON object
   */
  static Map<String, Object> parseObject(String text) {
    Parser p = new Parser(text);
    p.ws();
    Map<String, Object> out = new LinkedHashMap<>();
    p.expect('{');
    p.ws();
    if (p.peek() == '}') {
      p.pos++;
    } else {
      while (true) {
        p.ws();
        String key = p.string();
        p.ws();
        p.expect(':');
        p.ws();
        Object value = p.value(0);
        if (out.put(key, value) != null) {
          throw new IllegalArgumentException("duplicate field '" + Wire.shorten(key) + "'");
        }
        p.ws();
        char c = p.next();
        if (c == '}') {
          break;
        }
        if (c != ',') {
          throw p.error("',' or '}'");
        }
      }
    }
    p.ws();
    if (p.pos != text.length()) {
      throw p.error("the end of the text");
    }
    return out;
  }

  /** The value of a JSON {@code null}. */
  static final Object NULL =
      new Object() {
        @Override
        public String toString() {
          return "null";
        }
      };

  /** The value of a nested object or array, or a number that is not an integer. */
  static final Object OTHER =
      new Object() {
        @Override
        public String toString() {
          return "(nested or fractional value)";
        }
      };

  private static final int MAX_DEPTH = 32;

  private static final class Parser {
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    char peek() {
      if (pos >= s.length()) {
        throw error("more text");
      }
      return s.charAt(pos);
    }

    char next() {
      char c = peek();
      pos++;
      return c;
    }

    void expect(char c) {
      if (next() != c) {
        pos--;
        throw error("'" + c + "'");
      }
    }

    void ws() {
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
          return;
        }
        pos++;
      }
    }

    IllegalArgumentException error(String expected) {
      return new IllegalArgumentException(
          "malformed JSON at offset " + pos + ": expected " + expected);
    }

    Object value(int depth) {
      if (depth > MAX_DEPTH) {
        throw new IllegalArgumentException("JSON nested deeper than " + MAX_DEPTH);
      }
      char c = peek();
      switch (c) {
        case '"':
          return string();
        case '{':
          skipContainer('{', '}', depth);
          return OTHER;
        case '[':
          skipContainer('[', ']', depth);
          return OTHER;
        case 't':
          literal("true");
          return Boolean.TRUE;
        case 'f':
          literal("false");
          return Boolean.FALSE;
        case 'n':
          literal("null");
          return NULL;
        default:
          return number();
      }
    }

    private void skipContainer(char open, char close, int depth) {
      expect(open);
      ws();
      if (peek() == close) {
        pos++;
        return;
      }
      while (true) {
        ws();
        if (open == '{') {
          string();
          ws();
          expect(':');
          ws();
        }
        value(depth + 1);
        ws();
        char c = next();
        if (c == close) {
          return;
        }
        if (c != ',') {
          pos--;
          throw error("',' or '" + close + "'");
        }
      }
    }

    private void literal(String word) {
      if (!s.startsWith(word, pos)) {
        throw error(word);
      }
      pos += word.length();
    }

    private Object number() {
      int start = pos;
      if (pos < s.length() && s.charAt(pos) == '-') {
        pos++;
      }
      boolean integral = true;
      int digits = 0;
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c >= '0' && c <= '9') {
          digits++;
        } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
          integral = false;
        } else {
          break;
        }
        pos++;
      }
      if (digits == 0) {
        pos = start;
        throw error("a value");
      }
      String text = s.substring(start, pos);
      if (!integral) {
        try {
          Double.parseDouble(text);
        } catch (NumberFormatException e) {
          pos = start;
          throw error("a number");
        }
        return OTHER;
      }
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        return OTHER; // an integer beyond 64 bits: not one of ours
      }
    }

    String string() {
      expect('"');
      StringBuilder out = new StringBuilder();
      while (true) {
        char c = next();
        if (c == '"') {
          return out.toString();
        }
        if (c < 0x20) {
          pos--;
          throw error("no control character in a string");
        }
        if (c != '\\') {
          out.append(c);
          continue;
        }
        char e = next();
        switch (e) {
          case '"':
          case '\\':
          case '/':
            out.append(e);
            break;
          case 'b':
            out.append('\b');
            break;
          case 'f':
            out.append('\f');
            break;
          case 'n':
            out.append('\n');
            break;
          case 'r':
            out.append('\r');
            break;
          case 't':
            out.append('\t');
            break;
          case 'u':
            if (pos + 4 > s.length()) {
              throw error("four hex digits");
            }
            try {
              out.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            } catch (NumberFormatException ex) {
              throw error("four hex digits");
            }
            pos += 4;
            break;
          default:
            pos--;
            throw error("an escape sequence");
        }
      }
    }
  }
}
