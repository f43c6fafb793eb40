package dev.panicwatch.streams.topology;

/**
 * One {@code load.summary.interval} (default 5 minutes) of one VM's load samples, reduced to what is looked at further
 * back than the raw window (docs/design.md#load-history; built by {@link LoadSummaryBuilder}): how many samples there
 * were and how many of them were overloaded (the overload share of an advice outcome), the peaks the load view draws,
 * and the host the VM was on.
 *
 * @param startMillis          start of the interval, on the grid of the interval length (inclusive)
 * @param endMillis            end of the interval (exclusive)
 * @param hostId               host named by the interval's latest sample that names one; null when none did
 * @param samples              samples whose time lies in [start, end)
 * @param overloadedSamples    of those, the ones that crossed a threshold on their own (as the advice judges them)
 * @param peakLoadPerCpu       largest load1 / hostCpus; null without a sample that has host CPUs
 * @param worstVcpuWait        largest vcpuWaitRatioMax; null when no sample carried one
 * @param peakCpuPressure      largest host PSI cpu some avg10 (percent); null when no sample carried one
 * @param latestSampleMillis   time of the interval's latest sample
 * @param hostCpus             host CPUs, vCPUs and Proxmox cpuunits of the VM in that latest sample: what the
 * @param vmVcpus              host-side advice names for a panic decided on the summaries
 * @param cpuunits
 */
public record LoadSummary(long startMillis, long endMillis, String hostId, int samples, int overloadedSamples,
                          Double peakLoadPerCpu, Double worstVcpuWait, Double peakCpuPressure,
                          long latestSampleMillis, int hostCpus, int vmVcpus, Integer cpuunits) {
}
