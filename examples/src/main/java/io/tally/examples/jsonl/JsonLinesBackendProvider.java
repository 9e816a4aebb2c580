package io.tally.examples.jsonl;

import io.tally.core.backend.Backend;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.spi.BackendProvider;
import io.tally.core.spi.ProviderContext;
import java.nio.file.Path;

/**
 * Makes {@link JsonLinesBackend} available as backend {@code jsonl} ({@code
 * tally.backends=db,jsonl}), writing to {@code tally.backend.jsonl.file} (default {@code
 * tally-connections.jsonl}). Registered in {@code
 * META-INF/services/io.tally.core.spi.BackendProvider}.
 */
// tag::provider[]
public final class JsonLinesBackendProvider implements BackendProvider {
  @Override
  public String name() {
    return "jsonl";
  }

  @Override
  public Backend<ConnectionEvent> create(ProviderContext context) {
    String file =
        context.config().property("tally.backend.jsonl.file").orElse("tally-connections.jsonl");
    return new JsonLinesBackend(Path.of(file));
  }
}
// end::provider[]
