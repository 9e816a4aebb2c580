/**
 * The one-command demo: a fleet of replicas (each a {@link io.tally.core.Tally} instance with its
 * own replica id) sharing one database, driven at a target event rate, then checked against the
 * simulation's own ground truth read back from the database. See {@link
 * io.tally.examples.demo.DemoMain}.
 */
package io.tally.examples.demo;
