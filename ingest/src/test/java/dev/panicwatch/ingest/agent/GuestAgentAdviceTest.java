package dev.panicwatch.ingest.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import dev.panicwatch.ingest.testing.GuestAgent;

/**
 * {@code panicwatch-agent advice}: bash on Linux with stand-ins for PlistBuddy, plutil and nvram
 * (test resources {@code agent-stand-ins/}; their "plist" is one {@code ENTRY<TAB>TYPE<TAB>VALUE} a line) and an HTTP
 * server answering {@code GET /api/v1/remediation?vm=} as the query API does (compact JSON, 404 with an error).
 */
class GuestAgentAdviceTest {

    private static final String GUID = "7C436110-AB2A-4BBB-A880-FE41995C9F82";
    private static final String NEW = "keepsyms=1 tlbto_us=0 vti=9";
    private static final String API_TOKEN = "api-token";

    @TempDir
    Path dir;
    private GuestAgent agent;
    private HttpServer api;
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private volatile String advice = "{\"remediationId\":\"ab\",\"vmId\":\"pve1/104\",\"hostId\":\"pve1\","
            + "\"createdTime\":\"2026-03-02T09:20:00Z\",\"currentVti\":6,\"suggestedVti\":9,"
            + "\"suggestedBootArgs\":\"" + NEW + "\",\"actions\":[\"RAISE_VTI\",\"DISABLE_TLB_TIMEOUT\","
            + "\"REDUCE_HOST_LOAD\"],\"rationale\":\"TLB flush timeout panic on pve1/104. Boot-args: " + NEW + ".\"}";

