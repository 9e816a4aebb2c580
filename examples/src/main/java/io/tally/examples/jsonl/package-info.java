/**
 * A custom connection-log backend in as few lines as the SPI allows: {@link
 * io.tally.examples.jsonl.JsonLinesBackend} writes one JSON object per event, and {@link
 * io.tally.examples.jsonl.JsonLinesBackendProvider} registers it under the name {@code jsonl}.
 */
package io.tally.examples.jsonl;
