package dev.panicwatch.streams.advice;

import java.time.Instant;

import dev.panicwatch.diagnosis.classify.PanicClass;

/**
 * What the advice needs to know of one classified panic.
 *
 * @param reportId        the report's content hash
 * @param vmId            the VM that panicked
 * @param hostId          its host, when the report or a load sample named it (may be null)
 * @param panicTime       when it panicked
 * @param panicClass      class from the classifier
 * @param vtiHelps        whether vti scales the timeout that fired, on this kernel
 * @param currentVti      vti in force at the panic
 * @param xnuVersion      kernel version, e.g. {@code xnu-6153.121.2} (may be null)
 * @param bootArgs        boot-args in force (may be null)
 * @param diagnosisReason the classifier's one-sentence reason
 */
public record PanicFacts(String reportId, String vmId, String hostId, Instant panicTime, PanicClass panicClass,
                         boolean vtiHelps, int currentVti, String xnuVersion, String bootArgs, String diagnosisReason) {
}
