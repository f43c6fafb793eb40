package dev.panicwatch.ingest.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Panic reports for tests, from the bundled seed scenario and small hand-written ones. */
public final class SampleReports {

    private SampleReports() {
    }

    /** A file of the bundled seed scenario, e.g. {@code pve1-101-tlb-flush-timeout.panic}. */
    public static byte[] seed(String name) {
        try (InputStream in = SampleReports.class.getClassLoader()
                .getResourceAsStream("scenarios/seed/panics/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no seed panic " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A short legacy report, different for each {@code n} (so each has its own reportId), with the given boot-args
     * line (none when null).
     */
    public static byte[] tlbFlush(int n, String bootArgs) {
        String text = "panic(cpu " + (n % 16) + " caller 0xffffff8012e9c0b6): \"Uninterruptible processor(s): CPU "
                + "bitmap: 0x10, NMIPI acks: 0x0, now: 0x1, deadline: " + (900_000_000L + n) + "\"@/AppleInternal/"
                + "BuildRoot/Library/Caches/com.apple.xbs/Sources/xnu/xnu-6153.121.2/osfmk/x86_64/pmap.c:2696\n"
                + "Backtrace (CPU 7), Frame : Return Address\n"
                + "0xffffffa0b5a3b8b0 : 0xffffff8012e9c0b6 mach_kernel : _pmap_flush + 0x4a6\n\n"
                + (bootArgs == null ? "" : "Boot args: " + bootArgs + "\n")
                + "\nKernel version:\nDarwin Kernel Version 19.5.0: Tue May 26 20:41:44 PDT 2020; "
                + "root:xnu-6153.121.2~2/RELEASE_X86_64\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The PanicReport a collector makes of {@code raw} for {@code vmId}; the sample reports always parse. */
    public static dev.panicwatch.schemas.PanicReport published(byte[] raw, String vmId, java.time.Instant time) {
        try {
            return new dev.panicwatch.ingest.panic.PanicReportFactory()
                    .create(raw, dev.panicwatch.ingest.panic.VmIdentity.of(vmId), time, time);
        } catch (dev.panicwatch.diagnosis.parse.UnparseableReportException e) {
            throw new AssertionError("a sample report did not parse: " + e.getMessage(), e);
        }
    }
}
