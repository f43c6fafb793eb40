package dev.panicwatch.streams.advice;

import java.time.Instant;

import dev.panicwatch.diagnosis.classify.PanicClass;

/**
 * One classified panic, as the topology carries it from classification to the advice: built once, right after the
 * classifier has read the report (docs/design.md#classify), counted, parked with its deadlines and decided in this
 * shape. The report's raw text is not kept: nothing after classification reads it.
 *
 * @param reportId        the report's content hash
 * @param vmId            the VM that panicked
 * @param hostId          its host: the report's, else the host of the VM's latest load sample (null when neither
 *                        named one; never blank)
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

    /** These facts with the host named later, by load samples that were read after the panic. */
    public PanicFacts withHostId(String host) {
        return new PanicFacts(reportId, vmId, host, panicTime, panicClass, vtiHelps, currentVti, xnuVersion, bootArgs,
                diagnosisReason);
    }
}