    @BeforeEach
    void start() throws IOException {
        agent = new GuestAgent(dir, "keepsyms=1", "4C4C4544-0031-3510-8052-B3C04F563132");
        api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        api.createContext("/api/v1/remediation", exchange -> {
            asked.add(exchange.getRequestURI().getRawQuery() + " " + exchange.getRequestHeaders().getFirst("Authorization"));
            boolean known = "vm=pve1%2F104".equals(exchange.getRequestURI().getRawQuery());
            byte[] body = (known ? advice : "{\"error\":\"unknown VM 'pve9/1'\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(known ? 200 : 404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        api.start();
    }

    @AfterEach
    void stop() {
        api.stop(0);
    }

    @Test
    void printsTheOldAndNewValueAndThePlistBuddyCommandsWithoutTouchingTheFile() throws Exception {
        Path plist = openCoreConfig(true, "keepsyms=1", "SystemAudioVolume");
        String before = Files.readString(plist);

        GuestAgent.AdviceRun run = advice();

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.stdout()).isEqualTo("""
                VM pve1/104: advice of 2026-03-02T09:20:00Z (RAISE_VTI, DISABLE_TLB_TIMEOUT, REDUCE_HOST_LOAD)
                in force: "keepsyms=1" (sysctl kern.bootargs)
                file:   %1$s (OpenCore)
                change: NVRAM -> Add -> 7C436110-AB2A-4BBB-A880-FE41995C9F82 -> boot-args
                  from: "keepsyms=1"
                  to:   "keepsyms=1 tlbto_us=0 vti=9"
                and:    NVRAM -> Delete -> 7C436110-AB2A-4BBB-A880-FE41995C9F82 must list boot-args, so OpenCore \
                replaces the value in NVRAM (it does not yet)
                commands (as root):
                  /usr/libexec/PlistBuddy -c 'Set :NVRAM:Add:7C436110-AB2A-4BBB-A880-FE41995C9F82:boot-args \
                "keepsyms=1 tlbto_us=0 vti=9"' '%1$s'
                  /usr/libexec/PlistBuddy -c 'Add :NVRAM:Delete:7C436110-AB2A-4BBB-A880-FE41995C9F82:0 string \
                boot-args' '%1$s'
                Then reboot the guest (or run this again with --apply, as root, which also keeps a backup).
                """.formatted(plist));
        assertThat(Files.readString(plist)).isEqualTo(before);
        assertThat(plistBuddyCalls()).allMatch(c -> c.startsWith("Print "));
        assertThat(asked).containsExactly("vm=pve1%2F104 null");
    }

    @Test
    void applyKeepsABackupMakesTheChangeChecksItAndSaysToReboot() throws Exception {
        Path plist = openCoreConfig(true, "keepsyms=1", "SystemAudioVolume");
        String before = Files.readString(plist);

        GuestAgent.AdviceRun run = advice("--apply");

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        List<Path> backups = backups(plist);
        assertThat(backups).hasSize(1);
        assertThat(backups.get(0).getFileName().toString()).matches("config\\.plist\\.bak-\\d{8}T\\d{6}Z");
        assertThat(Files.readString(backups.get(0))).isEqualTo(before);
        assertThat(Files.readString(plist)).contains(":NVRAM:Add:" + GUID + ":boot-args\tstring\t" + NEW + "\n")
                .contains(":NVRAM:Delete:" + GUID + ":0\tstring\tSystemAudioVolume\n")
                .contains(":NVRAM:Delete:" + GUID + ":1\tstring\tboot-args\n");
        assertThat(plistBuddyCalls()).contains("Set :NVRAM:Add:" + GUID + ":boot-args \"" + NEW + "\"",
                "Add :NVRAM:Delete:" + GUID + ":0 string boot-args");
        assertThat(run.stdout()).contains("backup: " + backups.get(0) + "\n")
                .contains("wrote:  " + plist + "; checked: plutil -lint OK, boot-args is \"" + NEW
                        + "\", NVRAM -> Delete lists boot-args\n")
                .endsWith("Reboot the guest so OpenCore sets the new boot-args; the next guest state shows whether "
                        + "they took.\n");

        GuestAgent.AdviceRun again = advice("--apply");
        assertThat(again.exitCode()).isZero();
        assertThat(again.stdout()).contains("nothing to change: NVRAM -> Add -> " + GUID + " -> boot-args is already \""
                + NEW + "\" and NVRAM -> Delete lists boot-args.\n"
                + "The guest still runs \"keepsyms=1\": reboot it so OpenCore sets the new ones.\n");
        assertThat(backups(plist)).as("nothing written the second time").hasSize(1);
    }

    @Test
    void aConfigWithoutTheBootGuidOrTheDeleteListGetsBoth() throws Exception {
        Path plist = openCoreConfig(false, null);

        GuestAgent.AdviceRun shown = advice("--opencore-config", plist.toString());
        assertThat(shown.stdout()).contains("  from: (not set)\n")
                .contains("-c 'Add :NVRAM:Add:" + GUID + " dict'",
                        "-c 'Add :NVRAM:Add:" + GUID + ":boot-args string \"" + NEW + "\"'",
                        "-c 'Add :NVRAM:Delete:" + GUID + " array'",
                        "-c 'Add :NVRAM:Delete:" + GUID + ":0 string boot-args'");

        GuestAgent.AdviceRun applied = advice("--opencore-config", plist.toString(), "--apply");
        assertThat(applied.exitCode()).as(applied.stderr()).isZero();
        assertThat(Files.readString(plist)).contains(":NVRAM:Add:" + GUID + "\tdict\t\n")
                .contains(":NVRAM:Add:" + GUID + ":boot-args\tstring\t" + NEW + "\n")
                .contains(":NVRAM:Delete:" + GUID + ":0\tstring\tboot-args\n");
    }

    @Test
    void aWriteThatBreaksThePlistIsUndoneFromTheBackup() throws Exception {
        Path plist = openCoreConfig(true, "keepsyms=1", "boot-args");
        String before = Files.readString(plist);
        Files.writeString(agent.facts().resolve("plistbuddy-corrupts"), "");

        GuestAgent.AdviceRun run = advice("--apply");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stderr()).contains("plutil -lint: " + plist + ": Encountered unknown tag or invalid data at "
                + "line 1; " + plist + " is restored from " + backups(plist).get(0));
        assertThat(Files.readString(plist)).isEqualTo(before);
        assertThat(run.stdout()).doesNotContain("Reboot");
    }

    @Test
    void withoutOpenCoreItIsNvram() throws Exception {
        GuestAgent.AdviceRun shown = advice();
        assertThat(shown.exitCode()).as(shown.stderr()).isZero();
        assertThat(shown.stdout()).endsWith("""
                where:  NVRAM (the guest boots without OpenCore)
                change: boot-args
                  from: (not set)
                  to:   "keepsyms=1 tlbto_us=0 vti=9"
                command (as root):
                  nvram 'boot-args=keepsyms=1 tlbto_us=0 vti=9'
                Then reboot the guest (or run this again with --apply, as root, which also keeps the old value).
                """);

        Files.createDirectories(agent.facts().resolve("nvram"));
        Files.writeString(agent.facts().resolve("nvram/boot-args"), "keepsyms=1");
        GuestAgent.AdviceRun applied = advice("--apply");
        assertThat(applied.exitCode()).as(applied.stderr()).isZero();
        assertThat(Files.readString(agent.facts().resolve("nvram/boot-args"))).isEqualTo(NEW);
        try (Stream<Path> kept = Files.list(dir.resolve("agent-state"))) {
            Path old = kept.filter(p -> p.getFileName().toString().startsWith("boot-args.bak-")).findFirst()
                    .orElseThrow();
            assertThat(Files.readString(old)).isEqualTo("keepsyms=1\n");
        }
        assertThat(applied.stdout()).contains("  from: \"keepsyms=1\"\n")
                .contains("wrote:  NVRAM boot-args; read back: \"" + NEW + "\"\n")
                .endsWith("Reboot the guest so the kernel reads the new boot-args; the next guest state shows whether "
                        + "they took.\n");
    }

    @Test
    void nvramRefusedBySipIsExplained() throws Exception {
        Files.writeString(agent.facts().resolve("nvram-refuses"), "");

        GuestAgent.AdviceRun run = advice("--nvram", "--apply");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stderr()).contains("nvram refused to set boot-args: nvram: Error setting variable - "
                + "'boot-args': (iokit/common) not permitted (System Integrity Protection forbids it");
    }

