package io.tally.testkit;

import io.tally.core.usagestats.UsageStatsStore;

class InMemoryUsageStatsStoreTest extends UsageStatsStoreContract {
  @Override
  protected UsageStatsStore newStore() {
    return new InMemoryUsageStatsStore();
  }
}
