package io.tally.testkit;

import io.tally.core.lastused.LastUsedStore;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

class InMemoryLastUsedStoreContractTest extends LastUsedStoreContract<UUID> {
  private final InMemoryLastUsedStore<UUID> memory = new InMemoryLastUsedStore<>();

  @Override
  protected LastUsedStore<UUID> createStore() {
    return memory;
  }

  @Override
  protected UUID newKey() {
    return UUID.randomUUID();
  }

  @Override
  protected Optional<Instant> storedTime(UUID id) {
    return memory.lastUsed(id);
  }
}
