package dev.panicwatch.diagnosis.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Reads and rewrites a boot-args string ({@code nvram boot-args}, {@code sysctl kern.bootargs}, or a panic report's
 * {@code Boot args:} line) the way XNU's {@code PE_parse_boot_argn()} reads it (docs/design.md#boot-args):
 * whitespace-separated {@code name=value} tokens, the first token with the name wins, numbers in decimal or {@code 0x}
 * hex.
 */
public final class BootArgs {

    /** The shift XNU applies to lock/TLB timeouts in a VM when no {@code vti} is given (×64). */
    public static final int DEFAULT_VTI = 6;

    private BootArgs() {
    }

    /**
     * The {@code vti} in force: the {@code vti=N} token of the boot-args, else {@link #DEFAULT_VTI}. A token whose
     * value is not a number is ignored, as the kernel ignores it.
     */
    public static int currentVti(String bootArgsOrNull) {
        return number(bootArgsOrNull, "vti").orElse(DEFAULT_VTI);
    }

    /** The numeric value of the first {@code name=…} token, if there is one and it is a number that fits an int. */
    public static OptionalInt number(String bootArgsOrNull, String name) {
        if (bootArgsOrNull == null) {
            return OptionalInt.empty();
        }
        String prefix = name + "=";
        for (String token : bootArgsOrNull.strip().split("\\s+")) {
            if (token.startsWith(prefix)) {
                return parseNumber(token.substring(prefix.length()));
            }
        }
        return OptionalInt.empty();
    }

    private static OptionalInt parseNumber(String value) {
        try {
            if (value.startsWith("0x") || value.startsWith("0X")) {
                return OptionalInt.of(Integer.parseInt(value.substring(2), 16));
            }
            return OptionalInt.of(Integer.parseInt(value));
        } catch (NumberFormatException notANumber) {
            return OptionalInt.empty();
        }
    }

    /**
     * The boot-args to suggest from the guest's current ones: every other argument is kept in its place, an existing
     * {@code vti=} (and, when the TLB timeout is to be disabled, {@code tlbto_us=}) is replaced where it stands,
     * {@code keepsyms=1} is ensured so the next panic report has symbols, and what was missing is appended in the
     * order {@code keepsyms=1 tlbto_us=0 vti=N} (the order of the hand-made fix in docs/design.md#worked-example).
     * A repeated {@code vti=} collapses to one, since the kernel would read only the first.
     */
    public static String withVti(String currentOrNull, int vti, boolean disableTlbTimeout) {
        List<String> out = new ArrayList<>();
        boolean keepsyms = false;
        boolean tlb = false;
        boolean vtiSet = false;
        if (currentOrNull != null) {
            for (String token : currentOrNull.strip().split("\\s+")) {
                if (token.isEmpty()) {
                    continue;
                }
                String name = token.contains("=") ? token.substring(0, token.indexOf('=')) : token;
                switch (name) {
                    case "keepsyms" -> {
                        if (!keepsyms) {
                            out.add("keepsyms=1");
                            keepsyms = true;
                        }
                    }
                    case "vti" -> {
                        if (!vtiSet) {
                            out.add("vti=" + vti);
                            vtiSet = true;
                        }
                    }
                    case "tlbto_us" -> {
                        if (!disableTlbTimeout) {
                            out.add(token);
                        } else if (!tlb) {
                            out.add("tlbto_us=0");
                            tlb = true;
                        }
                    }
                    default -> out.add(token);
                }
            }
        }
        if (!keepsyms) {
            out.add("keepsyms=1");
        }
        if (disableTlbTimeout && !tlb) {
            out.add("tlbto_us=0");
        }
        if (!vtiSet) {
            out.add("vti=" + vti);
        }
        return String.join(" ", out);
    }
}
