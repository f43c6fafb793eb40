package dev.panicwatch.streams.advice;

import java.util.ArrayList;
import java.util.List;

/**
 * What a guest state or a panic report showed one guest running, at one moment (docs/design.md#guest-state). The
 * outcome tracker and the peer warning keep a VM's last few, so what was read out of order (a replay publishes a day
 * in seconds) is still judged in event-time order.
 *
 * @param observedMillis when it was true
 * @param vti            the vti in force
 * @param tlbtoUs        the tlbto_us in force (null when unset)
 * @param bootArgs       the boot-args (may be null)
 * @param bootTimeMillis the guest's boot time, when the observation gave one
 * @param xnuVersion     its kernel (may be null)
 * @param source         the GuestStateSource name; PANIC_REPORT when the guest itself panicked then
 */
public record GuestObservation(long observedMillis, int vti, Integer tlbtoUs, String bootArgs, Long bootTimeMillis,
                               String xnuVersion, String source) {

    public static final String PANIC_REPORT = "PANIC_REPORT";

    /**
     * {@code kept} (oldest first) with {@code o} in time order and the oldest beyond {@code max} dropped; the same
     * list when an observation of that time is kept already (a duplicate), except that a panic report of the same
     * time marks the kept one as the guest's own panic: an agent run in the second of the panic, read first, must
     * not hide that the guest panicked then (the peer warning leaves such a guest to its own advice).
     */
    public static List<GuestObservation> keptWith(List<GuestObservation> kept, GuestObservation o, int max) {
        List<GuestObservation> out = new ArrayList<>();
        for (GuestObservation e : kept) {
            if (e.observedMillis() == o.observedMillis()) {
                if (PANIC_REPORT.equals(o.source()) && !PANIC_REPORT.equals(e.source())) {
                    List<GuestObservation> marked = new ArrayList<>(kept);
                    marked.set(marked.indexOf(e), new GuestObservation(e.observedMillis(), e.vti(), e.tlbtoUs(),
                            e.bootArgs(), e.bootTimeMillis(), e.xnuVersion(), PANIC_REPORT));
                    return List.copyOf(marked);
                }
                return kept;
            }
            out.add(e);
        }
        int at = out.size();
        while (at > 0 && out.get(at - 1).observedMillis() > o.observedMillis()) {
            at--;
        }
        out.add(at, o);
        while (out.size() > max) {
            out.remove(0);
        }
        return List.copyOf(out);
    }

    /** For reasons: "panic report" or "guest state". */
    public String describedSource() {
        return PANIC_REPORT.equals(source) ? "panic report" : "guest state";
    }
}
