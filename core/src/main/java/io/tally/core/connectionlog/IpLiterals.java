package io.tally.core.connectionlog;

/**
 * Checks that a string is an IPv4 or IPv6 host address literal (no host names, no prefix length,
 * no zone), without any lookup. PostgreSQL's {@code inet} accepts every string this accepts.
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
}
