/**
 * Test support for Tally and for projects that use it: {@link io.tally.testkit.ManualClock},
 * in-memory stores with the real stores' semantics, {@link io.tally.testkit.FaultyStore} for
 * injecting failures into any store ({@link io.tally.testkit.HookedUsageStatsStore} to act around
 * usage flushes), a PostgreSQL JUnit 5 extension, and abstract contract tests every store
 * implementation must pass.
 *
 * <p>JUnit 5 and AssertJ are optional dependencies: add them to your test scope to use the
 * extension and the contract tests.
 */
@NullMarked
package io.tally.testkit;

import org.jspecify.annotations.NullMarked;
