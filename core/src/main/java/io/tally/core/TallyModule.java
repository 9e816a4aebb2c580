package io.tally.core;

import com.google.inject.AbstractModule;
import com.google.inject.Inject;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.Provides;
import com.google.inject.Scopes;
import com.google.inject.Singleton;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import io.tally.core.backend.Backend;
import io.tally.core.backend.FanOut;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionLogRetention;
import io.tally.core.lastused.LastUsedTracker;
import io.tally.core.spi.BackendProvider;
import io.tally.core.spi.ProviderContext;
import io.tally.core.spi.ProviderLoader;
import io.tally.core.spi.StoreProvider;
import io.tally.core.spi.Stores;
import io.tally.core.spi.TrackerProvider;
import io.tally.core.usagestats.UsageStatsReporter;
import io.tally.core.usagestats.UsageStatsTracker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The Guice module that wires Tally from a {@link TallyConfig}. It binds:
 *
 * <ul>
 *   <li>{@link TallyConfig};
 *   <li>{@link Clock} through {@link OptionalBinder}, default {@link Clock#system()}; replace it
 *       with {@code OptionalBinder.newOptionalBinder(binder, Clock.class).setBinding()} or with
 *       {@code Modules.override};
 *   <li>{@link Stores}, opened by the configured {@link StoreProvider}, and the {@link
 *       ProviderContext} handed to backend and tracker providers;
 *   <li>a {@code Multibinder<Backend<ConnectionEvent>>} holding one backend per configured {@link
 *       BackendProvider}; other modules may add their own with {@code
 *       Multibinder.newSetBinder(binder, new TypeLiteral<Backend<ConnectionEvent>>() {})
 *       .addBinding()};
 *   <li>{@code FanOut<ConnectionEvent>} over that set, also bound as {@code @}{@link ConnectionLog}
 *       {@code Backend<ConnectionEvent>};
 *   <li>{@code LastUsedTracker<UUID>}, {@link UsageStatsTracker}, {@link UsageStatsReporter} and
 *       {@link ConnectionLogRetention} (asked for by {@link Tally} only when {@code
 *       tally.connection-log.retention} is set), built from the stores, the clock and the
 *       configuration;
 *   <li>a {@code Multibinder<TallyComponent>} holding one component per configured {@link
 *       TrackerProvider}; other modules may add their own;
 *   <li>a {@code Multibinder<FlushListener>}, empty by default: every {@link FlushListener} in it
 *       sees every flush of the last-used and usage-stats trackers and of the {@code db} backend's
 *       batcher (and of what other providers build with {@link ProviderContext#flushListeners()}).
 *       Add one with {@link #flushListener(FlushListener)}.
 * </ul>
 *
 * <p>Everything is a lazy singleton, and the module itself does no I/O: providers are chosen (and
 * unknown or ambiguous names reported) when the module is built, but stores are opened, backends
 * created and trackers started only when the objects are first asked for, which {@link
 * Tally#start(TallyModule, com.google.inject.Module...)} does in a fixed order. Use {@link Tally}
 * rather than installing this module in an injector of your own: Tally runs the migrations and
 * closes everything in reverse order.
 */
public final class TallyModule extends AbstractModule {
  /** The key of the backend set: {@code Set<Backend<ConnectionEvent>>}. */
  static final TypeLiteral<Backend<ConnectionEvent>> BACKEND =
      new TypeLiteral<Backend<ConnectionEvent>>() {};

  /** The key of the fan-out: {@code FanOut<ConnectionEvent>}. */
  static final Key<FanOut<ConnectionEvent>> FAN_OUT =
      Key.get(new TypeLiteral<FanOut<ConnectionEvent>>() {});

  /** The key of the last-used tracker: {@code LastUsedTracker<UUID>}. */
  static final Key<LastUsedTracker<UUID>> LAST_USED =
      Key.get(new TypeLiteral<LastUsedTracker<UUID>>() {});

  /** The key of the extra components: {@code Set<TallyComponent>}. */
  static final Key<Set<TallyComponent>> COMPONENTS =
      Key.get(new TypeLiteral<Set<TallyComponent>>() {});

  private final TallyConfig config;
  private final StoreProvider storeProvider;
  private final List<BackendProvider> backendProviders;
  private final List<TrackerProvider> trackerProviders;

  private TallyModule(
      TallyConfig config,
      StoreProvider storeProvider,
      List<BackendProvider> backendProviders,
      List<TrackerProvider> trackerProviders) {
    this.config = config;
    this.storeProvider = storeProvider;
    this.backendProviders = List.copyOf(backendProviders);
    this.trackerProviders = List.copyOf(trackerProviders);
  }

  /**
   * Creates the module with the providers found by {@link ProviderLoader#serviceLoader()}.
   *
   * @param config the configuration
   * @return the module
   * @throws NullPointerException if {@code config} is null
   * @throws ConfigException if a configured provider name is unknown or ambiguous
   */
  public static TallyModule create(TallyConfig config) {
    return builder(config).build();
  }

  /**
   * Starts a builder, to choose the provider loader or pass providers explicitly.
   *
   * @param config the configuration
   * @return the builder
   * @throws NullPointerException if {@code config} is null
   */
  public static Builder builder(TallyConfig config) {
    return new Builder(config);
  }

  /**
   * Returns the configuration this module wires: the one given, with {@code tally.store} set to the
   * store chosen from {@code tally.jdbc.url} when it was not set.
   *
   * @return the configuration this module wires
   */
  public TallyConfig config() {
    return config;
  }

  @Override
  protected void configure() {
    bind(TallyConfig.class).toInstance(config);
    bind(Created.class).in(Scopes.SINGLETON);
    OptionalBinder.newOptionalBinder(binder(), Clock.class).setDefault().toInstance(Clock.system());
    Multibinder<Backend<ConnectionEvent>> backends = Multibinder.newSetBinder(binder(), BACKEND);
    for (BackendProvider provider : backendProviders) {
      backends.addBinding().toProvider(new CreatedBackend(provider)).in(Scopes.SINGLETON);
    }
    Multibinder<TallyComponent> components =
        Multibinder.newSetBinder(binder(), TallyComponent.class);
    for (TrackerProvider provider : trackerProviders) {
      components.addBinding().toProvider(new CreatedComponent(provider)).in(Scopes.SINGLETON);
    }
    bind(Key.get(BACKEND, ConnectionLog.class)).to(FAN_OUT);
    Multibinder.newSetBinder(binder(), FlushListener.class);
  }

  /**
   * Returns a module that adds {@code listener} to the {@code Multibinder<FlushListener>}, for
   * {@link Tally#start(TallyConfig, Module...)}: {@code Tally.start(config,
   * TallyModule.flushListener(metrics))}.
   *
   * @param listener the listener; it sees every flush of every component that flushes
   * @return the module
   * @throws NullPointerException if {@code listener} is null
   */
  public static Module flushListener(FlushListener listener) {
    Objects.requireNonNull(listener, "listener");
    return binder ->
        Multibinder.newSetBinder(binder, FlushListener.class).addBinding().toInstance(listener);
  }

  @Provides
  @Singleton
  Stores stores(TallyConfig config, Clock clock) {
    return storeProvider.open(ProviderContext.of(config, null, clock));
  }

  @Provides
  @Singleton
  ProviderContext providerContext(
      TallyConfig config, Stores stores, Clock clock, Set<FlushListener> listeners) {
    return ProviderContext.of(config, stores, clock, List.copyOf(listeners));
  }

  @Provides
  @Singleton
  FanOut<ConnectionEvent> connectionLog(Set<Backend<ConnectionEvent>> backends) {
    return FanOut.of(new ArrayList<>(backends));
  }

  @Provides
  @Singleton
  LastUsedTracker<UUID> lastUsed(
      TallyConfig config, Stores stores, Clock clock, Set<FlushListener> listeners) {
    LastUsedTracker.Builder<UUID> builder = LastUsedTracker.builder(stores.lastUsed());
    listeners.forEach(builder::flushListener);
    return builder
        .flushInterval(config.lastUsedFlushInterval())
        .flushTimeout(config.lastUsedFlushTimeout())
        .shutdownTimeout(config.lastUsedShutdownTimeout())
        .timestampMode(config.lastUsedTimestampMode())
        .healthPolicy(config.healthPolicy())
        .clock(clock)
        .build();
  }

  @Provides
  @Singleton
  UsageStatsTracker usageStats(
      TallyConfig config, Stores stores, Clock clock, Set<FlushListener> listeners) {
    UsageStatsTracker.Builder builder =
        UsageStatsTracker.builder(stores.usageStats(), config.replicaId());
    listeners.forEach(builder::flushListener);
    return builder
        .flushInterval(config.usageStatsFlushInterval())
        .flushTimeout(config.usageStatsFlushTimeout())
        .shutdownTimeout(config.usageStatsShutdownTimeout())
        .healthPolicy(config.healthPolicy())
        .clock(clock)
        .build();
  }

  @Provides
  @Singleton
  UsageStatsReporter usageReporter(TallyConfig config, Stores stores, Clock clock) {
    return UsageStatsReporter.builder(stores.usageStats())
        .period(config.usageReportPeriod())
        .reporterId(config.replicaId().toString())
        .timeout(config.usageStatsFlushTimeout())
        .healthPolicy(config.healthPolicy())
        .clock(clock)
        .build();
  }

  @Provides
  @Singleton
  ConnectionLogRetention connectionLogRetention(TallyConfig config, Stores stores, Clock clock) {
    Duration retention =
        config
            .connectionLogRetention()
            .orElseThrow(
                () -> new IllegalStateException("tally.connection-log.retention is not set"));
    return ConnectionLogRetention.builder(stores.connectionLog(), retention)
        .interval(config.connectionLogRetentionInterval())
        .batchSize(config.connectionLogRetentionBatchSize())
        .healthPolicy(config.healthPolicy())
        .clock(clock)
        .build();
  }

  @Override
  public String toString() {
    List<String> backends = new ArrayList<>();
    for (BackendProvider p : backendProviders) {
      backends.add(p.name());
    }
    return "TallyModule{store=" + storeProvider.name() + ", backends=" + backends + '}';
  }

  /**
   * What the configured backend and tracker providers created in one injector, so that a start that
   * fails half-way through a set can close what the set never handed over.
   */
  static final class Created {
    private final List<AutoCloseable> items = new ArrayList<>();

    @Inject
    Created() {}

    synchronized <T extends AutoCloseable> T add(T item) {
      items.add(item);
      return item;
    }

    synchronized List<AutoCloseable> items() {
      return List.copyOf(items);
    }
  }

  /** Creates one configured backend, when the backend set is first asked for. */
  private static final class CreatedBackend
      implements com.google.inject.Provider<Backend<ConnectionEvent>> {
    private final BackendProvider provider;
    private com.google.inject.Provider<ProviderContext> context;
    private com.google.inject.Provider<Created> created;

    CreatedBackend(BackendProvider provider) {
      this.provider = provider;
    }

    @Inject
    void inject(
        com.google.inject.Provider<ProviderContext> context,
        com.google.inject.Provider<Created> created) {
      this.context = context;
      this.created = created;
    }

    @Override
    public Backend<ConnectionEvent> get() {
      Backend<ConnectionEvent> backend =
          Objects.requireNonNull(
              provider.create(context.get()), () -> provider.getClass().getName() + ".create(..)");
      return created.get().add(backend);
    }
  }

  /** Creates one configured extra component, when the component set is first asked for. */
  private static final class CreatedComponent
      implements com.google.inject.Provider<TallyComponent> {
    private final TrackerProvider provider;
    private com.google.inject.Provider<ProviderContext> context;
    private com.google.inject.Provider<Created> created;

    CreatedComponent(TrackerProvider provider) {
      this.provider = provider;
    }

    @Inject
    void inject(
        com.google.inject.Provider<ProviderContext> context,
        com.google.inject.Provider<Created> created) {
      this.context = context;
      this.created = created;
    }

    @Override
    public TallyComponent get() {
      TallyComponent component =
          Objects.requireNonNull(
              provider.create(context.get()), () -> provider.getClass().getName() + ".create(..)");
      return created.get().add(component);
    }
  }

  /**
   * Builds a {@link TallyModule}: which loader finds the providers, and which providers are passed
   * explicitly. Not thread-safe.
   */
  public static final class Builder {
    private final TallyConfig config;
    private ProviderLoader loader = ProviderLoader.serviceLoader();
    private final List<StoreProvider> storeProviders = new ArrayList<>();
    private final List<BackendProvider> backendProviders = new ArrayList<>();
    private final List<TrackerProvider> trackerProviders = new ArrayList<>();

    private Builder(TallyConfig config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * @param loader finds the providers (default {@link ProviderLoader#serviceLoader()}); {@code
     *     ProviderLoader.of()} finds none, so only explicit providers are used
     * @return this
     */
    public Builder loader(ProviderLoader loader) {
      this.loader = Objects.requireNonNull(loader, "loader");
      return this;
    }

    /**
     * Passes a store provider explicitly; it wins over a discovered one with the same name. It is
     * used only if {@code tally.store} names it, or, with {@code tally.store} unset, if it is the
     * one provider that accepts {@code tally.jdbc.url}.
     *
     * @param provider the provider, e.g. {@code new PostgresStoreProvider(dataSource)}
     * @return this
     */
    public Builder storeProvider(StoreProvider provider) {
      storeProviders.add(Objects.requireNonNull(provider, "provider"));
      return this;
    }

    /**
     * Passes a backend provider explicitly; it wins over a discovered one with the same name. It is
     * used only if {@code tally.backends} names it.
     *
     * @param provider the provider
     * @return this
     */
    public Builder backendProvider(BackendProvider provider) {
      backendProviders.add(Objects.requireNonNull(provider, "provider"));
      return this;
    }

    /**
     * Passes a tracker provider explicitly; it wins over a discovered one with the same name. It is
     * used only if {@code tally.trackers} names it.
     *
     * @param provider the provider
     * @return this
     */
    public Builder trackerProvider(TrackerProvider provider) {
      trackerProviders.add(Objects.requireNonNull(provider, "provider"));
      return this;
    }

    /**
     * Chooses the configured providers and builds the module. No provider opens or creates anything
     * yet.
     *
     * @return the module
     * @throws ConfigException listing every configured name that no provider has, or that several
     *     have
     * @throws IllegalStateException if the loader cannot instantiate a provider
     */
    public TallyModule build() {
      List<String> problems = new ArrayList<>();
      List<StoreProvider> discoveredStores = loader.load(StoreProvider.class);
      String storeName = StoreChoice.choose(config, storeProviders, discoveredStores, problems);
      List<StoreProvider> store =
          storeName == null
              ? List.of()
              : new ProviderSelection<>(
                      "StoreProvider", StoreProvider::name, discoveredStores, storeProviders)
                  .select(
                      "tally.store",
                      List.of(storeName),
                      problems,
                      name -> KnownProviders.missingStore(name, config));
      if (problems.isEmpty()) {
        problems.addAll(
            KnownProviders.storeProblems(
                config,
                storeName,
                Thread.currentThread().getContextClassLoader() != null
                    ? Thread.currentThread().getContextClassLoader()
                    : TallyModule.class.getClassLoader()));
      }
      List<BackendProvider> backends =
          new ProviderSelection<>(
                  "BackendProvider",
                  BackendProvider::name,
                  loader.load(BackendProvider.class),
                  backendProviders)
              .select(
                  "tally.backends", config.backends(), problems, KnownProviders::missingBackend);
      List<TrackerProvider> trackers =
          new ProviderSelection<>(
                  "TrackerProvider",
                  TrackerProvider::name,
                  loader.load(TrackerProvider.class),
                  trackerProviders)
              .select("tally.trackers", config.trackers(), problems);
      problems.addAll(ProviderKeys.problems(config, store, backends, trackers));
      if (!problems.isEmpty()) {
        throw new ConfigException(problems);
      }
      // The store chosen from the URL becomes tally.store, so that every reader (providers, the
      // start-up log, Tally.config()) sees the store in use.
      TallyConfig chosen =
          config.configuredStore().isPresent() ? config : config.withStore(store.get(0).name());
      return new TallyModule(chosen, store.get(0), backends, trackers);
    }
  }
}
