package io.tally.backend.nats;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JetStream stream that carries connection events: its name, the subject events are published
 * to, and the settings it is created with or checked against when a {@link NatsBackend} or {@link
 * NatsRelay} starts. Immutable.
 *
 * <p>The stream always has work-queue retention (a message is removed once the relay acknowledged
 * it), {@code discard: new} (a full stream refuses new messages, so the publisher is told and never
 * an unrelayed message is dropped) and file storage. {@link #replicas()}, {@link
 * #duplicateWindow()}, {@link #maxBytes()} and {@link #maxMessages()} are configurable. When the
 * stream exists, each of these must match (the subjects must include {@link #subject()}); a
 * difference is a start-up error that names the setting. When it does not exist and {@link
 * #create()} is false, that is a start-up error too.
 */
public final class NatsStream {
  private static final Logger log = LoggerFactory.getLogger(NatsStream.class);

  /** Default number of stream replicas: {@value}. */
  public static final int DEFAULT_REPLICAS = 1;

  /** Default duplicate window (a re-publish of an event id within it is stored once): 2 minutes. */
  public static final Duration DEFAULT_DUPLICATE_WINDOW = Duration.ofMinutes(2);

  /** JetStream's "stream not found" error code. */
  private static final int STREAM_NOT_FOUND = 10059;

  private final String name;
  private final String subject;
  private final int replicas;
  private final Duration duplicateWindow;
  private final long maxBytes;
  private final long maxMessages;
  private final boolean create;
  private final String keyPrefix;

  private NatsStream(Builder b) {
    this.name = b.name;
    this.subject = b.subject;
    this.replicas = b.replicas;
    this.duplicateWindow = b.duplicateWindow;
    this.maxBytes = b.maxBytes;
    this.maxMessages = b.maxMessages;
    this.create = b.create;
    this.keyPrefix = b.keyPrefix;
  }

  /**
   * Starts a builder for the stream of the default table prefix: name {@code TALLY_CONNECTION_LOG},
   * subject {@code tally_connection_log}.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the default subject for a table prefix: {@code <prefix>connection_log}, for example
   * {@code tally_connection_log}.
   *
   * @param tablePrefix the table prefix (letters, digits and underscores), possibly empty
   * @return the subject
   */
  public static String defaultSubject(String tablePrefix) {
    return Objects.requireNonNull(tablePrefix, "tablePrefix") + "connection_log";
  }

  /**
   * Returns the default stream name for a table prefix: the default subject in upper case, for
   * example {@code TALLY_CONNECTION_LOG}.
   *
   * @param tablePrefix the table prefix, possibly empty
   * @return the stream name
   */
  public static String defaultName(String tablePrefix) {
    return defaultSubject(tablePrefix).toUpperCase(java.util.Locale.ROOT);
  }

  /**
   * @return the stream's name
   */
  public String name() {
    return name;
  }

  /**
   * @return the subject events are published to
   */
  public String subject() {
    return subject;
  }

  /**
   * @return the number of replicas
   */
  public int replicas() {
    return replicas;
  }

  /**
   * @return the duplicate window
   */
  public Duration duplicateWindow() {
    return duplicateWindow;
  }

  /**
   * @return the stream's byte limit, or -1 for none
   */
  public long maxBytes() {
    return maxBytes;
  }

  /**
   * @return the stream's message limit, or -1 for none
   */
  public long maxMessages() {
    return maxMessages;
  }

  /**
   * @return whether a missing stream is created at start
   */
  public boolean create() {
    return create;
  }

  /**
   * Creates the stream if it is missing (and {@link #create()} allows), or checks it.
   *
   * @throws IllegalStateException if the stream is missing and may not be created, or differs
   * @throws IOException if the server cannot be reached
   * @throws JetStreamApiException if the server refuses a request
   */
  void ensure(JetStreamManagement jsm) throws IOException, JetStreamApiException {
    StreamInfo info = info(jsm);
    if (info == null) {
      if (!create) {
        throw new IllegalStateException(
            "the JetStream stream '"
                + name
                + "' does not exist and "
                + key("create-stream")
                + " is false: create it (work-queue retention, discard new, file storage, subject '"
                + subject
                + "') or allow Tally to");
      }
      try {
        jsm.addStream(configuration());
        log.info(
            "created the JetStream stream '{}' (subject '{}', {} replica(s))",
            name,
            subject,
            replicas);
        return;
      } catch (JetStreamApiException e) {
        info = info(jsm); // another replica may have created it meanwhile
        if (info == null) {
          throw e;
        }
      }
    }
    check(info.getConfiguration());
  }

  private @Nullable StreamInfo info(JetStreamManagement jsm)
      throws IOException, JetStreamApiException {
    try {
      return jsm.getStreamInfo(name);
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == STREAM_NOT_FOUND || e.getErrorCode() == 404) {
        return null;
      }
      throw e;
    }
  }

  StreamConfiguration configuration() {
    return StreamConfiguration.builder()
        .name(name)
        .subjects(subject)
        .storageType(StorageType.File)
        .retentionPolicy(RetentionPolicy.WorkQueue)
        .discardPolicy(DiscardPolicy.New)
        .replicas(replicas)
        .duplicateWindow(duplicateWindow)
        .maxBytes(maxBytes)
        .maxMessages(maxMessages)
        .build();
  }

  /**
   * @throws IllegalStateException naming every setting the existing stream differs in
   */
  void check(StreamConfiguration existing) {
    List<String> problems = new ArrayList<>();
    if (!covers(existing.getSubjects(), subject)) {
      problems.add(
          "its subjects "
              + existing.getSubjects()
              + " do not include '"
              + subject
              + "' ("
              + key("subject")
              + ")");
    }
    if (existing.getRetentionPolicy() != RetentionPolicy.WorkQueue) {
      problems.add(
          "its retention is "
              + existing.getRetentionPolicy()
              + " but must be "
              + RetentionPolicy.WorkQueue);
    }
    if (existing.getDiscardPolicy() != DiscardPolicy.New) {
      problems.add(
          "its discard policy is "
              + existing.getDiscardPolicy()
              + " but must be "
              + DiscardPolicy.New);
    }
    if (existing.getStorageType() != StorageType.File) {
      problems.add(
          "its storage is " + existing.getStorageType() + " but must be " + StorageType.File);
    }
    if (existing.getReplicas() != replicas) {
      problems.add(
          "it has "
              + existing.getReplicas()
              + " replica(s) but "
              + key("replicas")
              + " is "
              + replicas);
    }
    if (!duplicateWindow.equals(existing.getDuplicateWindow())) {
      problems.add(
          "its duplicate window is "
              + existing.getDuplicateWindow()
              + " but "
              + key("duplicate-window")
              + " is "
              + duplicateWindow);
    }
    if (maxBytes != existing.getMaxBytes()) {
      problems.add(
          "its byte limit is "
              + existing.getMaxBytes()
              + " but "
              + key("max-bytes")
              + " is "
              + maxBytes);
    }
    if (maxMessages != existing.getMaxMsgs()) {
      problems.add(
          "its message limit is "
              + existing.getMaxMsgs()
              + " but "
              + key("max-messages")
              + " is "
              + maxMessages);
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "the JetStream stream '"
              + name
              + "' ("
              + key("stream")
              + ") differs from the configuration: "
              + String.join("; ", problems)
              + ". Change the stream (nats stream edit) or the settings; Tally never changes an existing stream");
    }
  }

  String key(String suffix) {
    return keyPrefix + suffix;
  }

  /**
   * @return whether one of {@code patterns} (NATS wildcards {@code *} and {@code >}) matches {@code
   *     subject}
   */
  static boolean covers(@Nullable List<String> patterns, String subject) {
    if (patterns == null) {
      return false;
    }
    String[] s = subject.split("\\.", -1);
    for (String pattern : patterns) {
      String[] p = pattern.split("\\.", -1);
      boolean match = true;
      for (int i = 0; i < p.length && match; i++) {
        if (p[i].equals(">")) {
          if (s.length > i) {
            return true;
          }
          match = false;
        } else if (i >= s.length || !(p[i].equals("*") || p[i].equals(s[i]))) {
          match = false;
        } else if (i == p.length - 1 && s.length != p.length) {
          match = false;
        }
      }
      if (match) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "NatsStream{name="
        + name
        + ", subject="
        + subject
        + ", replicas="
        + replicas
        + ", duplicateWindow="
        + duplicateWindow
        + ", maxBytes="
        + maxBytes
        + ", maxMessages="
        + maxMessages
        + ", create="
        + create
        + '}';
  }

  /** Builds a {@link NatsStream}; not thread-safe. */
  public static final class Builder {
    private String name = defaultName("tally_");
    private String subject = defaultSubject("tally_");
    private int replicas = DEFAULT_REPLICAS;
    private Duration duplicateWindow = DEFAULT_DUPLICATE_WINDOW;
    private long maxBytes = -1;
    private long maxMessages = -1;
    private boolean create = true;
    private String keyPrefix = NatsBackendProvider.PREFIX;

    private Builder() {}

    /**
     * @param name the stream's name: letters, digits, {@code _} and {@code -}, at most 64
     * @return this
     */
    public Builder name(String name) {
      Objects.requireNonNull(name, "name");
      if (!name.matches("[A-Za-z0-9_-]{1,64}")) {
        throw new IllegalArgumentException(
            "stream name was '"
                + Wire.shorten(name)
                + "' but must be 1 to 64 letters, digits, '_' or '-'");
      }
      this.name = name;
      return this;
    }

    /**
     * @param subject the subject: tokens of letters, digits, {@code _} and {@code -} separated by
     *     {@code .}, no wildcards
     * @return this
     */
    public Builder subject(String subject) {
      Objects.requireNonNull(subject, "subject");
      if (!subject.matches("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*") || subject.length() > 255) {
        throw new IllegalArgumentException(
            "subject was '"
                + Wire.shorten(subject)
                + "' but must be dot-separated tokens of letters, digits, '_' or '-' (no wildcards), at most 255 characters");
      }
      this.subject = subject;
      return this;
    }

    /**
     * @param replicas stream replicas, 1 to 5
     * @return this
     */
    public Builder replicas(int replicas) {
      if (replicas < 1 || replicas > 5) {
        throw new IllegalArgumentException("replicas was " + replicas + " but must be 1 to 5");
      }
      this.replicas = replicas;
      return this;
    }

    /**
     * @param duplicateWindow the duplicate window; positive
     * @return this
     */
    public Builder duplicateWindow(Duration duplicateWindow) {
      Objects.requireNonNull(duplicateWindow, "duplicateWindow");
      if (duplicateWindow.isZero() || duplicateWindow.isNegative()) {
        throw new IllegalArgumentException(
            "duplicateWindow was " + duplicateWindow + " but must be positive");
      }
      this.duplicateWindow = duplicateWindow;
      return this;
    }

    /**
     * @param maxBytes the stream's byte limit, or -1 for none
     * @return this
     */
    public Builder maxBytes(long maxBytes) {
      if (maxBytes < 1 && maxBytes != -1) {
        throw new IllegalArgumentException(
            "maxBytes was " + maxBytes + " but must be positive or -1 (none)");
      }
      this.maxBytes = maxBytes;
      return this;
    }

    /**
     * @param maxMessages the stream's message limit, or -1 for none
     * @return this
     */
    public Builder maxMessages(long maxMessages) {
      if (maxMessages < 1 && maxMessages != -1) {
        throw new IllegalArgumentException(
            "maxMessages was " + maxMessages + " but must be positive or -1 (none)");
      }
      this.maxMessages = maxMessages;
      return this;
    }

    /**
     * @param create whether a missing stream is created (default true)
     * @return this
     */
    public Builder create(boolean create) {
      this.create = create;
      return this;
    }

    /** The prefix of the setting names errors mention (the provider's keys by default). */
    Builder keyPrefix(String keyPrefix) {
      this.keyPrefix = keyPrefix;
      return this;
    }

    /**
     * @return the stream description
     */
    public NatsStream build() {
      return new NatsStream(this);
    }
  }
}
