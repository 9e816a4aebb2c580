/**
 * Implementation details shared by Tally's core packages. Not API: anything here may change
 * in any release, and no module outside {@code tally-core} may use it (a test checks).
 */
@NullMarked
package io.tally.core.internal;

import org.jspecify.annotations.NullMarked;
