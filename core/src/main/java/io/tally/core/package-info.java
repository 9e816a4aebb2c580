/**
 * Tally's public core: the {@link io.tally.core.Clock} every component reads time from,
 * observability types ({@link io.tally.core.ComponentStats}, {@link io.tally.core.Health}, {@link
 * io.tally.core.FlushResult}, {@link io.tally.core.FlushListener}) and the wiring entry points
 * ({@link io.tally.core.TallyConfig}, {@link io.tally.core.TallyModule}, {@link
 * io.tally.core.Tally}).
 *
 * <p>Conventions across Tally: every public type is final or an interface; builders validate in
 * {@code build()} and name the bad option and value; a {@code null} argument fails with a {@link
 * java.lang.NullPointerException} naming the parameter; hot-path calls never wait on the database;
 * every value is checked against the {@link io.tally.core.InputRules} (storable time range, no NUL
 * or lone surrogates, documented string limits) by the call that supplies it.
 *
 * <h2>Wiring with Guice</h2>
 *
 * <pre>{@code
 * try (Tally tally = Tally.start(TallyConfig.fromEnvironment())) {   // tally.* / TALLY_*
 *   tally.lastUsed().markUsed(workspaceId);
 *   tally.usageStats().track(workspaceId, userId, allowed, denied);
 *   tally.connectionLog().write(event);
 *   tally.stats(); tally.health();
 * }
 * }</pre>
 *
 * <p>Choices made here:
 *
 * <ul>
 *   <li>{@link io.tally.core.Tally#stats()} is a list, one snapshot per component in start order
 *       (the {@code db} backend's batcher {@code connection-log}, {@code last-used}, {@code
 *       usage-stats}, {@code usage-reporter}, extra components); a list keeps the order and allows
 *       two components of one kind. {@link io.tally.core.Tally#health()} is the worst of them.
 *   <li>The connection log is bound in Guice as {@code @}{@link io.tally.core.ConnectionLog} {@code
 *       Backend<ConnectionEvent>} (and as {@code FanOut<ConnectionEvent>}). Backends bound into the
 *       {@code Multibinder<Backend<ConnectionEvent>>} by any module receive every event and are
 *       closed by Tally; components bound into {@code Multibinder<TallyComponent>} are started,
 *       watched and closed with the built-in ones.
 *   <li>Overrides: {@code Tally.start(config, modules...)} applies {@code
 *       Modules.override(tallyModule).with(modules)}, so a module may rebind {@code Clock} (or use
 *       {@code OptionalBinder.setBinding()}), rebind {@code Stores} (for instance to the testkit's
 *       in-memory stores) or add backends.
 *   <li>Providers are chosen when the {@link io.tally.core.TallyModule} is built (unknown and
 *       ambiguous names fail there, all at once); stores are opened, backends created and trackers
 *       started only by {@link io.tally.core.Tally#start(TallyModule,
 *       com.google.inject.Module...)}.
 *   <li>The replica id defaults to a random UUID chosen when the configuration is built (one per
 *       process in the usual one-configuration-per-process setup, and never shared by two Tally
 *       instances in one JVM); Tally logs it at start.
 *   <li>{@link io.tally.core.Tally#close()} never throws: a component that fails to close is logged
 *       at ERROR and the rest still close. The components close in parallel within one budget,
 *       {@code tally.close-timeout}, each bounding its final flush by its own shutdown timeout;
 *       what has not finished when the budget is spent is logged at ERROR and left to finish on its
 *       own thread, and the stores are closed after them.
 * </ul>
 *
 * <h2>Without Guice</h2>
 *
 * <p>Every component has a public builder, so an application that does not want Guice (or a
 * dependency-injection framework of its own) builds them by hand and owns their lifecycle:
 *
 * <pre>{@code
 * DataSource ds = ...;                                     // your pool
 * PostgresSchema schema = PostgresSchema.defaults();
 * schema.migrate(ds);
 * Clock clock = Clock.system();
 * LastUsedTracker<UUID> lastUsed =
 *     LastUsedTracker.builder(PostgresLastUsedStore.builder(ds, UUID.class).build())
 *         .clock(clock).build();
 * UsageStatsStore usageStore = new PostgresUsageStatsStore(ds);
 * UsageStatsTracker usage = UsageStatsTracker.builder(usageStore, replicaId).clock(clock).build();
 * Batcher<ConnectionEvent> batcher = Batcher.builder(new PostgresConnectionLogStore(ds))
 *     .coalescing(ConnectionEvents.coalescing()).clock(clock).build();
 * Backend<ConnectionEvent> connectionLog = FanOut.of(batcher, SlogBackend.create());
 * ...
 * usage.close(); lastUsed.close(); connectionLog.close();  // reverse order of start
 * }</pre>
 *
 * <p>The providers serve the same purpose without Guice: {@code new
 * H2StoreProvider().open(ProviderContext.of(config, null, clock))} returns the three stores over a
 * pool built from a {@link io.tally.core.TallyConfig}.
 */
@NullMarked
package io.tally.core;

import org.jspecify.annotations.NullMarked;
