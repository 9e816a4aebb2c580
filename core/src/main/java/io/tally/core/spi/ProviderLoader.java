package io.tally.core.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Finds the providers of one SPI type: the seam between Tally's wiring and {@link ServiceLoader},
 * so a test can wire Tally with exactly the providers it names, or none.
 */
@FunctionalInterface
public interface ProviderLoader {
  /**
   * Returns an instance of every provider of {@code service} this loader knows, in a stable order.
   *
   * @param service the SPI type, e.g. {@code StoreProvider.class}
   * @param <S> the SPI type
   * @return the providers; empty if there are none
   * @throws IllegalStateException if a provider is registered but cannot be instantiated
   */
  <S> List<S> load(Class<S> service);

  /**
   * Returns the loader that uses {@link ServiceLoader} with the thread's context class loader (or,
   * without one, the class loader that loaded Tally).
   *
   * @return the default loader
   */
  static ProviderLoader serviceLoader() {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    return serviceLoader(context != null ? context : ProviderLoader.class.getClassLoader());
  }

  /**
   * Returns a loader that uses {@link ServiceLoader} with the given class loader.
   *
   * @param classLoader where to look for {@code META-INF/services} files
   * @return the loader
   * @throws NullPointerException if {@code classLoader} is null
   */
  static ProviderLoader serviceLoader(ClassLoader classLoader) {
    Objects.requireNonNull(classLoader, "classLoader");
    return new ProviderLoader() {
      @Override
      public <S> List<S> load(Class<S> service) {
        List<S> found = new ArrayList<>();
        try {
          for (S provider : ServiceLoader.load(service, classLoader)) {
            found.add(provider);
          }
        } catch (ServiceConfigurationError e) {
          throw new IllegalStateException(
              "cannot load the "
                  + service.getSimpleName()
                  + "s on the class path: "
                  + e.getMessage(),
              e);
        }
        return List.copyOf(found);
      }

      @Override
      public String toString() {
        return "ProviderLoader.serviceLoader(" + classLoader + ")";
      }
    };
  }

  /**
   * Returns a loader that knows exactly {@code providers}: each is returned for every SPI type it
   * implements. {@code of()} knows none.
   *
   * @param providers provider instances of any SPI types
   * @return the loader
   * @throws NullPointerException if {@code providers} or one of them is null
   */
  static ProviderLoader of(Object... providers) {
    List<Object> all = List.of(providers);
    return new ProviderLoader() {
      @Override
      public <S> List<S> load(Class<S> service) {
        List<S> found = new ArrayList<>();
        for (Object p : all) {
          if (service.isInstance(p)) {
            found.add(service.cast(p));
          }
        }
        return List.copyOf(found);
      }

      @Override
      public String toString() {
        return "ProviderLoader.of(" + all + ")";
      }
    };
  }
}
