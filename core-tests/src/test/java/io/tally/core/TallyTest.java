package io.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import io.tally.core.backend.Backend;
import io.tally.core.backend.FanOut;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionType;
import io.tally.core.spi.BackendProvider;
import io.tally.core.spi.ProviderContext;
import io.tally.core.spi.ProviderLoader;
import io.tally.core.spi.StoreProvider;
import io.tally.core.spi.Stores;
import io.tally.core.spi.TrackerProvider;
import io.tally.core.usagestats.ReplicaUsage;
import io.tally.testkit.Await;
import io.tally.testkit.InMemoryConnectionLogStore;
import io.tally.testkit.InMemoryLastUsedStore;
import io.tally.testkit.InMemoryUsageStatsStore;
import io.tally.testkit.ManualClock;
import io.tally.testkit.RecordingBackend;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Wiring with fake providers: discovery rules, start and stop order, Guice overrides. */
class TallyTest {
  private static final UUID REPLICA = UUID.fromString("00000000-0000-0000-0000-00000000000a");
  private static final UUID WORKSPACE = UUID.fromString("00000000-0000-0000-0000-000000000001");
  private static final UUID USER = UUID.fromString("00000000-0000-0000-0000-000000000002");

  private final List<String> order = Collections.synchronizedList(new ArrayList<>());
  private final ManualClock clock = ManualClock.create();

  // ---- fakes

  /** A store provider over the testkit's in-memory stores, recording what happens to it. */
  class MemoryStores implements StoreProvider {
    final String name;
    final InMemoryLastUsedStore<UUID> lastUsed = new InMemoryLastUsedStore<>();
    final InMemoryUsageStatsStore usageStats = new InMemoryUsageStatsStore();
    final InMemoryConnectionLogStore connectionLog = new InMemoryConnectionLogStore();
    final AtomicInteger opened = new AtomicInteger();
    ProviderContext context;

    MemoryStores(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public Stores open(ProviderContext context) {
      this.context = context;
      opened.incrementAndGet();
      order.add("open " + name);
      return Stores.of(
          lastUsed,
          usageStats,
          connectionLog,
          () -> order.add("migrate " + name),
          () -> order.add("close " + name));
    }
  }

  /** The same, as a second class, for duplicate-name tests. */
  class OtherMemoryStores extends MemoryStores {
    OtherMemoryStores(String name) {
      super(name);
    }
  }

  /** A backend provider whose backend records events and its close. */
  class Recording implements BackendProvider {
    final String name;
    final List<ConnectionEvent> events = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger created = new AtomicInteger();
    ProviderContext context;

    Recording(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public Backend<ConnectionEvent> create(ProviderContext context) {
      this.context = context;
      created.incrementAndGet();
      order.add("create " + name);
      return new Backend<>() {
        @Override
        public void write(ConnectionEvent event) {
          events.add(event);
        }

        @Override
        public void close() {
          order.add("close " + name);
        }
      };
    }
  }

  /** A tracker provider whose component records its close. */
  class Extra implements TrackerProvider {
    @Override
    public String name() {
      return "extra";
    }

    @Override
    public TallyComponent create(ProviderContext context) {
      order.add("create extra");
      return new TallyComponent() {
        @Override
        public String name() {
          return "extra";
        }

        @Override
        public ComponentStats stats() {
          return ComponentStats.builder("extra").accepted(7).flushedRows(7).build();
        }

        @Override
        public Health health() {
          return Health.DEGRADED;
        }

        @Override
        public void close() {
          order.add("close extra");
        }
      };
    }
  }

  private static TallyConfig.Builder config() {
    return TallyConfig.builder()
        .store("memory")
        .backends("rec")
        .replicaId(REPLICA)
        .lastUsedFlushInterval(Duration.ofSeconds(10))
        .usageStatsFlushInterval(Duration.ofSeconds(10))
        .batchFlushInterval(Duration.ofSeconds(5));
  }

  private Module manualClock() {
    return binder -> binder.bind(Clock.class).toInstance(clock);
  }

  private static ConnectionEvent connect(UUID connectionId, Instant at) {
    return ConnectionEvent.builder()
        .organizationId(UUID.fromString("00000000-0000-0000-0000-000000000003"))
        .workspaceOwnerId(USER)
        .workspaceId(WORKSPACE)
        .workspaceName("ws")
        .agentName("main")
        .type(ConnectionType.SSH)
        .userId(USER)
        .ip("10.0.0.7")
        .connectionId(connectionId)
        .connect(at);
  }

  // ---- discovery

