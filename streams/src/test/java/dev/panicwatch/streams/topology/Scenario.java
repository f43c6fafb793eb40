package dev.panicwatch.streams.topology;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;

import dev.panicwatch.diagnosis.kernel.BootArgs;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.GuestStateSource;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.ReportFormat;

/** Builders for test records, with the panic strings of real reports (see /work/shared/corpus). */
final class Scenario {

    static final String TLB_FLUSH = "NMIPI for unresponsive processor: TLB flush timeout, TLB state:0x0";
    static final String SPINLOCK = "Spinlock acquisition timed out: lock=0xffffff871d3f9740, lock owner "
            + "thread=0xffffff8720cd5d10, current_thread: 0xffffff8720cd5d10, lock owner active on CPU 0xe";
    /** The constant-LOCK_PANIC_TIMEOUT variant (xnu 4570–7195): vti does not scale it. */
    static final String SPINLOCK_CONSTANT = "Spinlock timeout after 1734987 ticks, 0xffffff8027b4c9c0 = 0xffffff80280c4ab8";
    static final String WATCHDOG = "watchdog timeout: no checkins from watchdogd in 180 seconds (24 total checkins since monitoring last enabled)";
    static final String KERNEL_TRAP = "Kernel trap at 0xffffff800e8f3c5a, type 14=page fault, registers:";

    static final String XNU_10_15 = "xnu-6153.121.2";
    static final String XNU_11 = "xnu-7195.101.2";
    static final String XNU_10_11 = "xnu-3248.50.21";

    private Scenario() {
    }

    static PanicReport panic(String vmId, String hostId, Instant time, String panicString, String xnu, String bootArgs) {
        String raw = "panic(cpu 0 caller 0xffffff8000000000): \"" + panicString + "\" at " + time + " on " + vmId
                + " boot-args " + bootArgs;
        return PanicReport.newBuilder()
                .setReportId(sha256(raw))
                .setVmId(vmId)
                .setHostId(hostId)
                .setPanicTime(time)
                .setReceivedTime(time)
                .setFormat(ReportFormat.LEGACY_TEXT)
                .setPanicString(panicString)
                .setXnuVersion(xnu)
                .setBootArgs(bootArgs)
                .setRaw(raw)
                .build();
    }

    static HostLoadSample load(String vmId, String hostId, Instant time, int hostCpus, double load1,
                               Double vcpuWait, Double psi) {
        return HostLoadSample.newBuilder()
                .setHostId(hostId)
                .setVmId(vmId)
                .setSampleTime(time)
                .setIntervalMillis(10_000)
                .setHostCpus(hostCpus)
                .setLoad1(load1)
                .setLoad5(load1)
                .setLoad15(load1)
                .setCpuPressureSome10(psi)
                .setVmVcpus(8)
                .setVcpuWaitRatioMax(vcpuWait)
                .build();
    }

    /** A guest-state observation, with vti and tlbto_us read from the boot-args as the receiver does. */
    static GuestState guest(String vmId, String hostId, Instant observed, String bootArgs, Instant bootTime) {
        java.util.OptionalInt tlbto = BootArgs.number(bootArgs, "tlbto_us");
        return GuestState.newBuilder()
                .setVmId(vmId)
                .setHostId(hostId)
                .setObservedTime(observed)
                .setReceivedTime(observed)
                .setSource(GuestStateSource.AGENT)
                .setBootArgs(bootArgs)
                .setVti(BootArgs.currentVti(bootArgs))
                .setTlbtoUs(tlbto.isPresent() ? tlbto.getAsInt() : null)
                .setOsVersion("10.15.5")
                .setXnuVersion(XNU_10_15)
                .setBootTime(bootTime)
                .build();
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
