package dev.panicwatch.streams.remediations;

import java.util.Locale;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.panicwatch.schemas.LoadEvidence;
import dev.panicwatch.schemas.RemediationEvent;

/**
 * A remediation as people read it, and as one JSON line (the event's Avro field names). The arrow is spelled {@code ->}
 * by the CLI where the terminal cannot show it.
 */
public final class RemediationText {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RemediationText() {
    }

    /** The event as printed: one JSON line, or the readable lines followed by an empty one. */
    public static String printed(RemediationEvent event, boolean json) {
        return json ? json(event) : readable(event) + System.lineSeparator();
    }

    /** The event's fields as one JSON object, for {@code --json}. */
    public static String json(RemediationEvent event) {
        try {
            return JSON.writeValueAsString(AvroJson.of(event));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a RemediationEvent did not convert to JSON", e);
        }
    }

    /** Which VM, what to change, the load behind it and why, in a few lines. */
    public static String readable(RemediationEvent e) {
        StringBuilder text = new StringBuilder();
        text.append(e.getCreatedTime()).append("  VM ").append(e.getVmId());
        if (e.getHostId() != null) {
            text.append(" on host ").append(e.getHostId());
        }
        text.append(": ").append(e.getPanicClass()).append(", ").append(e.getPanicsInWindow())
                .append(e.getPanicsInWindow() == 1 ? " timeout panic" : " timeout panics").append(" in the window\n");
        text.append("  do:        ").append(String.join(", ", e.getActions().stream().map(Enum::name).toList()))
                .append('\n');
        if (e.getSuggestedBootArgs() != null) {
            text.append("  boot-args: ").append(e.getSuggestedBootArgs());
            if (e.getSuggestedVti() != null) {
                text.append("   (vti ").append(e.getCurrentVti()).append(" \u2192 ").append(e.getSuggestedVti())
                        .append(')');
            }
            text.append('\n');
        }
        LoadEvidence evidence = e.getEvidence();
        text.append("  load:      ").append(evidence.getSamples()).append(" samples");
        if (evidence.getPeakLoadPerCpu() != null) {
            text.append(String.format(Locale.ROOT, ", peak load/CPU %.2f", evidence.getPeakLoadPerCpu()));
        }
        if (evidence.getWorstVcpuWaitRatio() != null) {
            text.append(String.format(Locale.ROOT, ", worst vCPU wait %.0f %%", evidence.getWorstVcpuWaitRatio() * 100));
        }
        text.append(evidence.getOverloaded() ? " (overloaded)" : " (not overloaded)").append('\n');
        text.append("  why:       ").append(e.getRationale());
        return text.toString();
    }
}
