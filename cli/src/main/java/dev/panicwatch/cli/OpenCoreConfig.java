package dev.panicwatch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;

import com.dd.plist.NSArray;
import com.dd.plist.NSDictionary;
import com.dd.plist.NSObject;
import com.dd.plist.NSString;
import com.dd.plist.PropertyListParser;

/**
 * OpenCore's {@code config.plist}, read with dd-plist (XML as OpenCore ships it, or binary): where the boot-args of
 * the macOS guest live ({@code NVRAM -> Add -> 7C436110-... -> boot-args}) and whether OpenCore deletes the stored
 * value at boot ({@code NVRAM -> Delete -> 7C436110-...} lists {@code boot-args}), without which the NVRAM variable
 * the guest already has wins over the file and the new value never takes effect (OpenCore's Configuration.pdf,
 * NVRAM section).
 */
final class OpenCoreConfig {

    /** Apple's boot variable GUID: boot-args lives under it. */
    static final String APPLE_BOOT_GUID = "7C436110-AB2A-4BBB-A880-FE41995C9F82";
    static final String BOOT_ARGS = "boot-args";

    private final Path file;
    private final NSDictionary root;
    private final boolean binary;

    private OpenCoreConfig(Path file, NSDictionary root, boolean binary) {
        this.file = file;
        this.root = root;
        this.binary = binary;
    }

    /**
     * Reads and checks the file: it must exist, be a property list whose top is a dictionary, and have an
     * {@code NVRAM -> Add} dictionary (every OpenCore config has one; a file without it is not OpenCore's).
     *
     * @throws IllegalArgumentException naming the file and the problem
     */
    static OpenCoreConfig read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + " does not exist (mount the EFI partition first, e.g. "
                    + "'sudo diskutil mount disk0s1', then pass /Volumes/EFI/EFI/OC/config.plist)");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " cannot be read: " + e.getMessage());
        }
        NSObject parsed;
        try {
            parsed = PropertyListParser.parse(bytes);
        } catch (Exception e) {
            // dd-plist throws several checked types (SAX, parse, format); for the user each means the same.
            throw new IllegalArgumentException(file + " is not a property list (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
        if (!(parsed instanceof NSDictionary root)) {
            throw new IllegalArgumentException(file + " is a property list but its top level is not a dictionary, "
                    + "so it is not an OpenCore config.plist");
        }
        OpenCoreConfig config = new OpenCoreConfig(file, root, isBinary(bytes));
        config.nvramAdd();
        return config;
    }

    Path file() {
        return file;
    }

    boolean binary() {
        return binary;
    }

    /** The boot-args OpenCore writes at boot, or null when the file sets none. */
    String bootArgs() {
        NSObject value = bootVariables() == null ? null : bootVariables().get(BOOT_ARGS);
        if (value == null) {
            return null;
        }
        if (!(value instanceof NSString text)) {
            throw new IllegalArgumentException(file + ": NVRAM -> Add -> " + APPLE_BOOT_GUID + " -> boot-args is a "
                    + value.getClass().getSimpleName().replaceFirst("^NS", "").toLowerCase() + ", not a string");
        }
        return text.getContent();
    }

    /** Whether the file already has the {@code NVRAM -> Add -> 7C436110-...} dictionary. */
    boolean hasBootVariables() {
        return bootVariables() != null;
    }

    /** Whether {@code NVRAM -> Delete -> 7C436110-...} lists boot-args, so OpenCore replaces the stored value. */
    boolean deletesBootArgs() {
        NSArray list = deleteList();
        return list != null && Arrays.stream(list.getArray())
                .anyMatch(o -> o instanceof NSString s && BOOT_ARGS.equals(s.getContent()));
    }

    /** Whether {@code NVRAM -> Delete -> 7C436110-...} exists (as an array), listing boot-args or not. */
    boolean hasDeleteList() {
        return deleteList() != null;
    }

    /** Sets the boot-args and lists them under Delete, creating the GUID's entries where they are missing. */
    void setBootArgs(String bootArgs) {
        NSDictionary add = nvramAdd();
        NSDictionary variables = bootVariables();
        if (variables == null) {
            variables = new NSDictionary();
            add.put(APPLE_BOOT_GUID, variables);
        }
        variables.put(BOOT_ARGS, new NSString(bootArgs));
        if (!deletesBootArgs()) {
            NSDictionary nvram = (NSDictionary) root.get("NVRAM");
            NSObject delete = nvram.get("Delete");
            if (!(delete instanceof NSDictionary)) {
                delete = new NSDictionary();
                nvram.put("Delete", delete);
            }
            NSArray old = deleteList();
            NSObject[] entries = old == null ? new NSObject[0] : old.getArray();
            NSObject[] grown = Arrays.copyOf(entries, entries.length + 1);
            grown[entries.length] = new NSString(BOOT_ARGS);
            ((NSDictionary) delete).put(APPLE_BOOT_GUID, new NSArray(grown));
        }
    }

    /**
     * Writes the file in the format it was read in: to a temporary file beside it, then moved over it, so a failed
     * write (a full EFI partition) leaves the old file whole.
     */
    void write() throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".panicwatch-new");
        try (OutputStream out = Files.newOutputStream(temporary)) {
            if (binary) {
                PropertyListParser.saveAsBinary(root, out);
            } else {
                PropertyListParser.saveAsXML(root, out);
            }
        }
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Copies the file as it is now to {@code target}; fails when the target exists rather than overwrite a backup. */
    void backUpTo(Path target) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            Files.copy(in, target);
        }
    }

    /** A binary plist starts with the magic "bplist" (and a two-digit version); XML and ASCII ones do not. */
    private static boolean isBinary(byte[] bytes) {
        return bytes.length >= 6 && "bplist".equals(new String(bytes, 0, 6, StandardCharsets.US_ASCII));
    }

    private NSDictionary nvramAdd() {
        NSObject nvram = root.get("NVRAM");
        if (!(nvram instanceof NSDictionary nvramDictionary)) {
            throw new IllegalArgumentException(file + " has no NVRAM section (a dictionary at the top level), so it "
                    + "is not an OpenCore config.plist; OpenCore's Sample.plist shows the layout");
        }
        NSObject add = nvramDictionary.get("Add");
        if (!(add instanceof NSDictionary addDictionary)) {
            throw new IllegalArgumentException(file + " has no NVRAM -> Add dictionary, where OpenCore keeps the "
                    + "NVRAM variables it writes at boot; OpenCore's Sample.plist shows the layout");
        }
        return addDictionary;
    }

    private NSDictionary bootVariables() {
        NSObject variables = nvramAdd().get(APPLE_BOOT_GUID);
        if (variables != null && !(variables instanceof NSDictionary)) {
            throw new IllegalArgumentException(file + ": NVRAM -> Add -> " + APPLE_BOOT_GUID + " is not a dictionary");
        }
        return (NSDictionary) variables;
    }

    private NSArray deleteList() {
        if (!(root.get("NVRAM") instanceof NSDictionary nvram) || !(nvram.get("Delete") instanceof NSDictionary delete)) {
            return null;
        }
        NSObject list = delete.get(APPLE_BOOT_GUID);
        if (list != null && !(list instanceof NSArray)) {
            throw new IllegalArgumentException(file + ": NVRAM -> Delete -> " + APPLE_BOOT_GUID
                    + " is not an array of variable names");
        }
        return (NSArray) list;
    }
}
