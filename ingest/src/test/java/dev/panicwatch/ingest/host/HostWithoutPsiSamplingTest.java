package dev.panicwatch.ingest.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.schemas.HostLoadSample;

/**
 * hostfixtures/nopsi: a Proxmox 6 node "pve-old" whose kernel has no PSI (no /proc/pressure) and no cgroup v2, with
 * 2 CPUs and one VM 200. Every PSI figure stays empty; everything else is computed as usual.
 */
class HostWithoutPsiSamplingTest {

    @TempDir
    Path temp;

    @Test
    void pressureFiguresStayEmptyAndTheRestIsComputed() {
        FixtureHost host = FixtureHost.copy("nopsi", temp);
        ManualClock clock = new ManualClock(Instant.parse("2026-11-20T10:00:00Z"));
        HostSampler sampler = HostSampler.create(host.roots(), HostPlatform.AUTO, VmIdScheme.AUTO,
                HostSampler.defaultHostId(host.roots()), "pve-old", Duration.ofSeconds(10), clock);

        List<HostLoadSample> first = sampler.sampleRound().samples();
        assertThat(first).singleElement().satisfies(s -> {
            assertThat(s.getVmId()).isEqualTo("pve-old/200");
            assertThat(s.getHostId()).isEqualTo("pve-old");
            assertThat(s.getHostCpus()).isEqualTo(2);
            assertThat(s.getLoad1()).isEqualTo(3.10);
            assertThat(s.getCpuPressureSome10()).isNull();
            assertThat(s.getVmCpuPressureSome10()).isNull();
            assertThat(s.getVmVcpus()).isEqualTo(2);
            assertThat(s.getCpuunits()).isEqualTo(2048);
            assertThat(s.getSmbiosUuid()).isEqualTo("c0ffee00-1234-4abc-8def-0123456789ab");
        });

        clock.advance(Duration.ofSeconds(10));
        host.advanceToRound2();
        HostLoadSample second = sampler.sampleRound().samples().get(0);

        assertThat(second.getLoad1()).isEqualTo(3.40);
        assertThat(second.getCpuPressureSome10()).isNull();
        assertThat(second.getVmCpuPressureSome10()).isNull();
        // /proc/stat: user +1400, system +180, idle +380, iowait +20, softirq +20 = 2000 (2 CPUs × 10 s × 100);
        // busy = 1 − (380 + 20)/2000 = 0.8
        assertThat(second.getHostCpuBusy()).isCloseTo(0.8, within(1e-9));
        // utime 60000 → 61100 (+1100), stime 4000 → 4100 (+100): 1200 ticks = 12 s / 10 s = 1.2 cores
        assertThat(second.getVmCpuUsage()).isCloseTo(1.2, within(1e-9));
        // vCPU waits: 10 → 13 s = 0.3; 11 → 12 s = 0.1. Max 0.3.
        assertThat(second.getVcpuWaitRatioMax()).isCloseTo(0.3, within(1e-9));
    }
}
