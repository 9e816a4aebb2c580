package io.tally.testkit;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Data sources that watch or bend what a store does with its connections, for tests of JDBC stores:
 * how many statements a write costs, and how a store treats a pooled connection it must hand back
 * as it found it. Each is a {@link Proxy} over the real objects; everything not mentioned is passed
 * through.
 */
public final class JdbcProxies {
  private JdbcProxies() {}

  /**
   * Returns a data source over {@code target} whose connections count every statement they prepare
   * ({@code prepareStatement}, {@code prepareCall}) or create ({@code createStatement}).
   *
   * @param target the real data source
   * @param count incremented once per statement
   * @return the counting data source
   * @throws NullPointerException if an argument is null
   */
  public static DataSource countingStatements(DataSource target, AtomicInteger count) {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(count, "count");
    return proxy(
        DataSource.class,
        (proxy, method, args) -> {
          Object result = invoke(method, target, args);
          if (method.getName().equals("getConnection")) {
            Connection c = (Connection) result;
            return proxy(
                Connection.class,
                (p2, m2, a2) -> {
                  if (m2.getName().startsWith("prepare")
                      || m2.getName().equals("createStatement")) {
                    count.incrementAndGet();
                  }
                  return invoke(m2, c, a2);
                });
          }
          return result;
        });
  }

  /**
   * Returns a data source that always hands out {@code physical}, wrapped so that {@code close()}
   * leaves it open, as a pool of one connection does: whatever state a store leaves on the
   * connection (auto-commit mode, an aborted transaction) is what the next borrower gets. Only
   * {@code getConnection()} is supported; other data source methods throw {@link
   * UnsupportedOperationException}.
   *
   * @param physical the one connection; the caller closes it
   * @return the data source
   * @throws NullPointerException if {@code physical} is null
   */
  public static DataSource onePooledConnection(Connection physical) {
    Objects.requireNonNull(physical, "physical");
    Connection pooled =
        proxy(
            Connection.class,
            (proxy, method, args) -> {
              if (method.getName().equals("close")) {
                return null; // back to the pool
              }
              return invoke(method, physical, args);
            });
    return proxy(
        DataSource.class,
        (proxy, method, args) -> {
          if (method.getName().equals("getConnection")) {
            return pooled;
          }
          throw new UnsupportedOperationException(method.getName());
        });
  }

  private static <T> T proxy(Class<T> type, InvocationHandler handler) {
    return type.cast(
        Proxy.newProxyInstance(JdbcProxies.class.getClassLoader(), new Class<?>[] {type}, handler));
  }

  private static @Nullable Object invoke(
      Method method, Object target, @Nullable Object @Nullable [] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
