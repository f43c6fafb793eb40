package dev.panicwatch.streams.query;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The JSON shapes of the API's answers (field names are the API contract; see /api/openapi.json). */
public final class Answers {

    private Answers() {
    }

    /** Panics counted in one rate window starting at {@code start}. */
    public record WindowCount(String start, long panics) {
    }

    /**
     * A VM's or a host's panic rate; exactly one of {@code vm} and {@code host} is set. {@code from}/{@code to} are
     * the range the counted windows cover (see {@link TimeRange#coveredByWindows}); {@code perHour} = panics / hours
     * of that range. {@code byClass} is present for VMs.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PanicRate(String vm, String host, String from, String to, String windowSize, long panics,
                            double perHour, Map<String, Long> byClass, List<WindowCount> series) {
    }

    /**
     * One VM in a top-N answer, with its latest advice (the remediation's Avro fields, as from
     * {@code /api/v1/remediation}) or null when it has none: the owner reads both in one go, and a dashboard listing
     * the worst VMs needs no request per VM.
     */
    public record VmRate(String vm, long panics, double perHour, Map<String, Long> byClass,
                         Map<String, Object> advice) {

        VmRate withPerHour(double rate) {
            return new VmRate(vm, panics, rate, byClass, advice);
        }

        VmRate withAdvice(Map<String, Object> latest) {
            return new VmRate(vm, panics, perHour, byClass, latest);
        }
    }

    /**
     * The VMs with the most panics in the range, highest first (ties by VM id). A {@code local=true} answer covers
     * only this instance's partitions, listed in {@code partitions}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TopRates(String from, String to, int top, List<VmRate> vms, List<Integer> partitions) {
    }

    /**
     * Current advice outcomes (each an {@code AdviceOutcome} by Avro field names), ordered by VM id, filtered by
     * {@code host} and {@code status} when given. A {@code local=true} answer covers only this instance's partitions,
     * listed in {@code partitions}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Outcomes(String host, String status, List<Map<String, Object>> outcomes, List<Integer> partitions) {
    }

    /**
     * A VM's load in the range, oldest first, at the {@code resolution} it says: {@code raw} gives {@code samples},
     * each with the {@code HostLoadSample} Avro field names (a range that starts within the raw window); an interval
     * such as {@code PT5M} gives {@code summaries}, one per interval that overlaps the range and holds samples.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LoadSeries(String vm, String from, String to, String resolution, List<Map<String, Object>> samples,
                             List<LoadInterval> summaries) {
    }

    /**
     * One summary interval of a VM's load: [start, end), its sample count, how many of them were overloaded, the
     * peaks (null when no sample carried the figure) and the host of its latest sample that named one.
     */
    public record LoadInterval(String start, String end, String hostId, int samples, int overloadedSamples,
                               Double peakLoadPerCpu, Double worstVcpuWait, Double peakCpuPressure,
                               String latestSampleTime) {
    }

    /**
     * {@code GET /health}. {@code stopReason}: why the app stopped by itself (the process is about to exit non-zero);
     * {@code lastThreadFailure}: the last stream-thread failure, which a replacement thread took over from.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Health(String status, String streamsState, String instance, String stopReason,
                         String lastThreadFailure) {
    }

    /** Every error body. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Error(String error, String parameter) {
    }
}
