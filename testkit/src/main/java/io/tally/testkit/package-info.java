/**
 * Test support for Tally and for projects that use it: {@link io.tally.testkit.ManualClock},
 * in-memory stores with the real stores' semantics, {@link io.tally.testkit.FaultyStore} for
 * injecting failures into any store, a PostgreSQL JUnit 5 extension, abstract contract tests
 * every store implementation must pass, and for fault tests against a real server {@link
 * io.tally.testkit.FaultProxy} (refuse, reset, silence, slow down connections, lose the reply to
 * a statement) and {@link io.tally.testkit.PrivatePostgres} (a throw-away server to stop and
 * restart).
 *
 * <p>JUnit 5 and AssertJ are optional dependencies: add them to your test scope to use the
 * extension and the contract tests.
 */
package io.tally.testkit;
