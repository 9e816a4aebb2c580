/**
 * The {@code nats} backend: a durable path for the connection log through NATS JetStream. A {@link
 * io.tally.backend.nats.NatsBackend} publishes each event to a stream; a {@link
 * io.tally.backend.nats.NatsRelay} (one or several, sharing one durable consumer) writes them to
 * the database and acknowledges them only after the batch that holds them is committed.
 *
 * <h2>Wire format, version 1</h2>
 *
 * <p>One message per event on the stream's subject, with header {@code Nats-Msg-Id} set to the
 * event id. The body is one UTF-8 JSON object:
 *
 * <table>
 *   <caption>Fields</caption>
 *   <tr><th>field</th><th>JSON type</th><th>required</th><th>meaning</th></tr>
 *   <tr><td>{@code v}</td><td>integer</td><td>yes</td><td>the format version: {@code 1}</td></tr>
 *   <tr><td>{@code id}</td><td>string (UUID)</td><td>yes</td><td>the event id (also {@code Nats-Msg-Id})</td></tr>
 *   <tr><td>{@code time}</td><td>string (time)</td><td>yes</td><td>when the event happened</td></tr>
 *   <tr><td>{@code organization_id}, {@code workspace_owner_id}, {@code workspace_id}</td>
 *       <td>string (UUID)</td><td>yes</td><td>the workspace and who owns it</td></tr>
 *   <tr><td>{@code workspace_name}, {@code agent_name}</td><td>string</td><td>yes</td><td></td></tr>
 *   <tr><td>{@code type}</td><td>string</td><td>yes</td><td>{@code ssh}, {@code vscode}, {@code
 *       jetbrains}, {@code reconnecting_pty}, {@code workspace_app}, {@code port_forwarding}, {@code
 *       tunnel}, {@code other}, or a newer type (1 to 64 characters)</td></tr>
 *   <tr><td>{@code status}</td><td>string</td><td>yes</td><td>{@code connected} or {@code disconnected}</td></tr>
 *   <tr><td>{@code connect_time}</td><td>string (time)</td><td>yes</td><td>the session's earliest connect time</td></tr>
 *   <tr><td>{@code disconnect_time}</td><td>string (time)</td><td>when disconnected</td><td>the latest disconnect time</td></tr>
 *   <tr><td>{@code code}</td><td>integer (32-bit)</td><td>no</td><td>exit or status code</td></tr>
 *   <tr><td>{@code ip}</td><td>string</td><td>no</td><td>IPv4 or IPv6 address literal</td></tr>
 *   <tr><td>{@code user_agent}, {@code slug_or_port}, {@code disconnect_reason}</td><td>string</td><td>no</td><td></td></tr>
 *   <tr><td>{@code user_id}, {@code connection_id}</td><td>string (UUID)</td><td>no</td><td>the user; the session</td></tr>
 * </table>
 *
 * <p>Times are RFC 3339 in UTC with up to nanosecond fractions ({@code
 * 2026-11-23T10:15:30.123456Z}); UUIDs are in canonical lower-case 8-4-4-4-12 form. An absent
 * optional field and {@code null} mean the same. Readers ignore fields they do not know, so a
 * version may gain optional fields without changing {@code v}; {@code v} changes only when the
 * meaning of an existing field changes. A relay terminates (and counts as {@code undecodable}) a
 * message whose {@code v} is above what it reads, so upgrade relays before publishers.
 *
 * <p>A {@code type} this version does not know (sent by a newer publisher) is not refused: the
 * event is stored under that type name as sent ({@code ConnectionEvent.typeName()}; its {@code
 * type()} is {@code OTHER}) and counted ({@code NatsRelay.unknownTypes()}). A message whose values
 * break the input rules ({@code io.tally.core.InputRules}: a NUL or a lone surrogate in a string, a
 * time outside years 1000 to 9999, an empty type or one past 64 characters) is terminated and
 * counted as {@code undecodable}, like one that is not JSON.
 *
 * <p>Example:
 *
 * <pre>{@code
 * {"v":1,"id":"0b6c…","time":"2026-11-23T10:15:30Z","organization_id":"…","workspace_owner_id":"…",
 *  "workspace_id":"…","workspace_name":"dev","agent_name":"main","type":"ssh","status":"connected",
 *  "connect_time":"2026-11-23T10:15:30Z","ip":"10.0.0.7","connection_id":"…"}
 * }</pre>
 *
 * <h2>Keys</h2>
 *
 * <p>Read by {@link io.tally.backend.nats.NatsBackendProvider} from {@code tally.backend.nats.}:
 * {@code url}, {@code stream}, {@code subject}, {@code create-stream}, {@code replicas}, {@code
 * duplicate-window}, {@code max-bytes}, {@code max-messages}, {@code max-in-flight}, {@code
 * synchronous}, {@code write-timeout}, {@code publish-timeout}, {@code retry.initial-backoff},
 * {@code retry.max-backoff}, {@code retry.max-attempts}, {@code shutdown-timeout}, {@code
 * relay.enabled}, {@code relay.durable}, {@code relay.batch-size}, {@code relay.flush-interval},
 * {@code relay.flush-timeout}, {@code relay.ack-wait}, {@code relay.max-ack-pending}, {@code
 * relay.retry.initial-backoff}, {@code relay.retry.max-backoff}, {@code relay.shutdown-timeout};
 * the README's table gives defaults and bounds. The provider declares them ({@code keys()}), so
 * Tally checks them when it starts, with core's syntax (durations {@code 250ms}, {@code 5s}, …,
 * positive and at most {@code 365d}), together with every other problem; any other key under {@code
 * tally.backend.nats.} is reported as a typo.
 */
@NullMarked
package io.tally.backend.nats;

import org.jspecify.annotations.NullMarked;
