package io.tally.testkit;

import io.tally.core.connectionlog.ConnectionLogStore;
import java.util.List;

class InMemoryConnectionLogStoreTest extends ConnectionLogStoreContract {
  private final InMemoryConnectionLogStore store = new InMemoryConnectionLogStore();

  @Override
  protected ConnectionLogStore createStore() {
    return store;
  }

  @Override
  protected List<ConnectionLogRow> storedRows() {
    return store.rows();
  }
}