  @Test
  void seamWithNoProvidersReportsEveryMissingName() {
    TallyModule.Builder module =
        TallyModule.builder(TallyConfig.builder().backends("db", "slog").trackers("x").build())
            .loader(ProviderLoader.of());

    ConfigException e = catchThrowableOfType(ConfigException.class, module::build);

    assertThat(e.problems())
        .containsExactly(
            "tally.store names 'h2' but no StoreProvider has that name; found: none."
                + " Add io.tally:tally-store-h2 to your dependencies."
                + " tally.store was not set: 'h2' is the default",
            "tally.backends names 'db' but no BackendProvider has that name; found: none",
            "tally.backends names 'slog' but no BackendProvider has that name; found: none."
                + " Add io.tally:tally-backend-slog to your dependencies",
            "tally.trackers names 'x' but no TrackerProvider has that name; found: none");
  }

  @Test
  void unknownNameListsTheNamesFound() {
    TallyModule.Builder module =
        TallyModule.builder(config().store("mysql").backends("rec", "jsonl").build())
            .loader(
                ProviderLoader.of(
                    new MemoryStores("memory"), new MemoryStores("h2"), new Recording("rec")));

    ConfigException e = catchThrowableOfType(ConfigException.class, module::build);

    assertThat(e.problems())
        .containsExactly(
            "tally.store names 'mysql' but no StoreProvider has that name; found: h2, memory",
            "tally.backends names 'jsonl' but no BackendProvider has that name; found: rec");
  }

  @Test
  void duplicateNamesFailNamingBothClasses() {
    TallyModule.Builder module =
        TallyModule.builder(config().build())
            .loader(
                ProviderLoader.of(
                    new MemoryStores("memory"),
                    new OtherMemoryStores("memory"),
                    new Recording("rec")));

    ConfigException e = catchThrowableOfType(ConfigException.class, module::build);

    assertThat(e.problems())
        .containsExactly(
            "tally.store names 'memory' but 2 StoreProviders on the class path have that name: "
                + MemoryStores.class.getName()
                + " and "
                + OtherMemoryStores.class.getName());
  }

  @Test
  void explicitInstanceWinsOverDiscovery() {
    MemoryStores discovered = new MemoryStores("memory");
    MemoryStores explicit = new OtherMemoryStores("memory");
    Recording discoveredBackend = new Recording("rec");
    Recording explicitBackend = new Recording("rec");
    TallyModule module =
        TallyModule.builder(config().build())
            .loader(
                ProviderLoader.of(discovered, new OtherMemoryStores("memory"), discoveredBackend))
            .storeProvider(explicit)
            .backendProvider(explicitBackend)
            .build();

    try (Tally tally = Tally.start(module, manualClock())) {
      tally.connectionLog().write(connect(UUID.randomUUID(), clock.now()));

      assertThat(explicit.opened).hasValue(1);
      assertThat(discovered.opened).hasValue(0);
      assertThat(explicitBackend.events).hasSize(1);
      assertThat(discoveredBackend.created).hasValue(0);
    }
  }

  @Test
  void onlyConfiguredProvidersAreAskedToCreateAnything() {
    MemoryStores used = new MemoryStores("memory");
    MemoryStores unused = new MemoryStores("other");
    Recording rec = new Recording("rec");
    Recording idle = new Recording("idle");
    TallyModule module =
        TallyModule.builder(config().build())
            .loader(ProviderLoader.of(used, unused, rec, idle))
            .build();

    Tally.start(module, manualClock()).close();

    assertThat(used.opened).hasValue(1);
    assertThat(unused.opened).hasValue(0);
    assertThat(rec.created).hasValue(1);
    assertThat(idle.created).hasValue(0);
  }

  @Test
  void moduleDoesNoIoUntilTallyStarts() {
    MemoryStores stores = new MemoryStores("memory");
    Recording rec = new Recording("rec");
    TallyModule module =
        TallyModule.builder(config().build()).loader(ProviderLoader.of(stores, rec)).build();

    Injector injector = Guice.createInjector(module);

    assertThat(order).isEmpty();
    FanOut<ConnectionEvent> fanOut = injector.getInstance(TallyModule.FAN_OUT);
    assertThat(injector.getInstance(Key.get(TallyModule.BACKEND, ConnectionLog.class)))
        .isSameAs(fanOut);
    assertThat(order).containsExactly("open memory", "create rec");
    assertThat(injector.getInstance(Clock.class)).isSameAs(Clock.system());
    fanOut.close();
    injector.getInstance(Stores.class).close();
  }

  // ---- lifecycle

