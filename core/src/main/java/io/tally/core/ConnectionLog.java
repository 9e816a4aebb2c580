package io.tally.core;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import com.google.inject.BindingAnnotation;
import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

/**
 * Marks the connection log in Guice: {@link TallyModule} binds {@code @ConnectionLog
 * Backend<ConnectionEvent>} to the {@link io.tally.core.backend.FanOut} over every backend in the
 * {@code Multibinder<Backend<ConnectionEvent>>}. Inject it where connections are opened and closed:
 *
 * <pre>{@code
 * @Inject
 * Gateway(@ConnectionLog Backend<ConnectionEvent> connectionLog) { ... }
 * }</pre>
 */
@BindingAnnotation
@Documented
@Retention(RUNTIME)
@Target({FIELD, PARAMETER, METHOD})
public @interface ConnectionLog {}
