/**
 * A connection-log backend that writes structured log events through SLF4J 2's fluent API: {@link
 * io.tally.backend.slog.SlogBackend}. Pair it with any SLF4J 2 binding; with logback 1.5's {@code
 * ch.qos.logback.classic.encoder.JsonEncoder} each event becomes one JSON line whose {@code
 * kvpList} holds the fields (the module's test resources hold an example configuration, {@code
 * logback-json-example.xml}). An event looks like:
 *
 * <pre>
 * {"sequenceNumber":0,"timestamp":1767225600000,..."level":"INFO",
 *  "loggerName":"io.tally.connection_log",..."message":"connection_log",
 *  "kvpList": [{"id":"6f0c…"},{"time":"2026-01-01T00:00:00Z"},…,{"ip":"[redacted]"},…,
 *   {"connection_status":"disconnected"},{"disconnect_reason":"bye"},…]}
 * </pre>
 *
 * <p>Choices made here: keys are the table's snake_case column names plus {@code time} and {@code
 * connection_status} (as in the slog exporter of Coder's control plane (Go)); absent values are
 * logged as {@code null} so every event has every key; redaction names are checked against the key
 * list so a typo fails at build time; the level check comes first, so a disabled logger costs one
 * call.
 *
 * <table>
 *   <caption>Keys of the {@code slog} backend, checked when Tally starts</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code tally.backend.slog.logger}</td><td>{@code io.tally.connection_log}</td>
 *       <td>the SLF4J logger the {@code slog} backend writes to; not empty</td></tr>
 *   <tr><td>{@code tally.backend.slog.level}</td><td>{@code info}</td>
 *       <td>the level of its log lines: {@code trace}, {@code debug}, {@code info}, {@code warn}
 *       or {@code error}</td></tr>
 *   <tr><td>{@code tally.backend.slog.redacted-fields}</td><td>(none)</td>
 *       <td>event fields the {@code slog} backend logs as {@code [redacted]}, comma-separated,
 *       as it names them ({@code ip}, {@code user_agent}, …; see {@code SlogBackend.FIELDS})</td></tr>
 * </table>
 *
 * <p>The keys are declared by {@link io.tally.backend.slog.SlogBackendProvider#keys()}: a bad
 * value, or any other key under {@code tally.backend.slog.} (a typo), fails {@code Tally.start} in
 * one {@code ConfigException} with every other problem. Set them as text ({@code
 * tally.backend.slog.level=warn}) or typed: {@code
 * TallyConfig.builder().set(SlogBackendProvider.LEVEL, Level.WARN)}.
 */
@NullMarked
package io.tally.backend.slog;

import org.jspecify.annotations.NullMarked;
