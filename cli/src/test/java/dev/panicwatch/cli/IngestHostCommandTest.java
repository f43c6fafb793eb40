package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code panicwatch ingest host} through the real command line, on a small recorded libvirt host. */
class IngestHostCommandTest {

    @TempDir
    Path root;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    /** One QEMU VM "mac1" with 2 vCPUs; a host with 2 CPUs. */
    private void writeHost() throws IOException {
        write("proc/sys/kernel/hostname", "kvm9\n");
        write("proc/loadavg", "2.50 2.00 1.50 3/200 4000\n");
        write("proc/stat", "cpu  100 0 50 800 10 0 5 0 40 0\ncpu0 50 0 25 400 5 0 3 0 20 0\ncpu1 50 0 25 400 5 0 2 0 20 0\n");
        write("proc/700/cmdline", "/usr/bin/qemu-system-x86_64\0-name\0guest=mac1,debug-threads=on\0-smp\0" + "2\0");
        write("proc/700/stat", "700 (qemu-system-x86) S 1 700 700 0 -1 0 0 0 0 0 300 20 0 0 20 0 3 0 1 1 1\n");
        write("proc/700/task/701/comm", "CPU 0/KVM\n");
        write("proc/700/task/701/schedstat", "1000 5000 10\n");
    }

    private void write(String relative, String text) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private String[] hostArgs(String... extra) {
        String[] base = {"ingest", "host", "--proc-root", root.resolve("proc").toString(),
            "--pve-root", root.resolve("etc/pve").toString(), "--run-root", root.resolve("run").toString(),
            "--cgroup-root", root.resolve("sys/fs/cgroup").toString()};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    @Test
    void onceJsonPrintsOneLinePerVmAndNeedsNoKafka() throws Exception {
        writeHost();

        CliRun run = run(hostArgs("--once", "--json", "--interval", "100ms"));

        assertThat(run.exitCode()).isZero();
        String[] lines = run.out().strip().split("\n");
        assertThat(lines).hasSize(1);
        JsonNode sample = new ObjectMapper().readTree(lines[0]);
        assertThat(sample.get("hostId").asText()).isEqualTo("kvm9");
        assertThat(sample.get("vmId").asText()).isEqualTo("mac1");
        assertThat(sample.get("hostCpus").asInt()).isEqualTo(2);
        assertThat(sample.get("load1").asDouble()).isEqualTo(2.5);
        assertThat(sample.get("vmVcpus").asInt()).isEqualTo(2);
        // The files do not change between the two reads: zero CPU used, zero wait, and no busy share (Δtotal = 0).
        assertThat(sample.get("vmCpuUsage").asDouble()).isZero();
        assertThat(sample.get("vcpuWaitRatioMax").asDouble()).isZero();
        assertThat(sample.get("hostCpuBusy").isNull()).isTrue();
        assertThat(sample.get("intervalMillis").asLong()).isGreaterThanOrEqualTo(100);
    }

    @Test
    void aHostWithoutVmsSaysSoAndPrintsNothing() throws Exception {
        writeHost();
        write("proc/700/cmdline", "/usr/sbin/sshd\0-D\0");

        CliRun run = run(hostArgs("--once", "--json", "--interval", "100ms"));

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEmpty();
    }

    @Test
    void badFlagsAreRefusedNamingTheProblem() throws Exception {
        writeHost();

        CliRun notProc = run("ingest", "host", "--once", "--json", "--proc-root", root.toString());
        assertThat(notProc.exitCode()).isEqualTo(2);
        assertThat(notProc.err()).contains("--proc-root " + root).contains("no readable loadavg");

        CliRun badInterval = run(hostArgs("--interval", "soon"));
        assertThat(badInterval.exitCode()).isEqualTo(2);
        assertThat(badInterval.err()).contains("'soon' is not a duration");

        CliRun tooShort = run(hostArgs("--interval", "10ms", "--json"));
        assertThat(tooShort.exitCode()).isEqualTo(2);
        assertThat(tooShort.err()).contains("--interval must be between 100ms and 1h");

        CliRun vmidOnQemu = run(hostArgs("--once", "--json", "--vm-id-from", "vmid"));
        assertThat(vmidOnQemu.exitCode()).isEqualTo(2);
        assertThat(vmidOnQemu.err()).contains("needs Proxmox");

        IngestHostCommand command = new IngestHostCommand();
        CommandLine cli = new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true);
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        command.kafka.environment = Map.of(); // no KAFKA_* in this test's environment
        assertThat(cli.execute("--once", "--proc-root", root.resolve("proc").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--bootstrap-servers").contains("KAFKA_BOOTSTRAP_SERVERS");
    }

    @Test
    void durationsReadInTheUsualShortForms() {
        IngestHostCommand.DurationConverter converter = new IngestHostCommand.DurationConverter();
        assertThat(converter.convert("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(converter.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(converter.convert("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(converter.convert("15")).isEqualTo(Duration.ofSeconds(15));
        assertThat(converter.convert("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
    }
}
