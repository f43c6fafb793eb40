package dev.panicwatch.streams.topology;

/**
 * What the peer warning (docs/design.md#preventive-advice) learns about one host, repartitioned by hostId: a VM seen
 * on it (by its samples), what a VM on it runs (its guest state), and advice to raise a VM's vti there. One flat
 * record, JSON on the internal topic; {@code kind} says which fields are set.
 *
 * @param kind            SEEN, OBSERVED or ADVISED
 * @param vmId            the VM
 * @param hostId          the host (the record key)
 * @param timeMillis      event time: sample, observation or advice (the advised panic's) time
 * @param vti             OBSERVED: the vti in force
 * @param bootArgs        OBSERVED: the boot-args in force (may be null)
 * @param xnuVersion      OBSERVED: the guest's kernel (may be null)
 * @param source          OBSERVED: the GuestStateSource name
 * @param remediation     ADVISED: the published RemediationEvent in Avro single-object encoding. The writer and
 *                        reader are the same build's topology; on a rolling upgrade Avro resolves the schema by its
 *                        fingerprint, and an advice it cannot read is skipped with a log line.
 */
record HostEvent(String kind, String vmId, String hostId, long timeMillis, Integer vti, String bootArgs,
                 String xnuVersion, String source, byte[] remediation) {

    static final String SEEN = "SEEN";
    static final String OBSERVED = "OBSERVED";
    static final String ADVISED = "ADVISED";
}