  @Test
  void startsInOrderAndStopsInReverseOrder() {
    MemoryStores stores = new MemoryStores("memory");
    Recording rec = new Recording("rec");
    TallyModule module =
        TallyModule.builder(config().trackers("extra").build())
            .loader(ProviderLoader.of(stores, rec, new Extra()))
            .build();

    Tally tally = Tally.start(module, manualClock());
    List<String> started = new ArrayList<>(order);
    tally.close();
    tally.close();

    assertThat(started)
        .containsExactly("open memory", "migrate memory", "create rec", "create extra");
    // The components close in parallel (one budget for all), the stores last.
    List<String> closed = order.subList(started.size(), order.size());
    assertThat(closed).hasSize(3).endsWith("close memory");
    assertThat(closed.subList(0, 2)).containsExactlyInAnyOrder("close extra", "close rec");
    assertThatThrownBy(() -> tally.lastUsed().markUsed(WORKSPACE))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void migrationsRunOnlyWhenConfigured() {
    MemoryStores stores = new MemoryStores("memory");
    TallyModule module =
        TallyModule.builder(config().migrateOnStart(false).build())
            .loader(ProviderLoader.of(stores, new Recording("rec")))
            .build();

    Tally.start(module, manualClock()).close();

    assertThat(order).containsExactly("open memory", "create rec", "close rec", "close memory");
  }

  @Test
  void aFailedStartClosesWhatHadStartedAndThrowsTheCause() {
    MemoryStores stores = new MemoryStores("memory");
    TallyModule module =
        TallyModule.builder(config().backends("broken").build())
            .loader(ProviderLoader.of(stores, broken()))
            .build();

    assertThatThrownBy(() -> Tally.start(module, manualClock()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("cannot reach the log service");
    assertThat(order).containsExactly("open memory", "migrate memory", "close memory");
  }

  @Test
  void aBackendCreatedBeforeAFailingOneIsClosedToo() {
    MemoryStores stores = new MemoryStores("memory");
    TallyModule module =
        TallyModule.builder(config().backends("rec", "broken").build())
            .loader(ProviderLoader.of(stores, new Recording("rec"), broken()))
            .build();

    assertThatThrownBy(() -> Tally.start(module, manualClock()))
        .hasMessage("cannot reach the log service");
    assertThat(order)
        .containsExactly(
            "open memory", "migrate memory", "create rec", "close rec", "close memory");
  }

  @Test
  void anErrorDuringStartClosesWhatHadStartedAndIsRethrownAsItIs() {
    MemoryStores stores = new MemoryStores("memory");
    StackOverflowError error = new StackOverflowError("deep in a backend");
    BackendProvider overflowing =
        new BackendProvider() {
          @Override
          public String name() {
            return "overflowing";
          }

          @Override
          public Backend<ConnectionEvent> create(ProviderContext context) {
            throw error;
          }
        };
    TallyModule module =
        TallyModule.builder(config().backends("rec", "overflowing").build())
            .loader(ProviderLoader.of(stores, new Recording("rec"), overflowing))
            .build();

    Throwable thrown = catchThrowable(() -> Tally.start(module, manualClock()));

    assertThat(thrown).isSameAs(error);
    assertThat(order)
        .containsExactly(
            "open memory", "migrate memory", "create rec", "close rec", "close memory");
  }

  @Test
  void anErrorOutsideGuiceClosesWhatHadStartedToo() {
    AssertionError error = new AssertionError("migration check failed");
    StoreProvider failingMigration =
        new StoreProvider() {
          @Override
          public String name() {
            return "memory";
          }

          @Override
          public Stores open(ProviderContext context) {
            order.add("open memory");
            return Stores.of(
                new InMemoryLastUsedStore<UUID>(),
                new InMemoryUsageStatsStore(),
                new InMemoryConnectionLogStore(),
                () -> {
                  throw error;
                },
                () -> order.add("close memory"));
          }
        };
    TallyModule module =
        TallyModule.builder(config().build())
            .loader(ProviderLoader.of(failingMigration, new Recording("rec")))
            .build();

    Throwable thrown = catchThrowable(() -> Tally.start(module, manualClock()));

    assertThat(thrown).isSameAs(error);
    assertThat(order).containsExactly("open memory", "close memory");
  }

  private static BackendProvider broken() {
    return new BackendProvider() {
      @Override
      public String name() {
        return "broken";
      }

      @Override
      public Backend<ConnectionEvent> create(ProviderContext context) {
        throw new IllegalStateException("cannot reach the log service");
      }
    };
  }

  @Test
  void statsAndHealthCoverEveryComponent() {
    TallyModule module =
        TallyModule.builder(config().backends("db", "rec").trackers("extra").build())
            .storeProvider(new MemoryStores("memory"))
            .backendProvider(new Recording("rec"))
            .trackerProvider(new Extra())
            .build();

    try (Tally tally = Tally.start(module, manualClock())) {
      assertThat(tally.stats())
          .extracting(ComponentStats::component)
          .containsExactly("connection-log", "last-used", "usage-stats", "usage-reporter", "extra");
      assertThat(tally.stats().get(4).accepted()).isEqualTo(7);
      assertThat(tally.health()).isEqualTo(Health.DEGRADED);
      assertThat(tally.config().replicaId()).isEqualTo(REPLICA);
    }
  }

  @Test
  void twoTallysFromTwoConfigurationsWithoutAReplicaIdKeepSeparateUsageRows() {
    MemoryStores stores = new MemoryStores("memory");
    List<UUID> replicas = new ArrayList<>();
    List<Tally> started = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        TallyConfig config =
            TallyConfig.builder()
                .store("memory")
                .backends()
                .usageStatsFlushInterval(Duration.ofSeconds(10))
                .build();
        replicas.add(config.replicaId());
        Tally tally =
            Tally.start(
                TallyModule.builder(config).loader(ProviderLoader.of(stores)).build(),
                manualClock());
        started.add(tally);
        tally.usageStats().track(WORKSPACE, USER, i + 1, 0);
      }
      clock.advance(Duration.ofSeconds(10));

      assertThat(replicas.get(0)).isNotEqualTo(replicas.get(1));
      assertThat(stores.usageStats.replicaUsage())
          .extracting(ReplicaUsage::replicaId, ReplicaUsage::allowedRequests)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple(replicas.get(0), 1L),
              org.assertj.core.groups.Tuple.tuple(replicas.get(1), 2L));
    } finally {
      started.forEach(Tally::close);
    }
  }

