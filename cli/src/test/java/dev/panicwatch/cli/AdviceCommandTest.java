package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.dd.plist.NSArray;
import com.dd.plist.NSData;
import com.dd.plist.NSDictionary;
import com.dd.plist.NSNumber;
import com.dd.plist.NSObject;
import com.dd.plist.PropertyListParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import picocli.CommandLine;

/**
 * {@code ./panicwatch advice} against an HTTP server that answers {@code /api/v1/remediation} as the query API does
 * (same paths, JSON, 404 with an error for a VM without advice), on plists written here.
 */
class AdviceCommandTest {

    private static final String GUID = "7C436110-AB2A-4BBB-A880-FE41995C9F82";
    private static final String NEW = "keepsyms=1 tlbto_us=0 vti=9";
    /** The advice of the worked example (docs/design.md#worked-example), as /api/v1/remediation gives it. */
    private static final String RAISE_VTI = "{\"vmId\":\"pve1/104\",\"createdTime\":\"2026-03-02T09:20:00Z\","
            + "\"currentVti\":6,\"suggestedVti\":9,\"suggestedBootArgs\":\"" + NEW + "\","
            + "\"actions\":[\"RAISE_VTI\",\"DISABLE_TLB_TIMEOUT\",\"REDUCE_HOST_LOAD\"],\"rationale\":\"...\"}";
    private static final String INVESTIGATE = "{\"vmId\":\"pve2/201\",\"createdTime\":\"2026-03-02T09:30:00Z\","
            + "\"currentVti\":6,\"suggestedVti\":null,\"suggestedBootArgs\":null,\"actions\":[\"INVESTIGATE\"],"
            + "\"rationale\":\"The host was not overloaded.\"}";

    @TempDir
    Path dir;
    private HttpServer api;

