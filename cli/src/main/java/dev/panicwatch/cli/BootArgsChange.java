package dev.panicwatch.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The edit one piece of advice asks of an OpenCore config.plist: the boot-args it holds now and the ones to set, and
 * whether {@code NVRAM -> Delete} must still get {@code boot-args} so OpenCore replaces the value stored in the guest's
 * NVRAM (docs/design.md#boot-args: the kernel reads what NVRAM holds at boot, not what the file says).
 *
 * @param file           the config.plist, as the user named it (the PlistBuddy commands use this path)
 * @param oldBootArgs    what {@code NVRAM -> Add -> 7C436110-... -> boot-args} holds now (null: not set)
 * @param newBootArgs    the advice's suggestedBootArgs
 * @param hasGuidEntry   whether {@code NVRAM -> Add -> 7C436110-...} exists
 * @param deleteListed   whether {@code NVRAM -> Delete -> 7C436110-...} already lists boot-args
 * @param hasDeleteList  whether {@code NVRAM -> Delete -> 7C436110-...} exists at all
 */
record BootArgsChange(String file, String oldBootArgs, String newBootArgs, boolean hasGuidEntry, boolean deleteListed,
                      boolean hasDeleteList) {

    static final String PLIST_BUDDY = "/usr/libexec/PlistBuddy";
    private static final String ADD = ":NVRAM:Add:" + OpenCoreConfig.APPLE_BOOT_GUID;
    private static final String DELETE = ":NVRAM:Delete:" + OpenCoreConfig.APPLE_BOOT_GUID;

    static BootArgsChange of(String file, OpenCoreConfig config, String newBootArgs) {
        return new BootArgsChange(file, config.bootArgs(), newBootArgs, config.hasBootVariables(),
                config.deletesBootArgs(), config.hasDeleteList());
    }

    /** True when the file already sets the new boot-args and deletes the stored ones: nothing to write. */
    boolean alreadyApplied() {
        return newBootArgs.equals(oldBootArgs) && deleteListed;
    }

    /**
     * The PlistBuddy commands that make the change on a Mac, one shell line each, in order. PlistBuddy reads its
     * {@code -c} command itself: the value goes in double quotes there, and the whole command in single quotes for
     * the shell.
     *
     * @throws IllegalArgumentException when the boot-args hold a double quote, which a PlistBuddy command cannot carry
     */
    List<String> plistBuddyCommands() {
        if (newBootArgs.indexOf('"') >= 0) {
            throw new IllegalArgumentException("the new boot-args hold a double quote, which a PlistBuddy command "
                    + "cannot carry; use --apply, or edit the file by hand");
        }
        List<String> commands = new ArrayList<>();
        if (!hasGuidEntry) {
            commands.add(command("Add " + ADD + " dict"));
        }
        commands.add(command(oldBootArgs == null
                ? "Add " + ADD + ":boot-args string \"" + newBootArgs + "\""
                : "Set " + ADD + ":boot-args \"" + newBootArgs + "\""));
        if (!deleteListed) {
            if (!hasDeleteList) {
                commands.add(command("Add " + DELETE + " array"));
            }
            // Index 0 is valid in any array, empty or not; the order of the names does not matter to OpenCore.
            commands.add(command("Add " + DELETE + ":0 string " + OpenCoreConfig.BOOT_ARGS));
        }
        return commands;
    }

    private String command(String plistBuddyCommand) {
        return PLIST_BUDDY + " -c " + shellQuoted(plistBuddyCommand) + " " + shellQuoted(file);
    }

    /** One shell word whatever TEXT holds: single quotes, a single quote inside spelled '\''. */
    static String shellQuoted(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }
}
