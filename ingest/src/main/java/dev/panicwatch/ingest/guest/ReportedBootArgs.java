package dev.panicwatch.ingest.guest;

import java.util.Objects;
import java.util.Optional;

import dev.panicwatch.diagnosis.kernel.BootArgs;
import dev.panicwatch.ingest.panic.VmIdentity;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.GuestStateSource;
import dev.panicwatch.schemas.PanicReport;

/**
 * The boot-args a panic report carries, as a guest-state observation (docs/design.md#guest-state): a guest without
 * the agent's guest-state runs (an older agent, a report dropped into the directory watcher's folder) still says what
 * it ran when it panicked.
 *
 * <p>Made where the report enters (the receiver, and replay, which stands in for it) rather than in the streams app:
 * there the sender's reading of {@code kern.bootargs} and the report's own {@code Boot args:} line are still told
 * apart, and {@code guest-state} stays the one place the guest facts are written, by the collectors, like the other
 * inputs; the topology then reads one input for them instead of deriving a second copy from panic-reports.
 */
public final class ReportedBootArgs {

    private ReportedBootArgs() {
    }

    /**
     * @param report the published report; its bootArgs are the report's line, else the sender's reading
     * @param sender who sent it, with the boot-args the sender read at sending time
     * @return empty when the report carries no boot-args
     */
    public static Optional<GuestState> observation(PanicReport report, VmIdentity sender) {
        String bootArgs = report.getBootArgs();
        if (bootArgs == null || bootArgs.isBlank()) {
            return Optional.empty();
        }
        // Equal to the sender's reading: true at sending time (and, if the line said the same, at the panic too), so
        // observed when received. Otherwise they came from the report's line: true when it panicked.
        boolean senderReading = Objects.equals(bootArgs, sender.bootArgs());
        return Optional.of(GuestState.newBuilder()
                .setVmId(report.getVmId())
                .setHostId(report.getHostId())
                .setSmbiosUuid(report.getSmbiosUuid())
                .setObservedTime(senderReading ? report.getReceivedTime() : report.getPanicTime())
                .setReceivedTime(report.getReceivedTime())
                .setSource(GuestStateSource.PANIC_REPORT)
                .setBootArgs(bootArgs)
                .setVti(BootArgs.currentVti(bootArgs))
                .setTlbtoUs(GuestStateJson.tlbtoUs(bootArgs))
                .setXnuVersion(report.getXnuVersion())
                .build());
    }
}