    @Test
    void aGuestOpenCoreBootedWithoutItsConfigMountedIsToldToMountIt() throws Exception {
        Files.createDirectories(agent.facts().resolve("nvram"));
        Files.writeString(agent.facts().resolve("nvram/4D1FDA02-38C7-4A6A-9CC6-4BCCA8B30102:opencore-version"),
                "REL-100-2024-05-06");

        GuestAgent.AdviceRun run = advice();

        assertThat(run.exitCode()).isEqualTo(78);
        assertThat(run.stderr()).contains("OpenCore booted this guest, but its config.plist is not at "
                + dir.resolve("EFI/OC/config.plist") + ": mount the EFI partition (diskutil mount disk0s1)");
        assertThat(asked).as("nothing asked before the configuration is right").isEmpty();
    }

    @Test
    void applyNeedsRoot() throws Exception {
        Path plist = openCoreConfig(true, "keepsyms=1", "boot-args");
        String before = Files.readString(plist);
        Files.writeString(agent.facts().resolve("uid"), "501\n");

        GuestAgent.AdviceRun run = advice("--apply");

        assertThat(run.exitCode()).isEqualTo(78);
        assertThat(run.stderr()).contains("advice --apply changes how the guest boots: run it as root "
                + "(sudo panicwatch-agent advice --apply)");
        assertThat(Files.readString(plist)).isEqualTo(before);
    }

    @Test
    void noAdviceAdviceWithoutBootArgsAndAnUnreachableApiEachSaySo() throws Exception {
        Path plist = openCoreConfig(true, "keepsyms=1", "boot-args");

        GuestAgent.AdviceRun unknown = advice(Map.of("PANICWATCH_VM_ID", "pve9/1"));
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.stderr()).contains("no advice for VM pve9/1: unknown VM 'pve9/1'");

