package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** Runs {@code panicwatch parse} as the launcher does, on public panic logs of the project's corpus. */
class ParseCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine commandLine = Panicwatch.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    private static String panic(String prefix) {
        try {
            // The project's corpus, which the build packs into the command's class path for the benchmark.
            Path dir = Path.of(ParseCommandTest.class.getResource("/bench-corpus/").toURI());
            try (var files = java.nio.file.Files.list(dir)) {
                return files.filter(f -> f.getFileName().toString().startsWith(prefix + "-")).findFirst()
                        .orElseThrow().toString();
            }
        } catch (URISyntaxException | java.io.IOException missing) {
            throw new IllegalStateException("the corpus is not on the class path", missing);
        }
    }

    private List<JsonNode> jsonLines() throws Exception {
        List<JsonNode> nodes = new java.util.ArrayList<>();
        for (String line : out.toString().split("\n")) {
            nodes.add(JSON.readTree(line));
        }
        return nodes;
    }

    @Test
    void json_mode_prints_one_object_per_file_with_the_verdict_and_kernel() throws Exception {
        int exit = run("parse", "--json", panic("53"), panic("49"));

        assertThat(exit).isZero();
        List<JsonNode> lines = jsonLines();
        assertThat(lines).hasSize(2);

        // 53: the Proxmox "Uninterruptible processor(s)" TLB panic on 10.15.5; the report has no boot-args, so vti 6.
        JsonNode proxmox = lines.get(0);
        assertThat(proxmox.get("file").asText()).isEqualTo(panic("53"));
        assertThat(proxmox.get("class").asText()).isEqualTo("TLB_FLUSH_TIMEOUT");
        assertThat(proxmox.get("vtiHelps").asBoolean()).isTrue();
        assertThat(proxmox.get("currentVti").asInt()).isEqualTo(6);
        assertThat(proxmox.get("xnuVersion").asText()).isEqualTo("xnu-6153.121.2");
        assertThat(proxmox.get("darwinVersion").isNull()).isTrue();
        assertThat(proxmox.get("bootArgs").isNull()).isTrue();
        assertThat(proxmox.get("panicString").asText()).isEqualTo(
                "Uninterruptible processor(s): CPU bitmap: 0x800, NMIPI acks: 0x0, now: 0x1, deadline=xxx");
        assertThat(proxmox.get("panicCpu").asInt()).isEqualTo(7);
        assertThat(proxmox.get("backtrace").get(2).asText()).isEqualTo("_pmap_flush");
        assertThat(proxmox.get("reason").asText()).contains("TLB");

        // 49: an .ips report cut inside macOSPanicString; a page fault is no timeout.
        JsonNode ips = lines.get(1);
        assertThat(ips.get("class").asText()).isEqualTo("NON_TIMEOUT");
        assertThat(ips.get("format").asText()).isEqualTo("IPS_JSON");
        assertThat(ips.get("vtiHelps").asBoolean()).isFalse();
        assertThat(ips.get("macOSBuild").asText()).isEqualTo("24B83");
        // The header says 19:53:37 at -04:00.
        assertThat(ips.get("panicTime").asText()).isEqualTo("2024-10-28T23:53:37Z");
    }

    @Test
    void a_file_without_a_panic_and_a_missing_file_give_error_lines_and_exit_1(@TempDir Path dir) throws Exception {
        String missing = dir.resolve("nope.panic").toString();

        int exit = run("parse", "--json", panic("43"), missing, panic("57"));

        assertThat(exit).isEqualTo(1);
        List<JsonNode> lines = jsonLines();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).get("file").asText()).isEqualTo(panic("43"));
        assertThat(lines.get(0).get("error").asText()).contains("*** Panic Report ***");
        assertThat(lines.get(0).has("class")).isFalse();
        assertThat(lines.get(1).get("file").asText()).isEqualTo(missing);
        assertThat(lines.get(1).get("error").asText()).isEqualTo("no such file");
        // The good file after the bad ones is still reported in full.
        assertThat(lines.get(2).get("class").asText()).isEqualTo("NON_TIMEOUT");
        assertThat(lines.get(2).get("systemModel").asText()).isEqualTo("MacPro5,1");
        assertThat(err.toString()).doesNotContain("Exception");
    }

    @Test
    void readable_mode_prints_a_block_per_file() {
        int exit = run("parse", panic("53"));

        assertThat(exit).isZero();
        assertThat(out.toString()).startsWith(panic("53") + "\n")
                .contains("\n  class:        TLB_FLUSH_TIMEOUT\n")
                .contains("\n  vti helps:    yes\n")
                .contains("\n  current vti:  6 (lock/TLB timeout in a VM: 0.5 s x 2^6 = 32 s)\n")
                .contains("\n  kernel:       xnu-6153.121.2\n")
                .contains("\n  panic:        Uninterruptible processor(s): CPU bitmap: 0x800");
    }

    @Test
    void readable_mode_says_a_kernel_older_than_10_12_has_no_vti(@TempDir Path dir) throws Exception {
        Path mavericks = dir.resolve("mavericks.panic");
        java.nio.file.Files.writeString(mavericks, "panic(cpu 0 caller 0xffffff8001e33bd4): \"Spinlock acquisition"
                + " timed out: lock=0x1\"@/SourceCache/xnu/xnu-2422.110.17/osfmk/i386/locks_i386.c:365\n");

        int exit = run("parse", mavericks.toString());

        assertThat(exit).isZero();
        assertThat(out.toString()).contains("\n  vti helps:    no\n")
                .contains("\n  current vti:  none (this kernel predates vti;");
    }

    @Test
    void readable_mode_names_the_file_and_the_problem_without_a_stack_trace(@TempDir Path dir) {
        int exit = run("parse", dir.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(out.toString()).isEqualTo(dir + "\n  error:        is a directory, not a panic report\n\n");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void a_dash_reads_standard_input() throws Exception {
        InputStream original = System.in;
        System.setIn(new ByteArrayInputStream(
                ("panic(cpu 2 caller 0xffffff8013eb7f7e): Spinlock(0xffffff8013ef3280) timeout after 134400088647 ticks\n"
                        + "Boot args: keepsyms=1 vti=9\n").getBytes(StandardCharsets.UTF_8)));
        try {
            int exit = run("parse", "--json", "-");

            assertThat(exit).isZero();
            JsonNode line = jsonLines().get(0);
            assertThat(line.get("file").asText()).isEqualTo("-");
            assertThat(line.get("class").asText()).isEqualTo("SPINLOCK_TIMEOUT");
            assertThat(line.get("currentVti").asInt()).isEqualTo(9);
            assertThat(line.get("bootArgs").asText()).isEqualTo("keepsyms=1 vti=9");
        } finally {
            System.setIn(original);
        }
    }

    @Test
    void no_file_is_a_usage_error() {
        int exit = run("parse", "--json");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("FILE");
        assertThat(out.toString()).isEmpty();
    }
}
