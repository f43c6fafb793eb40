package dev.panicwatch.cli.bench;

import java.time.Duration;
import java.time.Instant;

import dev.panicwatch.diagnosis.kernel.BootArgs;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.GuestStateSource;
import dev.panicwatch.schemas.HostLoadSample;

/**
 * The synthetic fleet the pipeline benchmark feeds: {@code vms} VMs on hosts of {@link #VMS_PER_HOST}, each sampled
 * {@code samplesPerVm} times every {@code interval} (10 s, pvestatd's, unless the history mode asks for another) up
 * to {@code lastSampleTime}. The hosts are
 * overloaded (load1 1.5× their CPUs, vCPUs waiting 30 %), so each panic gets real advice (raise vti), the
 * costliest path through the correlator.
 */
record BenchFleet(int vms, int samplesPerVm, Instant lastSampleTime, Duration interval) {

    static final int VMS_PER_HOST = 50;

    /** The boot-args every bench guest runs before advice, and its panics carry: no vti, so XNU's default 6. */
    static final String BOOT_ARGS = "keepsyms=1";

    /** macOS 10.15.7 (19H2), the kernel of the bench's panics. */
    static final String KERNEL_VERSION = "Darwin Kernel Version 19.6.0: Thu Oct 29 22:56:45 PDT 2020; "
            + "root:xnu-6153.141.1~1/RELEASE_X86_64";
    static final String XNU_VERSION = "xnu-6153.141.1";
    static final Duration INTERVAL = Duration.ofSeconds(10);
    private static final int HOST_CPUS = 64;

    BenchFleet {
        if (vms < 1 || samplesPerVm < 1 || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("vms and samples per VM must be at least 1, the interval positive");
        }
    }

    BenchFleet(int vms, int samplesPerVm, Instant lastSampleTime) {
        this(vms, samplesPerVm, lastSampleTime, INTERVAL);
    }

    long samples() {
        return (long) vms * samplesPerVm;
    }

    Instant firstSampleTime() {
        return lastSampleTime.minus(interval.multipliedBy(samplesPerVm - 1L));
    }

    String hostId(int vm) {
        return String.format("bench-pve-%03d", vm / VMS_PER_HOST);
    }

    /** Proxmox-style host-qualified vmids, 100 upwards per host. */
    String vmId(int vm) {
        return hostId(vm) + "/" + (100 + vm % VMS_PER_HOST);
    }

    /** Sample {@code round} (0 = oldest) of VM {@code vm}; figures vary a little so records are not identical. */
    HostLoadSample sample(int vm, int round) {
        double jitter = ((vm * 31L + round * 17L) % 100) / 1000.0;
        double load1 = HOST_CPUS * (1.5 + jitter);
        return HostLoadSample.newBuilder()
                .setHostId(hostId(vm))
                .setVmId(vmId(vm))
                .setSampleTime(firstSampleTime().plus(interval.multipliedBy(round)))
                .setIntervalMillis(interval.toMillis())
                .setHostCpus(HOST_CPUS)
                .setLoad1(load1)
                .setLoad5(load1 * 0.9)
                .setLoad15(load1 * 0.8)
                .setHostCpuBusy(0.97)
                .setCpuPressureSome10(55.0 + jitter * 10)
                .setVmVcpus(8)
                .setVmCpuUsage(6.5 + jitter)
                .setVmCpuPressureSome10(null)
                .setVcpuWaitRatioMax(0.30 + jitter)
                .setCpuunits(null)
                .setSmbiosUuid(null)
                .build();
    }

    /**
     * What VM {@code vm}'s agent reports just before its sample of {@code round}: the boot-args without a vti, booted
     * an hour before the first sample, observed at that sample's time and host.
     */
    GuestState guestState(int vm, int round) {
        Instant observed = firstSampleTime().plus(interval.multipliedBy(round));
        return guestState(vm, BOOT_ARGS, firstSampleTime().minus(Duration.ofHours(1)), observed);
    }

    /** The agent's report of VM {@code vm} running {@code bootArgs}, booted at {@code bootTime}. */
    GuestState guestState(int vm, String bootArgs, Instant bootTime, Instant observed) {
        var tlbto = BootArgs.number(bootArgs, "tlbto_us");
        return GuestState.newBuilder()
                .setVmId(vmId(vm))
                .setHostId(hostId(vm))
                .setSmbiosUuid(null)
                .setObservedTime(observed)
                .setReceivedTime(observed)
                .setSource(GuestStateSource.AGENT)
                .setBootArgs(bootArgs)
                .setVti(BootArgs.currentVti(bootArgs))
                .setTlbtoUs(tlbto.isPresent() ? tlbto.getAsInt() : null)
                .setOsVersion("10.15.7")
                .setOsBuild("19H2")
                .setKernelVersion(KERNEL_VERSION)
                .setXnuVersion(XNU_VERSION)
                .setBootTime(bootTime)
                .setCpus(8)
                .setBootLogVti(null)
                .setAgentVersion("0.1.0")
                .build();
    }
}
