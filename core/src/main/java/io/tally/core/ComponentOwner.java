package io.tally.core;

import java.util.List;

/**
 * Something that runs further {@link TallyComponent}s of its own, for example a connection-log
 * backend that also starts a relay. When a backend a {@code BackendProvider} returns implements it,
 * {@link Tally#stats()}, {@link Tally#health()} and {@link Tally#components()} include its
 * components, right after the backend itself. The owner closes them; Tally only watches them.
 */
public interface ComponentOwner {
  /**
   * Returns the components this owner runs, as of now.
   *
   * @return the components, in a stable order; empty if none
   */
  List<TallyComponent> ownedComponents();
}