    @BeforeEach
    void startApi() throws IOException {
        api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        api.createContext("/api/v1/remediation", exchange -> {
            String query = URLDecoder.decode(exchange.getRequestURI().getRawQuery(), StandardCharsets.UTF_8);
            String token = exchange.getRequestHeaders().getFirst("Authorization");
            int status;
            String body;
            if (!"Bearer t".equals(token)) {
                status = 401;
                body = "{\"error\":\"missing Authorization: Bearer token\"}";
            } else if (query.equals("vm=pve1/104")) {
                status = 200;
                body = RAISE_VTI;
            } else if (query.equals("vm=pve2/201")) {
                status = 200;
                body = INVESTIGATE;
            } else {
                status = 404;
                body = "{\"error\":\"unknown VM '" + query.substring(3) + "'\"}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        api.start();
    }

    @AfterEach
    void stopApi() {
        api.stop(0);
    }

    @Test
    void printsTheKeyFromOldToNewAndThePlistBuddyCommand() throws IOException {
        Path plist = write("config.plist", OpenCorePlists.minimal("keepsyms=1"));
        byte[] before = Files.readAllBytes(plist);

        CliRun run = advice("pve1/104", plist);

        assertThat(run.exitCode()).isEqualTo(0);
        assertThat(run.out()).isEqualTo("""
                VM pve1/104: advice of 2026-03-02T09:20:00Z (RAISE_VTI, DISABLE_TLB_TIMEOUT, REDUCE_HOST_LOAD)
                file:   %1$s (XML plist)
                change: NVRAM -> Add -> 7C436110-AB2A-4BBB-A880-FE41995C9F82 -> boot-args
                  from: "keepsyms=1"
                  to:   "keepsyms=1 tlbto_us=0 vti=9"
                and:    NVRAM -> Delete -> 7C436110-AB2A-4BBB-A880-FE41995C9F82 must list boot-args, so OpenCore \
                replaces the value in the guest's NVRAM (it does)
                PlistBuddy commands (on a Mac, with the EFI partition mounted):
                  /usr/libexec/PlistBuddy -c 'Set :NVRAM:Add:7C436110-AB2A-4BBB-A880-FE41995C9F82:boot-args \
                "keepsyms=1 tlbto_us=0 vti=9"' '%1$s'
                Or run this again with --apply. Either way, reboot the guest afterwards.
                """.formatted(plist));
        assertThat(run.out()).matches("\\p{ASCII}*");
        assertThat(Files.readAllBytes(plist)).as("without --apply the file is not touched").isEqualTo(before);
        assertThat(backups()).isEmpty();
    }

    @Test
    void aDeleteListWithoutBootArgsGetsItAndApplyKeepsEverythingElse() throws Exception {
        Path plist = write("config.plist", OpenCorePlists.full("keepsyms=1 -v"));
        byte[] before = Files.readAllBytes(plist);

        CliRun shown = advice("pve1/104", plist);
        assertThat(shown.out()).contains("(it does not yet)")
                .contains("  /usr/libexec/PlistBuddy -c 'Set :NVRAM:Add:" + GUID + ":boot-args \"" + NEW + "\"' '"
                        + plist + "'\n  /usr/libexec/PlistBuddy -c 'Add :NVRAM:Delete:" + GUID
                        + ":0 string boot-args' '" + plist + "'\n");

        CliRun applied = advice("pve1/104", plist, "--apply");
        assertThat(applied.exitCode()).isEqualTo(0);
        Path backup = dir.resolve("config.plist.bak-20260302T100000Z");
        assertThat(backups()).containsExactly(backup);
        assertThat(Files.readAllBytes(backup)).isEqualTo(before);
        assertThat(applied.out()).contains("  from: \"keepsyms=1 -v\"\n")
                .contains("backup: " + backup + "\n")
                .contains("wrote:  " + plist + "; read back: it parses, boot-args is \"" + NEW + "\"")
                .contains("Reboot the guest");

        NSDictionary root = (NSDictionary) PropertyListParser.parse(plist);
        NSDictionary nvram = (NSDictionary) root.get("NVRAM");
        NSDictionary bootVariables = (NSDictionary) ((NSDictionary) nvram.get("Add")).get(GUID);
        assertThat(bootVariables.get("boot-args").toJavaObject()).isEqualTo(NEW);
        assertThat(((NSData) bootVariables.get("SystemAudioVolume")).bytes()).containsExactly(0x46);
        assertThat(((NSData) bootVariables.get("prev-lang:kbd")).bytes())
                .isEqualTo("ru-RU:252".getBytes(StandardCharsets.US_ASCII));
        assertThat(strings((NSArray) ((NSDictionary) nvram.get("Delete")).get(GUID)))
                .containsExactly("SystemAudioVolume", "boot-args");
        assertThat(((NSNumber) nvram.get("WriteFlash")).boolValue()).isTrue();
        assertThat(((NSNumber) ((NSDictionary) ((NSDictionary) root.get("Booter")).get("Quirks"))
                .get("ProvideMaxSlide")).intValue()).isEqualTo(0);
        assertThat(root.get("#WARNING - 1").toJavaObject()).isEqualTo("This is just a sample. Do NOT try loading it.");
        assertThat(Files.readString(plist)).startsWith("<?xml");

        CliRun again = advice("pve1/104", plist, "--apply");
        assertThat(again.exitCode()).isEqualTo(0);
        assertThat(again.out()).contains("nothing to change: NVRAM -> Add -> " + GUID + " -> boot-args is already \""
                + NEW + "\"");
        assertThat(backups()).as("nothing written, so no second backup").containsExactly(backup);
    }

    @Test
    void aBinaryPlistStaysBinary() throws Exception {
        Path plist = dir.resolve("config.plist");
        PropertyListParser.saveAsBinary(PropertyListParser.parse(OpenCorePlists.minimal("keepsyms=1")
                .getBytes(StandardCharsets.UTF_8)), plist.toFile());

        CliRun run = advice("pve1/104", plist, "--apply");

        assertThat(run.exitCode()).isEqualTo(0);
        assertThat(run.out()).contains("(binary plist)");
        assertThat(new String(Files.readAllBytes(plist), 0, 6, StandardCharsets.US_ASCII)).isEqualTo("bplist");
        assertThat(AdviceCommand.lint(plist, NEW)).isNull();
    }

    @Test
    void aConfigWithoutTheBootGuidGetsItAddedAndTheCommandsSayHow() throws IOException {
        Path plist = write("config.plist", """
                <?xml version="1.0" encoding="UTF-8"?>
                <plist version="1.0"><dict><key>NVRAM</key><dict><key>Add</key><dict/></dict></dict></plist>
                """);

        CliRun shown = advice("pve1/104", plist);
        assertThat(shown.out()).contains("  from: (not set)\n").contains(
                "'Add :NVRAM:Add:" + GUID + " dict'",
                "'Add :NVRAM:Add:" + GUID + ":boot-args string \"" + NEW + "\"'",
                "'Add :NVRAM:Delete:" + GUID + " array'",
                "'Add :NVRAM:Delete:" + GUID + ":0 string boot-args'");

        assertThat(advice("pve1/104", plist, "--apply").exitCode()).isEqualTo(0);
        assertThat(AdviceCommand.lint(plist, NEW)).isNull();
    }

    @Test
    void theLintNamesWhatIsWrong() throws IOException {
        Path plist = write("config.plist", OpenCorePlists.full("keepsyms=1"));
        assertThat(AdviceCommand.lint(plist, NEW)).isEqualTo("boot-args is \"keepsyms=1\", not \"" + NEW + "\"");
        Path listed = write("listed.plist", OpenCorePlists.full(NEW));
        assertThat(AdviceCommand.lint(listed, NEW)).isEqualTo("NVRAM -> Delete -> " + GUID
                + " does not list boot-args");
    }

    @Test
    void jsonNamesTheChange() throws IOException {
        Path plist = write("config.plist", OpenCorePlists.minimal("keepsyms=1"));
        CliRun run = advice("pve1/104", plist, "--json");
        JsonNode change = new ObjectMapper().readTree(run.out());
        assertThat(change.path("key").asText()).isEqualTo("NVRAM:Add:" + GUID + ":boot-args");
        assertThat(change.path("from").asText()).isEqualTo("keepsyms=1");
        assertThat(change.path("to").asText()).isEqualTo(NEW);
        assertThat(change.path("deleteListed").asBoolean()).isTrue();
        assertThat(change.path("applied").asBoolean()).isFalse();
        assertThat(change.path("plistBuddy")).hasSize(1);
    }

    @Test
    void badFilesAreOneLineNamingTheProblemAndExitCode2() throws IOException {
        Path missing = dir.resolve("EFI/OC/config.plist");
        CliRun noFile = advice("pve1/104", missing);
        assertThat(noFile.exitCode()).isEqualTo(2);
        assertThat(noFile.err().strip()).isEqualTo("panicwatch advice: " + missing + " does not exist (mount the EFI "
                + "partition first, e.g. 'sudo diskutil mount disk0s1', then pass /Volumes/EFI/EFI/OC/config.plist)");

        CliRun notPlist = advice("pve1/104", write("notes.txt", "boot-args: keepsyms=1\n"));
        assertThat(notPlist.exitCode()).isEqualTo(2);
        assertThat(notPlist.err()).startsWith("panicwatch advice: " + dir.resolve("notes.txt")
                + " is not a property list (");

        CliRun noNvram = advice("pve1/104", write("other.plist",
                "<plist version=\"1.0\"><dict><key>Kernel</key><dict/></dict></plist>"));
        assertThat(noNvram.exitCode()).isEqualTo(2);
        assertThat(noNvram.err()).startsWith("panicwatch advice: " + dir.resolve("other.plist")
                + " has no NVRAM section");

        CliRun noAdd = advice("pve1/104", write("noadd.plist",
                "<plist version=\"1.0\"><dict><key>NVRAM</key><dict><key>Delete</key><dict/></dict></dict></plist>"));
        assertThat(noAdd.exitCode()).isEqualTo(2);
        assertThat(noAdd.err()).startsWith("panicwatch advice: " + dir.resolve("noadd.plist")
                + " has no NVRAM -> Add dictionary");
        assertThat(noFile.out() + notPlist.out() + noNvram.out() + noAdd.out()).isEmpty();
    }

    @Test
    void noAdviceOrAdviceWithoutBootArgsIsExitCode1AndTheFileIsUntouched() throws IOException {
        Path plist = write("config.plist", OpenCorePlists.minimal("keepsyms=1"));
        byte[] before = Files.readAllBytes(plist);

        CliRun unknown = advice("pve9/1", plist, "--apply");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err().strip()).isEqualTo("panicwatch advice: no advice for VM pve9/1 from http://"
                + host() + ": 404: unknown VM 'pve9/1'");

        CliRun investigate = advice("pve2/201", plist, "--apply");
        assertThat(investigate.exitCode()).isEqualTo(1);
        assertThat(investigate.err().strip()).isEqualTo("panicwatch advice: the latest advice for VM pve2/201 "
                + "(INVESTIGATE, 2026-03-02T09:30:00Z) does not change boot-args, so there is nothing to write into "
                + plist + "; its rationale: The host was not overloaded.");

        CliRun badToken = CliRun.of("advice", "--vm", "pve1/104", "--opencore-config", plist.toString(),
                "--api", "http://" + host(), "--token", "wrong", "--apply");
        assertThat(badToken.exitCode()).isEqualTo(1);
        assertThat(badToken.err()).contains("401: missing Authorization");

        assertThat(Files.readAllBytes(plist)).isEqualTo(before);
        assertThat(backups()).isEmpty();
    }

    private CliRun advice(String vm, Path plist, String... more) {
        String[] args = Stream.concat(Stream.of("advice", "--vm", vm, "--opencore-config", plist.toString(),
                "--api", "http://" + host(), "--token", "t"), Stream.of(more)).toArray(String[]::new);
        // The backup's name carries the time: a fixed clock makes it known.
        return CliRun.of(() -> {
            CommandLine commandLine = Panicwatch.commandLine();
            ((AdviceCommand) commandLine.getSubcommands().get("advice").getCommand()).clock =
                    Clock.fixed(Instant.parse("2026-03-02T10:00:00Z"), ZoneOffset.UTC);
            return commandLine;
        }, args);
    }

    private String host() {
        return "127.0.0.1:" + api.getAddress().getPort();
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private List<Path> backups() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().contains(".bak-")).sorted().toList();
        }
    }

    private static List<String> strings(NSArray array) {
        return Stream.of(array.getArray()).map(NSObject::toJavaObject).map(String.class::cast).toList();
    }
}
