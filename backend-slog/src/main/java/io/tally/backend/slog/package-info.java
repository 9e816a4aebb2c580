/**
 * A connection-log backend that writes structured log events through SLF4J 2's fluent API:
 * {@link io.tally.backend.slog.SlogBackend}. Pair it with any SLF4J 2 binding; with logback 1.5's
 * {@code ch.qos.logback.classic.encoder.JsonEncoder} each event becomes one JSON line whose
 * {@code kvpList} holds the fields (the module's test resources hold an example configuration,
 * {@code logback-json-example.xml}). An event looks like:
 *
 * <pre>
 * {"sequenceNumber":0,"timestamp":1767225600000,..."level":"INFO",
 *  "loggerName":"io.tally.connection_log",..."message":"connection_log",
 *  "kvpList": [{"id":"6f0c…"},{"time":"2026-01-01T00:00:00Z"},…,{"ip":"[redacted]"},…,
 *   {"connection_status":"disconnected"},{"disconnect_reason":"bye"},…]}
 * </pre>
 *
 * <p>Choices made here: keys are the table's snake_case column names plus {@code time} and
 * {@code connection_status} (as in the slog exporter of Coder's control plane (Go)); absent values
 * are logged as {@code null} so every event has every key; redaction names are checked against
 * the key list so a typo fails at build time; the level check comes first, so a disabled logger
 * costs one call.
 */
@NullMarked
package io.tally.backend.slog;

import org.jspecify.annotations.NullMarked;
