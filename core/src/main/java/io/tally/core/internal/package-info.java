/**
 * Implementation details shared by Tally's core packages. Not API: anything here may change in any
 * release, and no module outside {@code tally-core} may use it (a test checks). A leaf: it uses
 * only the JDK, SLF4J, JSpecify and the value types {@code Clock}, {@code Health}, {@code
 * HealthPolicy}, {@code FlushListener} and {@code FlushResult} of {@code io.tally.core}
 * (ArchitectureTest checks).
 */
@NullMarked
package io.tally.core.internal;

import org.jspecify.annotations.NullMarked;
