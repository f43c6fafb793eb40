package dev.panicwatch.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.panicwatch.tls.ClientTrust;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./panicwatch advice}: the VM's latest advice from the query API, turned into the exact edit of the OpenCore
 * config.plist it boots from (on an admin machine where that file is mounted), and with {@code --apply} made
 * (docs/design.md#boot-args: where boot-args are set).
 */
@Command(name = "advice", mixinStandardHelpOptions = true,
        description = {"Show (and with --apply make) the change the VM's latest advice asks of its OpenCore "
                + "config.plist: NVRAM -> Add -> " + OpenCoreConfig.APPLE_BOOT_GUID + " -> boot-args from the old to "
                + "the new value, boot-args listed in NVRAM -> Delete -> " + OpenCoreConfig.APPLE_BOOT_GUID
                + " so the new value replaces the one in the guest's NVRAM, and the PlistBuddy commands that do it on "
                + "a Mac.",
                "Example: panicwatch advice --vm pve1/104 --opencore-config /Volumes/EFI/EFI/OC/config.plist",
                "Exit status: 0 done (or nothing to change), 1 no advice or the API failed, 2 a bad file or option."})
final class AdviceCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** No colons: the EFI partition is FAT, where a colon cannot be in a file name. */
    private static final DateTimeFormatter BACKUP_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    @Option(names = "--vm", paramLabel = "ID", required = true, description = "The VM, e.g. pve1/104.")
    String vm;

    @Option(names = "--opencore-config", paramLabel = "PATH", required = true,
            description = "The VM's OpenCore config.plist (XML or binary), e.g. /Volumes/EFI/EFI/OC/config.plist.")
    Path config;

    @Option(names = "--apply", description = "Write the change: the old file is kept as PATH.bak-<UTC time>, the new "
            + "one is read back and checked. The guest then needs a reboot.")
    boolean apply;

    @Mixin
    QueryCommand.ApiOptions options;

    /** Overridden by tests so the backup's name is known. */
    Clock clock = Clock.systemUTC();

    @Override
    public Integer call() {
        PrintStream out = System.out;
        OpenCoreConfig plist;
        try {
            // The file first: a wrong path is found without asking the API.
            plist = OpenCoreConfig.read(config);
        } catch (IllegalArgumentException e) {
            return fail(e.getMessage(), 2);
        }
        JsonNode advice;
        try {
            advice = new QueryCommand.ApiCaller(options.api, options.token,
                    ClientTrust.fromCaFile("--ca-file", options.caFile))
                    .get("/api/v1/remediation", Map.of("vm", vm));
        } catch (IllegalArgumentException e) {
            return fail(e.getMessage(), 2);
        } catch (QueryCommand.ApiCaller.ApiError e) {
            return fail("no advice for VM " + vm + " from " + options.api + ": " + e.getMessage(), 1);
        }
        JsonNode suggested = advice.path("suggestedBootArgs");
        if (!suggested.isTextual() || suggested.asText().isBlank()) {
            return fail("the latest advice for VM " + vm + " (" + actions(advice) + ", " + advice.path("createdTime")
                    .asText("?") + ") does not change boot-args, so there is nothing to write into "
                    + config + "; its rationale: " + advice.path("rationale").asText("-"), 1);
        }
        BootArgsChange change = BootArgsChange.of(config.toString(), plist, suggested.asText());
        List<String> commands;
        try {
            commands = change.plistBuddyCommands();
        } catch (IllegalArgumentException e) {
            commands = List.of();
            System.err.println("panicwatch advice: " + e.getMessage());
        }
        Path backup = null;
        if (apply && !change.alreadyApplied()) {
            try {
                backup = config.resolveSibling(config.getFileName() + ".bak-" + BACKUP_STAMP.format(clock.instant()));
                plist.backUpTo(backup);
                plist.setBootArgs(change.newBootArgs());
                plist.write();
            } catch (IOException e) {
                return fail("could not write " + config + ": " + e + (backup == null ? ""
                        : " (the file as it was is in " + backup + " if that was written)"), 1);
            }
            String problem = lint(config, change.newBootArgs());
            if (problem != null) {
                return fail("wrote " + config + " but reading it back found: " + problem + "; the file as it was "
                        + "is in " + backup, 1);
            }
        }
        if (options.json) {
            out.println(json(advice, change, commands, backup));
        } else {
            print(out, advice, change, commands, plist.binary(), backup);
        }
        return 0;
    }

    /** The check after writing: the file parses, the key holds the new value, Delete lists boot-args; null when so. */
    static String lint(Path file, String expectedBootArgs) {
        OpenCoreConfig written;
        try {
            written = OpenCoreConfig.read(file);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (!expectedBootArgs.equals(written.bootArgs())) {
            return "boot-args is \"" + written.bootArgs() + "\", not \"" + expectedBootArgs + "\"";
        }
        if (!written.deletesBootArgs()) {
            return "NVRAM -> Delete -> " + OpenCoreConfig.APPLE_BOOT_GUID + " does not list boot-args";
        }
        return null;
    }

    private void print(PrintStream out, JsonNode advice, BootArgsChange change, List<String> commands, boolean binary,
                       Path backup) {
        String where = "NVRAM -> Add -> " + OpenCoreConfig.APPLE_BOOT_GUID + " -> boot-args";
        String delete = "NVRAM -> Delete -> " + OpenCoreConfig.APPLE_BOOT_GUID;
        out.println("VM " + vm + ": advice of " + advice.path("createdTime").asText("?") + " (" + actions(advice)
                + ")");
        out.println("file:   " + config + (binary ? " (binary plist)" : " (XML plist)"));
        if (change.alreadyApplied()) {
            out.println("nothing to change: " + where + " is already \"" + change.newBootArgs() + "\" and " + delete
                    + " lists boot-args.");
            out.println("If the guest still runs other boot-args (sysctl kern.bootargs), it has not rebooted since, "
                    + "or boots from another config.plist.");
            return;
        }
        out.println("change: " + where);
        out.println("  from: " + (change.oldBootArgs() == null ? "(not set)" : "\"" + change.oldBootArgs() + "\""));
        out.println("  to:   \"" + change.newBootArgs() + "\"");
        out.println("and:    " + delete + " must list boot-args, so OpenCore replaces the value in the guest's NVRAM "
                + (change.deleteListed() ? "(it does)" : "(it does not yet)"));
        if (backup != null) {
            out.println("backup: " + backup);
            out.println("wrote:  " + config + "; read back: it parses, boot-args is \"" + change.newBootArgs()
                    + "\", " + delete + " lists boot-args");
            out.println("Reboot the guest so OpenCore sets the new boot-args; its next guest state (or sysctl "
                    + "kern.bootargs in it) shows whether they took.");
            return;
        }
        if (!commands.isEmpty()) {
            out.println("PlistBuddy commands (on a Mac, with the EFI partition mounted):");
            commands.forEach(c -> out.println("  " + c));
        }
        out.println("Or run this again with --apply. Either way, reboot the guest afterwards.");
    }

    private String json(JsonNode advice, BootArgsChange change, List<String> commands, Path backup) {
        ObjectNode node = JSON.createObjectNode();
        node.put("vmId", vm);
        node.put("adviceCreatedTime", advice.path("createdTime").asText(null));
        node.put("file", config.toString());
        node.put("key", "NVRAM:Add:" + OpenCoreConfig.APPLE_BOOT_GUID + ":boot-args");
        node.put("from", change.oldBootArgs());
        node.put("to", change.newBootArgs());
        node.put("deleteListed", change.deleteListed());
        node.put("alreadyApplied", change.alreadyApplied());
        node.putPOJO("plistBuddy", commands);
        node.put("applied", backup != null);
        node.put("backup", backup == null ? null : backup.toString());
        node.put("rebootNeeded", !change.alreadyApplied());
        return node.toString();
    }

    private static String actions(JsonNode advice) {
        List<String> names = new ArrayList<>();
        advice.path("actions").forEach(a -> names.add(a.asText()));
        return names.isEmpty() ? "no actions" : String.join(", ", names);
    }

    private static int fail(String message, int code) {
        System.err.println("panicwatch advice: " + message);
        return code;
    }
}
