package io.tally.testkit;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Wraps any store (anything behind an interface) and injects faults into its calls: fail the next N
 * calls, fail the Nth call, fail while a switch is on, block until released, or run the real call
 * and then throw (the caller cannot tell whether it committed).
 *
 * <pre>{@code
 * FaultyStore<LastUsedStore<UUID>> faulty = FaultyStore.wrap(new InMemoryLastUsedStore<>());
 * LastUsedTracker<UUID> tracker = LastUsedTracker.builder(faulty.store()).clock(clock).build();
 * faulty.failNext(2);
 * }</pre>
 *
 * <p>Faults apply to every interface method except {@code close} and {@code migrate} and the
 * methods of {@link Object}, unless {@link #affecting(String...)} names the methods. Faults are
 * checked in this order: blocked, fail-while-on, fail-Nth, fail-next, commit-then-throw.
 * Thread-safe.
 *
 * @param <S> the store type
 */
public final class FaultyStore<S> {
  private static final Set<String> NEVER_AFFECTED = Set.of("close", "migrate");

  private final S delegate;
  private final S proxy;
  private final Set<String> affected = ConcurrentHashMap.newKeySet();
  private final AtomicInteger failNext = new AtomicInteger();
  private final AtomicInteger commitThenThrowNext = new AtomicInteger();
  private final AtomicLong failOnCall = new AtomicLong(-1);
  private final AtomicBoolean failing = new AtomicBoolean();
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong faultsInjected = new AtomicLong();
  private final AtomicInteger blockedNow = new AtomicInteger();
  private volatile @Nullable CountDownLatch gate; // non-null while calls block

  private FaultyStore(S delegate, S proxy) {
    this.delegate = delegate;
    this.proxy = proxy;
  }

  /**
   * Wraps {@code delegate}; the returned store implements every interface the delegate's class
   * implements.
   *
   * @param delegate the real store
   * @param <S> the store type; must be an interface type the delegate implements
   * @return the fault injector; {@link #store()} is the store to use
   */
  @SuppressWarnings("unchecked")
  public static <S> FaultyStore<S> wrap(S delegate) {
    Objects.requireNonNull(delegate, "delegate");
    Set<Class<?>> interfaces = new LinkedHashSet<>();
    for (Class<?> c = delegate.getClass(); c != null; c = c.getSuperclass()) {
      collectInterfaces(c, interfaces);
    }
    if (interfaces.isEmpty()) {
      throw new IllegalArgumentException(
          "delegate " + delegate.getClass().getName() + " implements no interface to wrap");
    }
    java.util.concurrent.atomic.AtomicReference<FaultyStore<S>> self =
        new java.util.concurrent.atomic.AtomicReference<>();
    InvocationHandler handler = (p, method, args) -> self.get().invoke(method, args);
    S proxy =
        (S)
            Proxy.newProxyInstance(
                delegate.getClass().getClassLoader(), interfaces.toArray(new Class<?>[0]), handler);
    self.set(new FaultyStore<>(delegate, proxy));
    return self.get();
  }

  private static void collectInterfaces(Class<?> c, Set<Class<?>> into) {
    for (Class<?> i : c.getInterfaces()) {
      if (into.add(i)) {
        collectInterfaces(i, into);
      }
    }
  }

  /**
   * @return the store with faults injected; hand this to the component under test
   */
  public S store() {
    return proxy;
  }

  /**
   * @return the real store behind the faults
   */
  public S delegate() {
    return delegate;
  }

  /**
   * Restricts faults to the named methods (others always pass through).
   *
   * @param methodNames names of the store's methods, e.g. {@code "markUsed"}
   * @return this
   */
  public FaultyStore<S> affecting(String... methodNames) {
    affected.clear();
    affected.addAll(Set.of(methodNames));
    return this;
  }

  /**
   * The next {@code n} affected calls throw {@link InjectedFault} without reaching the store.
   *
   * @param n how many calls fail
   * @return this
   */
  public FaultyStore<S> failNext(int n) {
    failNext.set(requireNotNegative(n));
    return this;
  }

  /**
   * The {@code n}th affected call from now (1 = the next) throws without reaching the store.
   *
   * @param n which call fails, at least 1
   * @return this
   */
  public FaultyStore<S> failOnCall(long n) {
    if (n < 1) {
      throw new IllegalArgumentException("n was " + n + " but must be >= 1");
    }
    failOnCall.set(calls.get() + n);
    return this;
  }

  /**
   * While on, every affected call throws without reaching the store.
   *
   * @param on whether calls fail
   * @return this
   */
  public FaultyStore<S> failing(boolean on) {
    failing.set(on);
    return this;
  }

  /**
   * The next {@code n} affected calls reach the store, succeed there, and then throw {@link
   * InjectedFault}: the caller sees a failure although the write committed.
   *
   * @param n how many calls
   * @return this
   */
  public FaultyStore<S> commitThenThrowNext(int n) {
    commitThenThrowNext.set(requireNotNegative(n));
    return this;
  }

  /**
   * From now on, affected calls block until {@link #release()} (or until interrupted, when they
   * throw). Use it to exercise timeouts.
   *
   * @return this
   */
  public FaultyStore<S> block() {
    gate = new CountDownLatch(1);
    return this;
  }

  /** Lets blocked calls go on, and stops blocking new ones. */
  public void release() {
    CountDownLatch g = gate;
    gate = null;
    if (g != null) {
      g.countDown();
    }
  }

  /**
   * Waits until at least {@code n} calls are blocked.
   *
   * @param n how many
   * @param timeout real-time bound
   */
  public void awaitBlocked(int n, Duration timeout) {
    Await.until(n + " store call(s) blocked", timeout, () -> blockedNow.get() >= n);
  }

  /**
   * @return calls made to the affected methods, failed or not
   */
  public long calls() {
    return calls.get();
  }

  /**
   * @return calls that ended in an injected fault
   */
  public long faultsInjected() {
    return faultsInjected.get();
  }

  /** Clears every fault and releases blocked calls. */
  public void reset() {
    failNext.set(0);
    commitThenThrowNext.set(0);
    failOnCall.set(-1);
    failing.set(false);
    release();
  }

  private Object invoke(Method method, Object[] args) throws Throwable {
    if (method.getDeclaringClass() == Object.class) {
      switch (method.getName()) {
        case "equals":
          return proxy == args[0];
        case "hashCode":
          return System.identityHashCode(proxy);
        case "toString":
          return "FaultyStore(" + delegate + ")";
        default:
          return callDelegate(method, args);
      }
    }
    if (!isAffected(method.getName())) {
      return callDelegate(method, args);
    }
    long call = calls.incrementAndGet();
    CountDownLatch g = gate;
    if (g != null) {
      blockedNow.incrementAndGet();
      try {
        while (!g.await(1, TimeUnit.SECONDS)) {
          // keep waiting; interruption (a timeout in the caller) ends the wait with an exception
        }
      } finally {
        blockedNow.decrementAndGet();
      }
    }
    if (failing.get()) {
      throw fault(method, "failing switch is on", false);
    }
    if (failOnCall.get() == call) {
      throw fault(method, "call #" + call + " was set to fail", false);
    }
    if (decrementIfPositive(failNext)) {
      throw fault(method, "injected failure", false);
    }
    if (decrementIfPositive(commitThenThrowNext)) {
      callDelegate(method, args);
      throw fault(method, "committed, then failed (outcome unknown to the caller)", true);
    }
    return callDelegate(method, args);
  }

  private boolean isAffected(String name) {
    return affected.isEmpty() ? !NEVER_AFFECTED.contains(name) : affected.contains(name);
  }

  private InjectedFault fault(Method method, String why, boolean committed) {
    faultsInjected.incrementAndGet();
    return new InjectedFault(method.getName() + ": " + why, committed);
  }

  private Object callDelegate(Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(delegate, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static boolean decrementIfPositive(AtomicInteger counter) {
    return counter.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
  }

  private static int requireNotNegative(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("n was " + n + " but must be >= 0");
    }
    return n;
  }
}
