package dev.panicwatch.kafka.registry;

import java.time.Instant;
import java.util.List;

import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.ReportFormat;

/** Small, valid records for the serde tests. */
public final class SampleRecords {

    private SampleRecords() {
    }

    public static PanicReport panicReport(String vmId) {
        return PanicReport.newBuilder()
                .setReportId("9f".repeat(32))
                .setVmId(vmId)
                .setHostId("pve1")
                .setPanicTime(Instant.parse("2020-08-01T10:15:00Z"))
                .setReceivedTime(Instant.parse("2020-08-01T10:16:00Z"))
                .setFormat(ReportFormat.LEGACY_TEXT)
                .setPanicString("NMIPI for unresponsive processor: TLB flush timeout, TLB state:0x0")
                .setXnuVersion("xnu-6153.121.2")
                .setBootArgs("keepsyms=1")
                .setBacktrace(List.of("_panic", "_pmap_flush_tlbs"))
                .setRaw("panic(cpu 0 caller 0x....): \"NMIPI for unresponsive processor: TLB flush timeout\"")
                .build();
    }

    public static HostLoadSample hostLoad(String vmId, double load1) {
        return HostLoadSample.newBuilder()
                .setHostId("pve1").setVmId(vmId)
                .setSampleTime(Instant.parse("2020-08-01T10:14:50Z")).setIntervalMillis(10_000)
                .setHostCpus(32).setLoad1(load1).setLoad5(load1).setLoad15(load1)
                .setVmVcpus(8)
                .build();
    }
}
