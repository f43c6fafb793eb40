package dev.panicwatch.cli.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Every figure of one {@code ./panicwatch bench} run, with the goals they are held against; printed for people
 * ({@link #toText()}) or as the one-line JSON summary scripts read ({@link #toJson()}).
 */
public record BenchReport(int vms, int samplesPerVm, long samples, int recordBytes,
                          double samplesPerSec, double secondHalfSamplesPerSec, double processingSeconds, double startupSeconds,
                          double baselineProducerPerSec, double baselineConsumerPerSec,
                          int panics, double p50Ms, double p99Ms, double maxMs, double meanMs,
                          long commitIntervalMs, long punctuationIntervalMs,
                          double rssMb, double parserMBPerSec, double hostSamplerMsPerRound, int hostSamplerVms,
                          int guestStateEvery, long guestStates, long appliedOutcomes, long preventiveRemediations,
                          int cores, double loadAverageStart, double loadAverageEnd,
                          Map<String, String> appSettings) {

    public BenchReport {
        appSettings = Map.copyOf(appSettings);
    }

    static final double GOAL_SAMPLES_PER_SEC = 100_000;
    static final double GOAL_RATIO = 0.5;
    static final double GOAL_P99_MS = 1_000;
    static final double GOAL_RSS_MB = 1_024;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Pipeline samples/s over the producer baseline's records/s on the same broker. */
    public double ratio() {
        return samplesPerSec / baselineProducerPerSec;
    }

    /** One line; keys named in issue 8 first. NaN (a figure this platform cannot give, e.g. RSS off Linux) is null. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samplesPerSec", round(samplesPerSec, 0));
        m.put("baselineProducerPerSec", round(baselineProducerPerSec, 0));
        m.put("ratio", round(ratio(), 3));
        m.put("p50Ms", round(p50Ms, 1));
        m.put("p99Ms", round(p99Ms, 1));
        m.put("maxMs", round(maxMs, 1));
        m.put("rssMb", round(rssMb, 0));
        m.put("secondHalfSamplesPerSec", round(secondHalfSamplesPerSec, 0));
        m.put("baselineConsumerPerSec", round(baselineConsumerPerSec, 0));
        m.put("vms", vms);
        m.put("samplesPerVm", samplesPerVm);
        m.put("samples", samples);
        m.put("recordBytes", recordBytes);
        m.put("processingSeconds", round(processingSeconds, 2));
        m.put("startupSeconds", round(startupSeconds, 2));
        m.put("panics", panics);
        m.put("meanMs", round(meanMs, 1));
        m.put("commitIntervalMs", commitIntervalMs);
        m.put("punctuationIntervalMs", punctuationIntervalMs);
        m.put("parserMBPerSec", round(parserMBPerSec, 1));
        m.put("hostSamplerMsPerRound", round(hostSamplerMsPerRound, 2));
        m.put("hostSamplerVms", hostSamplerVms);
        m.put("guestStateEvery", guestStateEvery);
        m.put("guestStates", guestStates);
        m.put("appliedOutcomes", appliedOutcomes);
        m.put("preventiveRemediations", preventiveRemediations);
        return jsonLine(m, cores, loadAverageStart, loadAverageEnd, appSettings);
    }

    /** {@code figures} and the machine's and the settings' figures every bench mode ends with, as one JSON line. */
    static String jsonLine(Map<String, Object> figures, int cores, double loadAverageStart, double loadAverageEnd,
                           Map<String, String> appSettings) {
        Map<String, Object> m = new LinkedHashMap<>(figures);
        m.put("cores", cores);
        m.put("loadAverageStart", round(loadAverageStart, 2));
        m.put("loadAverageEnd", round(loadAverageEnd, 2));
        m.put("appSettings", new TreeMap<>(appSettings));
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the JSON summary", e);
        }
    }

    /** The --app-env line of the readable report; empty without --app-env. */
    static String appSettingsLine(Map<String, String> appSettings) {
        return appSettings.isEmpty() ? "" : "  streams settings from --app-env: " + new TreeMap<>(appSettings) + "\n";
    }

    public String toText() {
        String settings = appSettingsLine(appSettings);
        return String.format(Locale.ROOT, """
                Panicwatch benchmark: %,d VMs x %,d samples = %,d load samples (%d bytes each), %d panics; %d cores, \
                load average %.2f at start, %.2f at end
                  pipeline throughput   %,12.0f samples/s   (goal >= %,.0f: %s)  over %.2f s, start-up %.1f s not counted
                    second half         %,12.0f samples/s   (goal >= %,.0f: %s)  the JVM's JIT warm-up mostly behind it
                  producer baseline     %,12.0f records/s   Kafka ProducerPerformance, acks=all, idempotent
                  consumer baseline     %,12.0f records/s   Kafka ConsumerPerformance, fetch rate
                  ratio to producer     %12.3f             (goal >= %.1f: %s)
                  panic -> remediation  p50 %.0f ms, p99 %.0f ms, max %.0f ms, mean %.0f ms  (goal p99 <= %.0f ms: %s)
                                        exactly-once commit interval %d ms, punctuation interval %d ms
                  streams peak RSS      %,12.0f MiB         (goal <= %.0f MiB with %,d VMs of state: %s)
                  parser                %12.1f MB/s         over the panic corpus, per second of CPU time
                  host sampler          %12.2f ms CPU/round  %d VMs x 8 vCPUs (synthetic /proc tree)
                """ + guestStateLine(), vms, samplesPerVm, samples, recordBytes, panics, cores, loadAverageStart, loadAverageEnd,
                samplesPerSec, GOAL_SAMPLES_PER_SEC, verdict(samplesPerSec >= GOAL_SAMPLES_PER_SEC), processingSeconds,
                startupSeconds, secondHalfSamplesPerSec, GOAL_SAMPLES_PER_SEC,
                verdict(secondHalfSamplesPerSec >= GOAL_SAMPLES_PER_SEC), baselineProducerPerSec, baselineConsumerPerSec, ratio(), GOAL_RATIO,
                verdict(ratio() >= GOAL_RATIO), p50Ms, p99Ms, maxMs, meanMs, GOAL_P99_MS, verdict(p99Ms <= GOAL_P99_MS),
                commitIntervalMs, punctuationIntervalMs, rssMb, GOAL_RSS_MB, vms, verdict(rssMb <= GOAL_RSS_MB),
                parserMBPerSec, hostSamplerMsPerRound, hostSamplerVms) + settings;
    }

    /** What the guest states were and what the streams app made of them; says so when there were none. */
    private String guestStateLine() {
        if (guestStateEvery == 0) {
            return "  guest states          none (--guest-state-every 0)\n";
        }
        return String.format(Locale.ROOT, "  guest states          %,12d             one per VM every %d samples, "
                + "each panic's, the advice applied by every other panicked VM: %,d APPLIED, %,d preventive "
                + "remediations%n", guestStates, guestStateEvery, appliedOutcomes, preventiveRemediations)
                .replace("%", "%%");
    }

    private static String verdict(boolean met) {
        return met ? "met" : "NOT met";
    }

    /** Rounded for the JSON line; NaN and infinity (a figure not measured) as null. */
    static Double round(double value, int decimals) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return null;
        }
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }
}
