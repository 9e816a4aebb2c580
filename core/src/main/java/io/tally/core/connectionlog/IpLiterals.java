package io.tally.core.connectionlog;

import java.util.ArrayList;
import java.util.List;

/**
 * Checks that a string is an IPv4 or IPv6 host address literal (no host names, no prefix length, no
 * zone), without any lookup, and writes it in its canonical form. PostgreSQL's {@code inet} accepts
 * every string this accepts and prints the canonical form back unchanged, so every store holds an
 * address exactly.
 */
final class IpLiterals {
  private IpLiterals() {}

  static boolean isIpLiteral(String s) {
    return s.indexOf(':') >= 0 ? isIpv6(s) : isIpv4(s);
  }

  static boolean isIpv4(String s) {
    int parts = 0;
    int i = 0;
    int n = s.length();
    while (true) {
      int start = i;
      int value = 0;
      while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        value = value * 10 + (s.charAt(i) - '0');
        i++;
        if (i - start > 3) {
          return false;
        }
      }
      if (i == start || value > 255 || (i - start > 1 && s.charAt(start) == '0')) {
        return false;
      }
      parts++;
      if (i == n) {
        return parts == 4;
      }
      if (s.charAt(i) != '.' || parts == 4) {
        return false;
      }
      i++;
    }
  }

  static boolean isIpv6(String s) {
    int gap = s.indexOf("::");
    if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
      return false;
    }
    if (gap < 0) {
      int groups = groups(s, true);
      return groups == 8;
    }
    String head = s.substring(0, gap);
    String tail = s.substring(gap + 2);
    int h = head.isEmpty() ? 0 : groups(head, false);
    int t = tail.isEmpty() ? 0 : groups(tail, true);
    return h >= 0 && t >= 0 && h + t <= 7;
  }

  /** Counts colon-separated hex groups (an IPv4 tail counts 2); -1 if malformed. */
  private static int groups(String s, boolean ipv4TailAllowed) {
    String[] parts = s.split(":", -1);
    int count = 0;
    for (int p = 0; p < parts.length; p++) {
      String part = parts[p];
      if (p == parts.length - 1 && ipv4TailAllowed && part.indexOf('.') >= 0) {
        if (!isIpv4(part)) {
          return -1;
        }
        count += 2;
        continue;
      }
      if (part.isEmpty() || part.length() > 4) {
        return -1;
      }
      for (int i = 0; i < part.length(); i++) {
        char c = part.charAt(i);
        boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!hex) {
          return -1;
        }
      }
      count++;
    }
    return count;
  }

  /**
   * Returns the canonical text of a valid address literal, as PostgreSQL's {@code inet} prints it:
   * IPv4 unchanged; IPv6 in lower-case hex without leading zeros, the first longest run of two or
   * more zero groups written {@code ::}, and a dotted IPv4 tail only for IPv4-compatible ({@code
   * ::a.b.c.d}) and IPv4-mapped ({@code ::ffff:a.b.c.d}) addresses.
   *
   * @param s an address for which {@link #isIpLiteral(String)} is true
   * @return its canonical form ({@code s} itself when it is canonical already)
   */
  static String canonical(String s) {
    if (s.indexOf(':') < 0) {
      return s;
    }
    int[] words = words(s);
    int bestBase = -1;
    int bestLen = 0;
    for (int i = 0; i < 8; ) {
      if (words[i] != 0) {
        i++;
        continue;
      }
      int start = i;
      while (i < 8 && words[i] == 0) {
        i++;
      }
      if (i - start > bestLen) {
        bestBase = start;
        bestLen = i - start;
      }
    }
    if (bestLen < 2) {
      bestBase = -1;
    }
    StringBuilder b = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (bestBase != -1 && i >= bestBase && i < bestBase + bestLen) {
        if (i == bestBase) {
          b.append(':');
        }
        continue;
      }
      if (i != 0) {
        b.append(':');
      }
      if (i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && words[5] == 0xffff))) {
        b.append(words[6] >> 8)
            .append('.')
            .append(words[6] & 0xff)
            .append('.')
            .append(words[7] >> 8)
            .append('.')
            .append(words[7] & 0xff);
        break;
      }
      b.append(Integer.toHexString(words[i]));
    }
    if (bestBase != -1 && bestBase + bestLen == 8) {
      b.append(':');
    }
    String out = b.toString();
    return out.equals(s) ? s : out;
  }

  /** The eight 16-bit groups of a valid IPv6 literal. */
  private static int[] words(String s) {
    int gap = s.indexOf("::");
    List<Integer> head = gap < 0 ? parseGroups(s) : parseGroups(s.substring(0, gap));
    List<Integer> tail = gap < 0 ? List.of() : parseGroups(s.substring(gap + 2));
    int[] words = new int[8];
    for (int i = 0; i < head.size(); i++) {
      words[i] = head.get(i);
    }
    for (int i = 0; i < tail.size(); i++) {
      words[8 - tail.size() + i] = tail.get(i);
    }
    return words;
  }

  private static List<Integer> parseGroups(String s) {
    List<Integer> out = new ArrayList<>(8);
    if (s.isEmpty()) {
      return out;
    }
    for (String part : s.split(":", -1)) {
      if (part.indexOf('.') >= 0) {
        String[] octets = part.split("\\.");
        out.add(Integer.parseInt(octets[0]) << 8 | Integer.parseInt(octets[1]));
        out.add(Integer.parseInt(octets[2]) << 8 | Integer.parseInt(octets[3]));
      } else {
        out.add(Integer.parseInt(part, 16));
      }
    }
    return out;
  }
}