  // ---- Guice

  @Test
  void overrideReplacesTheClockAndEveryComponentUsesIt() {
    MemoryStores stores = new MemoryStores("memory");
    Recording rec = new Recording("rec");
    TallyModule module =
        TallyModule.builder(config().backends("db", "rec").build())
            .storeProvider(stores)
            .backendProvider(rec)
            .build();
    UUID connection = UUID.fromString("00000000-0000-0000-0000-0000000000c1");

    try (Tally tally = Tally.start(module, manualClock())) {
      tally.lastUsed().markUsed(WORKSPACE);
      tally.usageStats().track(WORKSPACE, USER, 3, 1);
      tally.connectionLog().write(connect(connection, clock.now()));
      assertThat(stores.lastUsed.snapshot()).isEmpty();

      clock.advance(Duration.ofSeconds(10)); // every timer is on the manual clock

      assertThat(stores.lastUsed.snapshot())
          .containsExactly(java.util.Map.entry(WORKSPACE, ManualClock.DEFAULT_START));
      assertThat(stores.usageStats.replicaUsage())
          .extracting(ReplicaUsage::replicaId, ReplicaUsage::allowedRequests)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(REPLICA, 3L));
      Await.until("the db backend wrote the event", () -> stores.connectionLog.rows().size() == 1);
      assertThat(stores.connectionLog.rows().get(0).connectionId()).isEqualTo(connection);
      assertThat(stores.context.clock()).isSameAs(clock);
      assertThat(rec.context.clock()).isSameAs(clock);
      assertThat(rec.context.stores()).isNotNull();
    }
  }

  @Test
  void optionalBinderSetBindingAlsoReplacesTheClock() {
    MemoryStores stores = new MemoryStores("memory");
    TallyModule module =
        TallyModule.builder(config().build())
            .storeProvider(stores)
            .backendProvider(new Recording("rec"))
            .build();
    Module setBinding =
        binder ->
            OptionalBinder.newOptionalBinder(binder, Clock.class).setBinding().toInstance(clock);

    try (Tally tally = Tally.start(module, setBinding)) {
      assertThat(stores.context.clock()).isSameAs(clock);
      assertThat(tally.health()).isEqualTo(Health.HEALTHY);
    }
  }

  @Test
  void aThirdModuleAddsABackendThatReceivesEveryEvent() {
    RecordingBackend<ConnectionEvent> extra = RecordingBackend.create();
    Recording rec = new Recording("rec");
    TallyModule module =
        TallyModule.builder(config().build())
            .storeProvider(new MemoryStores("memory"))
            .backendProvider(rec)
            .build();
    Module third =
        binder ->
            Multibinder.newSetBinder(binder, new TypeLiteral<Backend<ConnectionEvent>>() {})
                .addBinding()
                .toInstance(extra);
    List<ConnectionEvent> written = new ArrayList<>();
    Function<Integer, ConnectionEvent> event =
        i -> connect(new UUID(0, i), clock.now().plusSeconds(i));

    try (Tally tally = Tally.start(module, manualClock(), third)) {
      for (int i = 1; i <= 3; i++) {
        ConnectionEvent e = event.apply(i);
        written.add(e);
        tally.connectionLog().write(e);
      }
    }

    assertThat(extra.events()).containsExactlyElementsOf(written);
    assertThat(rec.events).containsExactlyElementsOf(written);
    assertThat(extra.isClosed()).isTrue();
  }
}
