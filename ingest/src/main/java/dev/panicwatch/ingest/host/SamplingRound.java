package dev.panicwatch.ingest.host;

import java.util.List;
import java.util.Optional;

import dev.panicwatch.schemas.HostLoadSample;

/**
 * What one sampling round produced.
 *
 * @param samples     one per running VM (empty when there are none, or when the host figures could not be read)
 * @param vmsRunning  VMs discovery found
 * @param hostProblem why no samples could be written although VMs run: the host's load average or CPU times, which
 *                    every sample must carry, were unreadable
 */
public record SamplingRound(List<HostLoadSample> samples, int vmsRunning, Optional<String> hostProblem) {

    public SamplingRound {
        samples = List.copyOf(samples);
    }
}
