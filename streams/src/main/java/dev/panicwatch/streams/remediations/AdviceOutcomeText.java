package dev.panicwatch.streams.remediations;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

import dev.panicwatch.schemas.AdviceOutcome;
import dev.panicwatch.schemas.OutcomePeriod;

/**
 * An advice outcome (docs/design.md#advice-outcome) as people read it: one line of ASCII with the VM, the status, the
 * times and the figures before and after, then the reason; and as JSON-ready values (the Avro field names).
 */
public final class AdviceOutcomeText {

    private AdviceOutcomeText() {
    }

    /** The outcome's fields by their Avro names, times in ISO-8601 ({@link AvroJson}). */
    public static Map<String, Object> fields(AdviceOutcome outcome) {
        return AvroJson.of(outcome);
    }

    /**
     * E.g. {@code 2026-03-02T10:55:10Z  VM pve3/301 on host pve3: advice EFFECTIVE (vti=9 tlbto_us=0, advised
     * 2026-03-02T10:15:00Z, applied 2026-03-02T10:25:05Z); before: 1 timeout panic in 30 min = 48.0/day, 91 of 91
     * samples overloaded; after: ...; why: ...} on one line.
     */
    public static String readable(AdviceOutcome o) {
        StringBuilder text = new StringBuilder();
        text.append(o.getTime()).append("  VM ").append(o.getVmId());
        if (o.getHostId() != null) {
            text.append(" on host ").append(o.getHostId());
        }
        text.append(": advice ").append(o.getStatus()).append(" (vti=").append(o.getSuggestedVti());
        if (o.getTlbTimeoutDisabled()) {
            text.append(" tlbto_us=0");
        }
        text.append(", advised ").append(o.getAdvisedTime());
        if (o.getAppliedTime() != null) {
            text.append(", applied ").append(o.getAppliedTime());
        }
        text.append("); before: ").append(period(o.getBefore()));
        text.append("; after: ").append(o.getAfter() == null ? "-"
                // APPLIED: the stretch after starts here; its samples are only what a replay read ahead of the advice
                : o.getAfter().getStart().equals(o.getAfter().getEnd()) ? "starts now" : period(o.getAfter()));
        text.append("; why: ").append(o.getReason());
        return text.toString();
    }

    /** {@code 1 timeout panic in 30 min = 48.0/day, 91 of 91 samples overloaded}. */
    static String period(OutcomePeriod p) {
        Duration length = Duration.between(p.getStart(), p.getEnd());
        String samples = p.getSamples() == 0 ? "no samples"
                : String.format(Locale.ROOT, "%d of %d samples overloaded", p.getOverloadedSamples(), p.getSamples());
        return String.format(Locale.ROOT, "%d timeout %s in %s = %.1f/day, %s", p.getTimeoutPanics(),
                p.getTimeoutPanics() == 1 ? "panic" : "panics", length(length), p.getTimeoutPanicsPerDay(), samples);
    }

    /** {@code 30 min 5 s}, {@code 2 h}, {@code 0 s}: whole seconds, largest units first, zero parts left out. */
    static String length(Duration d) {
        long seconds = d.toSeconds();
        long days = seconds / 86_400;
        long hours = seconds % 86_400 / 3_600;
        long minutes = seconds % 3_600 / 60;
        long secs = seconds % 60;
        StringBuilder text = new StringBuilder();
        append(text, days, "d");
        append(text, hours, "h");
        append(text, minutes, "min");
        append(text, secs, "s");
        return text.length() == 0 ? "0 s" : text.toString();
    }

    private static void append(StringBuilder text, long value, String unit) {
        if (value != 0) {
            text.append(text.length() == 0 ? "" : " ").append(value).append(' ').append(unit);
        }
    }
}