        advice = "{\"vmId\":\"pve1/104\",\"createdTime\":\"2026-03-02T09:30:00Z\",\"suggestedVti\":null,"
                + "\"suggestedBootArgs\":null,\"actions\":[\"INVESTIGATE\"],\"rationale\":\"Boot-args: \\\"x\\\"\"}";
        GuestAgent.AdviceRun investigate = advice();
        assertThat(investigate.exitCode()).isEqualTo(1);
        assertThat(investigate.stderr()).contains("the latest advice for VM pve1/104 (INVESTIGATE, "
                + "2026-03-02T09:30:00Z) does not change boot-args: nothing to set");

        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        GuestAgent.AdviceRun down = agent.advice("http://127.0.0.1:" + closed, List.of(), settings(Map.of()));
        assertThat(down.exitCode()).isEqualTo(75);
        assertThat(down.stderr()).contains("could not reach the query API at http://127.0.0.1:" + closed);
        assertThat(unknown.stdout() + investigate.stdout() + down.stdout()).isEmpty();
        assertThat(plistBuddyCalls()).allMatch(c -> c.startsWith("Print "));
    }

    @Test
    void theApiTokenComesFromItsFileAndHttpNeedsConsent() throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("api-token"), API_TOKEN + "\n");

        GuestAgent.AdviceRun run = advice(Map.of("PANICWATCH_API_TOKEN_FILE", tokenFile.toString()));
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(asked).containsExactly("vm=pve1%2F104 Bearer " + API_TOKEN);

        GuestAgent.AdviceRun plain = agent.advice(url(), List.of(), Map.of("PANICWATCH_VM_ID", "pve1/104"));
        assertThat(plain.exitCode()).isEqualTo(78);
        assertThat(plain.stderr()).contains("PANICWATCH_API_URL " + url() + " is plain http://: the API token would "
                + "cross the network in clear");
    }

    /**
     * Writes the VM's config.plist in the stand-ins' format at the default place.
     *
     * @param guid   whether NVRAM -> Add -> 7C436110-... exists
     * @param bootArgs its boot-args (null: none)
     * @param delete  what NVRAM -> Delete -> 7C436110-... lists (none: no such array)
     */
    private Path openCoreConfig(boolean guid, String bootArgs, String... delete) throws IOException {
        StringBuilder lines = new StringBuilder(":NVRAM\tdict\t\n:NVRAM:Add\tdict\t\n"
                + ":NVRAM:Add:4D1EDE05-38C7-4A6A-9CC6-4BCCA8B38C14\tdict\t\n:NVRAM:Delete\tdict\t\n");
        if (guid) {
            lines.append(":NVRAM:Add:").append(GUID).append("\tdict\t\n");
            if (bootArgs != null) {
                lines.append(":NVRAM:Add:").append(GUID).append(":boot-args\tstring\t").append(bootArgs).append('\n');
            }
        }
        if (delete.length > 0) {
            lines.append(":NVRAM:Delete:").append(GUID).append("\tarray\t\n");
            for (int i = 0; i < delete.length; i++) {
                lines.append(":NVRAM:Delete:").append(GUID).append(':').append(i).append("\tstring\t")
                        .append(delete[i]).append('\n');
            }
        }
        Path file = Files.createDirectories(dir.resolve("EFI/OC")).resolve("config.plist");
        return Files.writeString(file, lines);
    }

    private GuestAgent.AdviceRun advice(String... args) throws IOException, InterruptedException {
        return agent.advice(url(), List.of(args), settings(Map.of()));
    }

    private GuestAgent.AdviceRun advice(Map<String, String> more) throws IOException, InterruptedException {
        return agent.advice(url(), List.of(), settings(more));
    }

    private static Map<String, String> settings(Map<String, String> more) {
        Map<String, String> settings = new java.util.HashMap<>(Map.of("PANICWATCH_ALLOW_HTTP", "1",
                "PANICWATCH_VM_ID", "pve1/104"));
        settings.putAll(more);
        return settings;
    }

    private String url() {
        return "http://127.0.0.1:" + api.getAddress().getPort();
    }

    private List<String> plistBuddyCalls() throws IOException {
        Path calls = agent.facts().resolve("plistbuddy-calls");
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    private static List<Path> backups(Path plist) throws IOException {
        try (Stream<Path> files = Files.list(plist.getParent())) {
            return files.filter(p -> p.getFileName().toString().startsWith("config.plist.bak-")).sorted().toList();
        }
    }
}
