package dev.panicwatch.streams.advice;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds the boot-args to suggest from the guest's current ones: every other argument is kept in its place, an
 * existing {@code vti=} (and for TLB-flush panics {@code tlbto_us=}) is replaced where it stands, {@code keepsyms=1}
 * is ensured so the next panic report has symbols, and what was missing is appended in the order
 * {@code keepsyms=1 tlbto_us=0 vti=N} (the order of the seed's hand-made fix).
 */
public final class SuggestedBootArgs {

    private SuggestedBootArgs() {
    }

    public static String withVti(String currentOrNull, int vti, boolean disableTlbTimeout) {
        List<String> out = new ArrayList<>();
        boolean keepsyms = false;
        boolean tlb = false;
        boolean vtiSet = false;
        if (currentOrNull != null) {
            for (String token : currentOrNull.trim().split("\\s+")) {
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
                        // A repeated vti= would leave the kernel reading whichever it finds first: keep one.
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
