package dev.panicwatch.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that needs the real broker and registry: tagged {@code integration} (run by failsafe in
 * {@code mvn verify}) and given the one shared {@link StackEndpoints} of the run.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("integration")
@ExtendWith(SharedStackExtension.class)
public @interface IntegrationTest {
}
