package dev.panicwatch.diagnosis.classify;

/**
 * The verdict on one panic.
 *
 * @param panicClass  the class from docs/design.md#panic-classes
 * @param vtiHelps    whether raising vti lengthens the timeout that fired, on this kernel
 * @param currentVti  vti in force: {@code vti=N} from the boot-args, else 6 (XNU's default)
 * @param reason      which rule matched and why it decides vtiHelps, in a sentence a person can read
 */
public record Diagnosis(PanicClass panicClass, boolean vtiHelps, int currentVti, String reason) {
}
