package io.tally.core;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.ProvisionException;
import com.google.inject.util.Modules;
import io.tally.core.backend.Backend;
import io.tally.core.backend.FanOut;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionLogRetention;
import io.tally.core.internal.TallyThreadFactory;
import io.tally.core.lastused.LastUsedTracker;
import io.tally.core.spi.Secrets;
import io.tally.core.spi.Stores;
import io.tally.core.usagestats.UsageStatsReporter;
import io.tally.core.usagestats.UsageStatsTracker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tally, started: the three components wired to the configured store and backends, with one place
 * to watch them and one call to stop them.
 *
 * <pre>{@code
 * try (Tally tally = Tally.start(TallyConfig.fromEnvironment())) {
 *   tally.lastUsed().markUsed(workspaceId);
 *   tally.usageStats().track(workspaceId, userId, 1, 0);
 *   tally.connectionLog().write(ConnectionEvent.connect(...));
 * }
 * }</pre>
 *
 * <p>{@link #start(TallyModule, Module...)} creates a Guice injector from a {@link TallyModule}
 * (plus any override modules) and starts, in this order: the stores (then the migrations, if {@code
 * tally.migrate-on-start}), the connection-log backends and their fan-out, the last-used tracker,
 * the usage-stats tracker, the usage reporter, the connection-log retention (when {@code
 * tally.connection-log.retention} is set) and the extra components. If one of them fails (with an
 * exception or an {@link Error}), what was started is closed again and the failure is thrown; when
 * a message in the failure's chain would show the JDBC URL or a password, a copy without them is
 * thrown instead (see {@link Secrets#withoutSecrets}). {@link #close()} stops the components in
 * parallel, then the stores, within one budget. Thread-safe.
 *
 * <p>Before the migrations, the start asks the stores which privileges the database user lacks
 * ({@link Stores#missingPrivileges}) and fails naming them, unless {@code
 * tally.start.require-database=false}.
 */
public final class Tally implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Tally.class);
  private static final TallyThreadFactory CLOSERS = new TallyThreadFactory("close");

  private final TallyConfig config;
  private final LastUsedTracker<UUID> lastUsed;
  private final UsageStatsTracker usageStats;
  private final UsageStatsReporter usageReporter;
  private final FanOut<ConnectionEvent> connectionLog;
  private final List<TallyComponent> components;
  private final List<Started> started;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Tally(Startup s) {
    this.config = s.config;
    this.lastUsed = s.lastUsed;
    this.usageStats = s.usageStats;
    this.usageReporter = s.usageReporter;
    this.connectionLog = s.connectionLog;
    this.components = List.copyOf(s.components);
    this.started = List.copyOf(s.started);
  }

  /**
   * Starts Tally with the providers found on the class path.
   *
   * @param config the configuration
   * @return the started Tally; close it to stop
   * @throws NullPointerException if {@code config} is null
   * @throws ConfigException if a configured provider name is unknown or ambiguous
   * @throws RuntimeException what a provider or component threw while starting (for example a
   *     {@link StoreException} when the database cannot be reached)
   */
  public static Tally start(TallyConfig config) {
    return start(module(config));
  }

  /**
   * Starts Tally with the providers found on the class path and bindings replaced or added by
   * {@code overrides} (through {@link Modules#override}), for example a manual clock or an extra
   * backend.
   *
   * @param config the configuration
   * @param overrides modules whose bindings win over {@link TallyModule}'s
   * @return the started Tally; close it to stop
   * @throws NullPointerException if an argument is null
   * @throws ConfigException if a configured provider name is unknown or ambiguous
   * @throws RuntimeException what a provider or component threw while starting
   */
  public static Tally start(TallyConfig config, Module... overrides) {
    return start(module(config), overrides);
  }

  /**
   * @return the module for {@code config}; a configuration it refuses is logged, then thrown
   */
  private static TallyModule module(TallyConfig config) {
    try {
      return TallyModule.create(config);
    } catch (ConfigException e) {
      log.error("Tally failed to start: nothing was started", e);
      throw e;
    }
  }

  /**
   * Starts Tally from a module built with {@link TallyModule#builder(TallyConfig)} (explicit
   * providers, another loader), with bindings replaced or added by {@code overrides}.
   *
   * @param module the module
   * @param overrides modules whose bindings win over the module's
   * @return the started Tally; close it to stop
   * @throws NullPointerException if an argument is null
   * @throws RuntimeException what a provider or component threw while starting
   */
  public static Tally start(TallyModule module, Module... overrides) {
    Objects.requireNonNull(module, "module");
    Objects.requireNonNull(overrides, "overrides");
    Injector injector = Guice.createInjector(Modules.override(module).with(overrides));
    Startup s = new Startup(injector.getInstance(TallyConfig.class));
    log.info(
        "Tally starting: replica {}, store {}, backends {}",
        s.config.replicaId(),
        s.config.store(),
        s.config.backends());
    try {
      s.run(injector);
    } catch (RuntimeException | Error e) {
      Throwable failure = unwrap(e);
      s.undo(injector.getInstance(TallyModule.Created.class), failure);
      if (failure instanceof Error) {
        log.error("Tally failed to start; stopped what had started", failure);
        throw (Error) failure;
      }
      // A driver's message can quote the JDBC URL (with its password): never log or throw that.
      RuntimeException safe = withoutSecrets((RuntimeException) failure, s.config);
      log.error("Tally failed to start; stopped what had started", safe);
      throw safe;
    }
    log.info("Tally started: replica {}, config {}", s.config.replicaId(), s.config);
    return new Tally(s);
  }

  /**
   * @return what a provider threw, when Guice wrapped it; else {@code e}
   */
  private static Throwable unwrap(Throwable e) {
    if (e instanceof ProvisionException
        && (e.getCause() instanceof RuntimeException || e.getCause() instanceof Error)) {
      return e.getCause();
    }
    return e;
  }

  /**
   * @return the configuration Tally runs with
   */
  public TallyConfig config() {
    return config;
  }

  /**
   * @return the tracker of last-used times, keyed by UUID
   */
  public LastUsedTracker<UUID> lastUsed() {
    return lastUsed;
  }

  /**
   * @return this replica's usage-statistics tracker
   */
  public UsageStatsTracker usageStats() {
    return usageStats;
  }

  /**
   * @return the reporter of each period's usage across replicas
   */
  public UsageStatsReporter usageReporter() {
    return usageReporter;
  }

  /**
   * Returns the connection log: a {@link FanOut} over every configured backend (and any added to
   * the Guice {@code Multibinder}).
   *
   * @return the connection log
   */
  public Backend<ConnectionEvent> connectionLog() {
    return connectionLog;
  }

  /**
   * Returns a snapshot of every component's counters, in start order: the backends that are
   * components (the {@code db} backend's batcher, named {@code connection-log}), {@code last-used},
   * {@code usage-stats}, {@code usage-reporter}, {@code connection-log-retention} (when retention
   * is on), then the extra components.
   *
   * @return one snapshot per component; unmodifiable
   */
  public List<ComponentStats> stats() {
    List<ComponentStats> out = new ArrayList<>(components.size());
    for (TallyComponent c : components) {
      out.add(c.stats());
    }
    return List.copyOf(out);
  }

  /**
   * Returns every running component, in the order of {@link #stats()}: for metrics and health
   * checks that watch each one (its {@link TallyComponent#stats()} and {@link
   * TallyComponent#health()}). A backend that is a {@link ComponentOwner} (the {@code nats} backend
   * with its relay) is followed by the components it runs, here, in {@link #stats()} and in {@link
   * #health()}.
   *
   * @return the components; unmodifiable
   */
  public List<TallyComponent> components() {
    return components;
  }

  /**
   * @return the worst health of every component; {@code HEALTHY} if all are
   */
  public Health health() {
    Health worst = Health.HEALTHY;
    for (TallyComponent c : components) {
      worst = worst.worst(c.health());
    }
    return worst;
  }

  /**
   * Stops Tally within one budget, {@code tally.close-timeout} (default 20 s): the extra
   * components, the connection-log retention, the usage reporter, the usage-stats tracker, the
   * last-used tracker and the connection log (its backends in turn) close in parallel, each making
   * its final flush within its own shutdown timeout; then the stores close. Whatever has not
   * finished when the budget is spent is logged at ERROR and left to finish on its own (daemon)
   * thread, and the stores are closed anyway, which ends the store calls still running; what those
   * components could not write is counted as dropped in their stats. A failure is logged and does
   * not stop the rest; this method does not throw. Idempotent: only the first call does anything.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Clock real = Clock.system(); // a bound on a blocking wait is real time
    long deadline = real.nanoTime() + config.closeTimeout().toNanos();
    List<Started> components = new ArrayList<>();
    List<Started> last = new ArrayList<>();
    for (int i = started.size() - 1; i >= 0; i--) {
      Started s = started.get(i);
      (s.resource instanceof Stores ? last : components).add(s);
    }
    int failures = closeAll(components, real, deadline);
    failures += closeAll(last, real, deadline);
    if (failures == 0) {
      log.info("Tally stopped: replica {}", config.replicaId());
    } else {
      log.error("Tally stopped with {} failure(s): replica {}", failures, config.replicaId());
    }
  }

  /**
   * Closes {@code items} in parallel, each on a daemon thread, and waits for them until {@code
   * deadline}.
   *
   * @return how many failed or did not finish in time
   */
  private int closeAll(List<Started> items, Clock real, long deadline) {
    if (items.isEmpty()) {
      return 0;
    }
    CountDownLatch done = new CountDownLatch(items.size());
    AtomicInteger failures = new AtomicInteger();
    for (Started s : items) {
      Thread t =
          CLOSERS.newThread(
              () -> {
                try {
                  s.resource.close();
                } catch (Exception | Error e) {
                  failures.incrementAndGet();
                  log.error("Tally: closing {} failed", s.name, e);
                } finally {
                  s.closed = true;
                  done.countDown();
                }
              });
      t.start();
    }
    try {
      done.await(Math.max(0, deadline - real.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    int late = 0;
    for (Started s : items) {
      if (!s.closed) {
        late++;
        log.error(
            "Tally: closing {} did not finish within tally.close-timeout ({}); it goes on in the"
                + " background",
            s.name,
            config.closeTimeout());
      }
    }
    return failures.get() + late;
  }

  @Override
  public String toString() {
    return "Tally{replica=" + config.replicaId() + ", closed=" + closed.get() + '}';
  }

  /** Something started, to close at the end. */
  private static final class Started {
    final String name;
    final AutoCloseable resource;
    volatile boolean closed;

    Started(String name, AutoCloseable resource) {
      this.name = name;
      this.resource = resource;
    }
  }

  /** The start sequence and what it has started so far. */
  private static final class Startup {
    final TallyConfig config;
    final List<Started> started = new ArrayList<>();
    final List<TallyComponent> components = new ArrayList<>();
    @Nullable LastUsedTracker<UUID> lastUsed; // each set as its component starts
    @Nullable UsageStatsTracker usageStats;
    @Nullable UsageStatsReporter usageReporter;
    @Nullable FanOut<ConnectionEvent> connectionLog;

    Startup(TallyConfig config) {
      this.config = config;
    }

    void run(Injector injector) {
      Stores stores = injector.getInstance(Stores.class);
      started.add(new Started("stores", stores));
      checkPrivileges(stores);
      if (config.migrateOnStart()) {
        migrate(stores);
      }
      connectionLog = injector.getInstance(TallyModule.FAN_OUT);
      started.add(new Started("connection log", connectionLog));
      for (Backend<ConnectionEvent> b : connectionLog.backends()) {
        if (b instanceof TallyComponent) {
          components.add((TallyComponent) b);
        }
        if (b instanceof ComponentOwner) { // e.g. a relay the backend runs (closed by it)
          components.addAll(((ComponentOwner) b).ownedComponents());
        }
      }
      lastUsed = component(injector.getInstance(TallyModule.LAST_USED));
      usageStats = component(injector.getInstance(UsageStatsTracker.class));
      usageReporter = component(injector.getInstance(UsageStatsReporter.class));
      if (config.connectionLogRetention().isPresent()) {
        component(injector.getInstance(ConnectionLogRetention.class));
      }
      for (TallyComponent extra : injector.getInstance(TallyModule.COMPONENTS)) {
        component(extra);
      }
    }

    /**
     * Fails the start naming every privilege the database user lacks ({@link
     * Stores#missingPrivileges}). Skipped with {@code tally.start.require-database=false}: then the
     * start does not wait for the database.
     */
    private void checkPrivileges(Stores stores) {
      if (!config.requireDatabaseAtStart()) {
        return;
      }
      List<String> missing = stores.missingPrivileges(config.migrateOnStart());
      if (!missing.isEmpty()) {
        throw new StoreException(
            "the database user lacks privileges Tally needs (README, \"Database privileges\"): "
                + String.join("; ", missing));
      }
    }

    /**
     * Applies the migrations; with {@code tally.start.require-database=false}, a failure is logged
     * at WARN and Tally starts anyway: the built-in stores run the migrations before their first
     * call that reaches the database, and the components keep what they are given and retry
     * meanwhile.
     */
    private void migrate(Stores stores) {
      if (config.requireDatabaseAtStart()) {
        stores.migrate();
        return;
      }
      try {
        stores.migrate();
      } catch (RuntimeException e) {
        RuntimeException safe = withoutSecrets(e, config);
        log.warn(
            "Tally starts without its database (tally.start.require-database=false): the"
                + " migrations failed and run again before the first write",
            safe);
      }
    }

    /**
     * Closes, newest first, what a failed start created: backends and extra components that a
     * provider made but no started fan-out or component list took over, then what was started.
     */
    void undo(TallyModule.Created created, Throwable failure) {
      Set<Object> covered = Collections.newSetFromMap(new IdentityHashMap<>());
      for (Started s : started) {
        covered.add(s.resource);
      }
      if (connectionLog != null) {
        covered.addAll(connectionLog.backends());
      }
      List<AutoCloseable> toClose = new ArrayList<>();
      for (AutoCloseable c : created.items()) {
        if (!covered.contains(c)) {
          toClose.add(c);
        }
      }
      for (int i = started.size() - 1; i >= 0; i--) {
        toClose.add(started.get(i).resource);
      }
      Collections.reverse(toClose.subList(0, toClose.size() - started.size()));
      for (AutoCloseable c : toClose) {
        try {
          c.close();
        } catch (Exception closing) {
          failure.addSuppressed(closing);
        }
      }
    }

    private <C extends TallyComponent> C component(C c) {
      started.add(new Started(c.name(), c));
      components.add(c);
      return c;
    }
  }

  /** {@code failure} without the configuration's JDBC URL or password in its messages. */
  private static RuntimeException withoutSecrets(RuntimeException failure, TallyConfig config) {
    return Secrets.withoutSecrets(
        failure, config.jdbcUrl().orElse(null), config.jdbcPassword().orElse(null));
  }
}
