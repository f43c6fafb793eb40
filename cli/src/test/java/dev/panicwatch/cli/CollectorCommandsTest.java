package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The collector commands' argument handling; none of these cases reaches Kafka. */
class CollectorCommandsTest {

    private final StringWriter picocliErr = new StringWriter();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private PrintStream originalErr;

    @BeforeEach
    void captureStderr() {
        originalErr = System.err;
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreStderr() {
        System.setErr(originalErr);
    }

    private int run(String... args) {
        CommandLine cli = Panicwatch.commandLine();
        cli.setErr(new PrintWriter(picocliErr, true));
        return cli.execute(args);
    }

    private String errors() {
        return picocliErr + stderr.toString(StandardCharsets.UTF_8);
    }

    @Test
    void replayReportsBadLinesBeforeTouchingKafka(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("events.jsonl"), "{\"type\":\"panic\",\"vmId\":\"pve1/101\","
                + "\"time\":\"2026-03-02T09:14:37Z\",\"file\":\"panics/gone.panic\"}\nnot json\n");
        // Port 1 on loopback: nothing listens, so reaching Kafka would fail differently.
        int exit = run("replay", dir.toString(), "--bootstrap-servers", "127.0.0.1:1",
                "--schema-registry-url", "http://127.0.0.1:1");
        assertThat(exit).isEqualTo(1);
        assertThat(errors()).contains("the scenario has 2 problems; nothing was published")
                .contains("events.jsonl line 1: panic file \"panics/gone.panic\" not found")
                .contains("events.jsonl line 2: not valid JSON");
    }

    @Test
    void replayOfAMissingFolderIsAUsageError(@TempDir Path dir) {
        assertThat(run("replay", dir.resolve("nope").toString())).isEqualTo(2);
        assertThat(errors()).contains("does not exist");
    }

    @Test
    void theReceiverRefusesToRunWithoutAToken() {
        // (Assumes PANICWATCH_INGEST_TOKEN is not set in the build environment.)
        int exit = run("ingest", "http", "--bootstrap-servers", "127.0.0.1:1", "--schema-registry-url",
                "http://127.0.0.1:1");
        assertThat(exit).isEqualTo(2);
        assertThat(errors()).contains("no bearer token: pass --token or set PANICWATCH_INGEST_TOKEN");
    }

    @Test
    void theWatcherNeedsKafkaAddresses(@TempDir Path dir) {
        int exit = run("ingest", "panics", "--dir", dir.toString(), "--vm", "pve1/101");
        if (System.getenv("KAFKA_BOOTSTRAP_SERVERS") == null) {
            assertThat(exit).isEqualTo(2);
            assertThat(errors()).contains("--bootstrap-servers").contains("KAFKA_BOOTSTRAP_SERVERS");
        }
    }

    @Test
    void remediationsSaysWhereToNameKafkaInsteadOfTryingLocalhost() {
        // It used to fall back to localhost:9092 and then fail after a 15 s timeout against whatever listened there.
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("KAFKA_BOOTSTRAP_SERVERS") == null
                && System.getenv("SCHEMA_REGISTRY_URL") == null, "Kafka addresses are set in this build's environment");
        assertThat(run("remediations")).isEqualTo(2);
        assertThat(errors()).contains("no Kafka address: pass --bootstrap-servers HOST:PORT or set KAFKA_BOOTSTRAP_SERVERS");

        assertThat(run("remediations", "--bootstrap-servers", "127.0.0.1:1")).isEqualTo(2);
        assertThat(errors()).contains("no schema registry address: pass --schema-registry-url URL or set "
                + "SCHEMA_REGISTRY_URL");
    }

    @Test
    void aBadVmIdIsAUsageError(@TempDir Path dir) {
        int exit = run("ingest", "panics", "--dir", dir.toString(), "--vm", "pve1/101 x", "--bootstrap-servers",
                "127.0.0.1:1", "--schema-registry-url", "http://127.0.0.1:1");
        assertThat(exit).isEqualTo(2);
        assertThat(errors()).contains("vmId 'pve1/101 x' contains spaces");
    }
}
