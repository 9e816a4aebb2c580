/**
 * The README's code, compiled and tested: wiring Tally by hand ({@link
 * io.tally.examples.quickstart.PlainJavaQuickstart}) and with Guice ({@link
 * io.tally.examples.quickstart.GuiceQuickstart}).
 */
package io.tally.examples.quickstart;
