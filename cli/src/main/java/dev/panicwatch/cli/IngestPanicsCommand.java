package dev.panicwatch.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import dev.panicwatch.ingest.panic.PanicDirectoryWatcher;
import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.panic.PanicReportPublisher;
import dev.panicwatch.ingest.panic.PublishedLedger;
import dev.panicwatch.ingest.panic.VmIdentity;
import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.schemas.Topics;

@Command(name = "panics", mixinStandardHelpOptions = true,
        description = {"Watch a folder of one VM's panic reports and publish each report once to 'panic-reports'.",
                "Existing files are published on start (unless an earlier run did); new ones within seconds of being "
                        + "written completely. Runs until Ctrl-C."})
final class IngestPanicsCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    KafkaConnectionOptions kafka;

    @Option(names = "--dir", required = true, paramLabel = "DIR",
            description = "Folder the guest's reports are synced into (not searched recursively).")
    Path dir;

    @Option(names = "--vm", required = true, paramLabel = "ID", description = "VM id, e.g. pve1/104 or the SMBIOS UUID.")
    String vmId;

    @Option(names = "--host", paramLabel = "ID", description = "Hypervisor host of the VM, e.g. pve1.")
    String hostId;

    @Option(names = "--smbios-uuid", paramLabel = "UUID", description = "The VM's SMBIOS UUID (its IOPlatformUUID).")
    String smbiosUuid;

    @Option(names = "--boot-args", paramLabel = "ARGS",
            description = "The guest's current kern.bootargs, used when a report has no 'Boot args:' line.")
    String bootArgs;

    @Option(names = "--pattern", paramLabel = "GLOB",
            description = "File names to publish; repeat for several (default: *.panic and panic-*.ips).")
    List<String> patterns;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where the ledger of published reports is kept (default: $PANICWATCH_STATE_DIR/panics-<vm> "
                    + "or ~/.panicwatch/state/panics-<vm>).")
    Path stateDir;

    @Option(names = "--settle-ms", paramLabel = "MS", defaultValue = "2000",
            description = "A file is read once its size and time stood still this long (default: ${DEFAULT-VALUE}).")
    long settleMillis;

    @Option(names = "--rescan-seconds", paramLabel = "S", defaultValue = "10",
            description = "Full rescan and retry interval, for mounts without change events (default: ${DEFAULT-VALUE}).")
    long rescanSeconds;

    @Override
    public Integer call() throws Exception {
        VmIdentity vm;
        KafkaConnection connection;
        try {
            vm = new VmIdentity(vmId, hostId, smbiosUuid, bootArgs);
            connection = kafka.connection();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (settleMillis < 0 || rescanSeconds < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--settle-ms must be ≥ 0 and --rescan-seconds ≥ 1");
        }
        PanicDirectoryWatcher.Settings settings = new PanicDirectoryWatcher.Settings(dir, vm,
                patterns == null || patterns.isEmpty() ? PanicDirectoryWatcher.DEFAULT_PATTERNS : patterns,
                Duration.ofMillis(settleMillis), Duration.ofSeconds(rescanSeconds), Duration.ofSeconds(60));
        Path state = stateDir != null ? stateDir : CollectorStateDirs.defaultFor("panics-" + vm.vmId());
        CollectorStartup.warnAboutTopics(connection, List.of(Topics.PANIC_REPORTS));
        PanicReportFactory factory = new PanicReportFactory();
        GracefulStop[] stop = new GracefulStop[1];
        try (PublishedLedger ledger = PublishedLedger.open(state);
             IdempotentPublisher producer = IdempotentPublisher.create(connection)) {
            PanicDirectoryWatcher watcher;
            try {
                watcher = new PanicDirectoryWatcher(settings, factory, new PanicReportPublisher(producer, ledger),
                        Clock.systemUTC());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            stop[0] = new GracefulStop(watcher::close);
            System.err.println("Watching " + dir + " for VM " + vm.vmId() + " (ledger in " + state
                    + "); press Ctrl-C to stop.");
            watcher.run();
        } finally {
            if (stop[0] != null) {
                stop[0].finished();
            }
        }
        return 0;
    }
}
