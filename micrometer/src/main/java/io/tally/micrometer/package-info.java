/**
 * Tally's Micrometer binding: {@link io.tally.micrometer.TallyMetrics}, a {@code MeterBinder} over
 * every component's counters, health and flush durations, named {@code tally.<component>.<metric>}
 * and tagged with the replica id.
 */
@NullMarked
package io.tally.micrometer;

import org.jspecify.annotations.NullMarked;
