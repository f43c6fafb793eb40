package dev.panicwatch.diagnosis.kernel;

import java.util.OptionalInt;

/**
 * Reads values from a boot-args string ({@code nvram boot-args}, {@code sysctl kern.bootargs}, or a panic report's
 * {@code Boot args:} line) the way XNU's {@code PE_parse_boot_argn()} does: whitespace-separated {@code name=value}
 * tokens, the first token with the name wins, numbers in decimal or {@code 0x} hex.
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
}
