package io.tally.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.tally.core.ComponentStats;
import io.tally.core.DropReasons;
import io.tally.core.FlushListener;
import io.tally.core.FlushResult;
import io.tally.core.Tally;
import io.tally.core.TallyComponent;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * A Micrometer {@link MeterBinder} over Tally: every component's {@link ComponentStats} and {@link
 * io.tally.core.Health} as meters, and every flush's duration as a {@link Timer}.
 *
 * <p>It is also a {@link FlushListener}, which is how it times flushes, so hand it to the
 * components before they start: with Guice through {@code Tally.start(config,
 * TallyModule.flushListener(metrics))}, by hand through each builder's {@code
 * flushListener(metrics)}. Then say what it watches ({@link #monitor(Tally)} or {@link
 * #monitor(String, List)}) and bind it to a registry:
 *
 * <pre>{@code
 * TallyMetrics metrics = TallyMetrics.create();
 * Tally tally = Tally.start(config, TallyModule.flushListener(metrics));
 * metrics.monitor(tally).bindTo(registry);
 * }</pre>
 *
 * <p>Meters, for each component {@code <c>} ({@code last-used}, {@code usage-stats}, {@code
 * usage-reporter}, {@code connection-log} and any extra component), all tagged {@code replica} (the
 * Tally's replica id, so several Tally instances in one JVM never share a meter) and with the tags
 * given to {@link #create(Iterable)}:
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>from</th></tr>
 *   <tr><td>{@code tally.<c>.accepted}</td><td>function counter</td>
 *       <td>{@link ComponentStats#accepted()}</td></tr>
 *   <tr><td>{@code tally.<c>.coalesced}</td><td>function counter</td>
 *       <td>{@link ComponentStats#coalesced()}</td></tr>
 *   <tr><td>{@code tally.<c>.flushed.rows}</td><td>function counter</td>
 *       <td>{@link ComponentStats#flushedRows()}</td></tr>
 *   <tr><td>{@code tally.<c>.flushes}</td><td>function counter</td>
 *       <td>{@link ComponentStats#flushes()}</td></tr>
 *   <tr><td>{@code tally.<c>.flushes.failed}</td><td>function counter</td>
 *       <td>{@link ComponentStats#failedFlushes()}</td></tr>
 *   <tr><td>{@code tally.<c>.retries}</td><td>function counter</td>
 *       <td>{@link ComponentStats#retries()}</td></tr>
 *   <tr><td>{@code tally.<c>.dropped}, tag {@code reason}</td><td>function counter</td>
 *       <td>{@link ComponentStats#dropped()}: one per {@link DropReasons} constant (zero until
 *       something is dropped) and per other reason seen</td></tr>
 *   <tr><td>{@code tally.<c>.callback.failures}</td><td>function counter</td>
 *       <td>{@link ComponentStats#callbackFailures()}</td></tr>
 *   <tr><td>{@code tally.<c>.truncated}</td><td>function counter</td>
 *       <td>{@link ComponentStats#truncated()}</td></tr>
 *   <tr><td>{@code tally.<c>.pending}</td><td>gauge</td>
 *       <td>{@link ComponentStats#pending()}</td></tr>
 *   <tr><td>{@code tally.<c>.consecutive.failures}</td><td>gauge</td>
 *       <td>{@link ComponentStats#consecutiveFailures()}</td></tr>
 *   <tr><td>{@code tally.<c>.health}</td><td>gauge</td>
 *       <td>0 {@code HEALTHY}, 1 {@code DEGRADED}, 2 {@code FAILING}</td></tr>
 *   <tr><td>{@code tally.<c>.flush}, tag {@code outcome}</td><td>timer</td>
 *       <td>each store call's {@link FlushResult#duration()}; outcome {@code success}, {@code
 *       failed} or {@code timed_out} (flushes with nothing to write call no store and are not
 *       timed)</td></tr>
 * </table>
 *
 * <p>The counters and gauges read the components when the registry polls them; flushes are timed
 * from the moment {@link #bindTo(MeterRegistry)} has run (earlier ones are not). Thread-safe.
 */
public final class TallyMetrics implements MeterBinder, FlushListener {
  /** The tag that tells Tally instances apart: {@value}. */
  public static final String REPLICA_TAG = "replica";

  /** The tag of {@code tally.<c>.dropped}: {@value}. */
  public static final String REASON_TAG = "reason";

  /** The tag of {@code tally.<c>.flush}: {@value}. */
  public static final String OUTCOME_TAG = "outcome";

  private static final List<FlushResult.Outcome> TIMED =
      List.of(
          FlushResult.Outcome.SUCCESS, FlushResult.Outcome.FAILED, FlushResult.Outcome.TIMED_OUT);

  private final Tags extraTags;
  private volatile @Nullable Watched watched; // null until monitor(...)
  private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();

  /** Per registry and component: the drop reasons that have a meter already. */
  private final Map<MeterRegistry, Map<String, Set<String>>> reasons = new ConcurrentHashMap<>();

  private TallyMetrics(Tags extraTags) {
    this.extraTags = extraTags;
  }

  /**
   * Creates the binder with no tags beyond {@code replica}.
   *
   * @return the binder; pass it as a flush listener, then call {@link #monitor(Tally)}
   */
  public static TallyMetrics create() {
    return new TallyMetrics(Tags.empty());
  }

  /**
   * Creates the binder with tags added to every meter, for example the application's name.
   *
   * @param tags the tags; none may be named {@code replica}, {@code reason} or {@code outcome}
   * @return the binder; pass it as a flush listener, then call {@link #monitor(Tally)}
   * @throws NullPointerException if {@code tags} is null
   * @throws IllegalArgumentException if a tag uses one of the names Tally sets
   */
  public static TallyMetrics create(Iterable<Tag> tags) {
    Tags all = Tags.of(Objects.requireNonNull(tags, "tags"));
    for (Tag t : all) {
      if (t.getKey().equals(REPLICA_TAG)
          || t.getKey().equals(REASON_TAG)
          || t.getKey().equals(OUTCOME_TAG)) {
        throw new IllegalArgumentException(
            "tags had '"
                + t.getKey()
                + "' but must not use the names Tally sets: replica, reason, outcome");
      }
    }
    return new TallyMetrics(all);
  }

  /**
   * Watches a started Tally: its {@link Tally#components()}, tagged with its replica id.
   *
   * @param tally the Tally, started with this binder as a flush listener
   * @return this
   * @throws NullPointerException if {@code tally} is null
   * @throws IllegalStateException if this binder already watches something
   */
  public TallyMetrics monitor(Tally tally) {
    Objects.requireNonNull(tally, "tally");
    return monitor(tally.config().replicaId().toString(), tally.components());
  }

  /**
   * Watches components built by hand (each built with this binder as a flush listener).
   *
   * @param replica the value of the {@code replica} tag, e.g. the replica id
   * @param components the components; their names must differ
   * @return this
   * @throws NullPointerException if an argument or a component is null
   * @throws IllegalArgumentException if {@code replica} is blank or two components share a name
   * @throws IllegalStateException if this binder already watches something
   */
  public TallyMetrics monitor(String replica, List<? extends TallyComponent> components) {
    Objects.requireNonNull(replica, "replica");
    if (replica.isBlank()) {
      throw new IllegalArgumentException("replica was blank but must name the Tally instance");
    }
    Map<String, TallyComponent> byName = new LinkedHashMap<>();
    for (TallyComponent c : Objects.requireNonNull(components, "components")) {
      Objects.requireNonNull(c, "component");
      if (byName.putIfAbsent(c.name(), c) != null) {
        throw new IllegalArgumentException(
            "components had two named '" + c.name() + "' but their names must differ");
      }
    }
    synchronized (this) {
      if (watched != null) {
        throw new IllegalStateException(
            "this TallyMetrics already watches replica "
                + watched.replica
                + "; create one per Tally");
      }
      watched = new Watched(replica, byName);
    }
    return this;
  }

  /**
   * Registers the meters of every watched component with {@code registry}.
   *
   * @param registry the registry
   * @throws NullPointerException if {@code registry} is null
   * @throws IllegalStateException if neither {@code monitor} method was called
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    Watched w = watched;
    if (w == null) {
      throw new IllegalStateException("call monitor(tally) before bindTo(registry)");
    }
    Map<String, Set<String>> seen = new ConcurrentHashMap<>();
    for (TallyComponent c : w.components.values()) {
      seen.put(c.name(), ConcurrentHashMap.newKeySet());
      bindComponent(registry, w, c);
      for (String reason : standardReasons()) {
        bindDropped(registry, w, c, reason, seen);
      }
      for (String reason : c.stats().dropped().keySet()) {
        bindDropped(registry, w, c, reason, seen);
      }
      for (FlushResult.Outcome o : TIMED) {
        timer(registry, w, c.name(), o);
      }
    }
    reasons.put(registry, seen);
    registries.add(registry);
  }

  /**
   * Times a flush in every registry this binder is bound to, and registers a {@code dropped} meter
   * for a reason not seen before. Called by the components.
   *
   * @param component the component's name
   * @param result what the flush did
   */
  @Override
  public void onFlush(String component, FlushResult result) {
    Watched w = watched;
    if (w == null || result.outcome() == FlushResult.Outcome.EMPTY) {
      return;
    }
    for (MeterRegistry registry : registries) {
      timer(registry, w, component, result.outcome()).record(result.duration());
      TallyComponent c = w.components.get(component);
      Map<String, Set<String>> seen = reasons.get(registry);
      if (c != null && seen != null) {
        for (String reason : c.stats().dropped().keySet()) {
          bindDropped(registry, w, c, reason, seen);
        }
      }
    }
  }

  @Override
  public String toString() {
    Watched w = watched;
    return "TallyMetrics{replica=" + (w == null ? "(not monitoring)" : w.replica) + '}';
  }

  private void bindComponent(MeterRegistry registry, Watched w, TallyComponent c) {
    counter(registry, w, c, "accepted", "items", "items accepted", s -> s.accepted());
    counter(registry, w, c, "coalesced", "items", "items folded into another", s -> s.coalesced());
    counter(registry, w, c, "flushed.rows", "rows", "rows written", s -> s.flushedRows());
    counter(registry, w, c, "flushes", "flushes", "successful flushes", s -> s.flushes());
    counter(registry, w, c, "flushes.failed", "flushes", "failed flushes", s -> s.failedFlushes());
    counter(registry, w, c, "retries", "retries", "retries of failed flushes", s -> s.retries());
    counter(
        registry,
        w,
        c,
        "callback.failures",
        "calls",
        "callbacks that threw",
        s -> s.callbackFailures());
    counter(
        registry,
        w,
        c,
        "truncated",
        "values",
        "free-text values cut to their limit",
        s -> s.truncated());
    Gauge.builder(name(c.name(), "pending"), c, x -> x.stats().pending())
        .tags(tags(w))
        .baseUnit("items")
        .description("items held in memory, not yet written")
        .register(registry);
    Gauge.builder(name(c.name(), "consecutive.failures"), c, x -> x.stats().consecutiveFailures())
        .tags(tags(w))
        .baseUnit("flushes")
        .description("flushes failed in a row since the last success")
        .register(registry);
    Gauge.builder(name(c.name(), "health"), c, x -> x.health().ordinal())
        .tags(tags(w))
        .description("0 HEALTHY, 1 DEGRADED, 2 FAILING")
        .register(registry);
  }

  private void counter(
      MeterRegistry registry,
      Watched w,
      TallyComponent c,
      String metric,
      String unit,
      String description,
      ToDoubleFunction<ComponentStats> value) {
    FunctionCounter.builder(name(c.name(), metric), c, x -> value.applyAsDouble(x.stats()))
        .tags(tags(w))
        .baseUnit(unit)
        .description(description)
        .register(registry);
  }

  private void bindDropped(
      MeterRegistry registry,
      Watched w,
      TallyComponent c,
      String reason,
      Map<String, Set<String>> seen) {
    if (!seen.computeIfAbsent(c.name(), k -> ConcurrentHashMap.newKeySet()).add(reason)) {
      return;
    }
    FunctionCounter.builder(
            name(c.name(), "dropped"), c, x -> x.stats().dropped().getOrDefault(reason, 0L))
        .tags(tags(w).and(REASON_TAG, reason))
        .baseUnit("items")
        .description("items given up, by reason")
        .register(registry);
  }

  private Timer timer(MeterRegistry registry, Watched w, String component, FlushResult.Outcome o) {
    return Timer.builder(name(component, "flush"))
        .tags(tags(w).and(OUTCOME_TAG, o.name().toLowerCase(Locale.ROOT)))
        .description("store calls made by flushes and retries")
        .register(registry);
  }

  private Tags tags(Watched w) {
    return extraTags.and(REPLICA_TAG, w.replica);
  }

  private static String name(String component, String metric) {
    return "tally." + component + "." + metric;
  }

  /**
   * @return the value of every public constant of {@link DropReasons}
   */
  static List<String> standardReasons() {
    List<String> out = new ArrayList<>();
    for (Field f : DropReasons.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        try {
          out.add((String) f.get(null));
        } catch (IllegalAccessException e) {
          throw new IllegalStateException("DropReasons." + f.getName() + " is not readable", e);
        }
      }
    }
    return out;
  }

  /** What the binder watches. */
  private static final class Watched {
    final String replica;
    final Map<String, TallyComponent> components;

    Watched(String replica, Map<String, TallyComponent> components) {
      this.replica = replica;
      this.components = Map.copyOf(components);
    }
  }
}
