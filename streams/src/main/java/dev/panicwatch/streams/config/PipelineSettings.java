package dev.panicwatch.streams.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.panicwatch.diagnosis.kernel.EffectiveTimeout;
import dev.panicwatch.diagnosis.kernel.VtiCap;

/**
 * The pipeline's own settings (windows, thresholds, vti steps and caps, cooldown, retention, created topics, advice
 * outcomes), with the defaults of docs/design.md#topology and docs/design.md#advice-outcome. Read from {@code panicwatch.*} properties and {@code PANICWATCH_*} environment variables
 * (environment wins); see {@link PipelineSetting} for names and meanings.
 *
 * <p>The 2-minute default {@code grace}: collectors sample every 10 s and batch their sends, so a sample normally
 * lands seconds after its time; two minutes covers a collector restart or a short broker hiccup while keeping advice
 * within ~3 minutes of a panic (window end = panic + 1 min look-ahead, then grace).
 */
public record PipelineSettings(
        Duration lookBack,
        Duration lookAhead,
        Duration grace,
        double loadPerCpuThreshold,
        double vcpuWaitThreshold,
        double cpuPressureThreshold,
        int vtiStepMin,
        int vtiStepMax,
        int vtiCapUnchecked,
        int vtiCapSaturating,
        Duration cooldown,
        Duration rateWindow,
        Duration rateGrace,
        Duration retention,
        Duration loadRetention,
        Duration rawLoadRetention,
        Duration loadSummaryInterval,
        int topicPartitions,
        int topicReplication,
        Duration punctuationInterval,
        Duration effectiveAfter,
        double effectiveMinOverloadShare,
        Duration applyDeadline) {

    public PipelineSettings {
        requirePositive(PipelineSetting.LOOK_BACK, lookBack);
        requireNotNegative(PipelineSetting.LOOK_AHEAD, lookAhead);
        requireNotNegative(PipelineSetting.GRACE, grace);
        requirePositive(PipelineSetting.LOAD_PER_CPU_THRESHOLD, loadPerCpuThreshold);
        requirePositive(PipelineSetting.CPU_PRESSURE_THRESHOLD, cpuPressureThreshold);
        if (!(vcpuWaitThreshold > 0 && vcpuWaitThreshold <= 1)) {
            throw invalid(PipelineSetting.VCPU_WAIT_THRESHOLD, vcpuWaitThreshold, "must be a share in (0, 1]");
        }
        if (vtiStepMin < 1) {
            throw invalid(PipelineSetting.VTI_STEP_MIN, vtiStepMin, "must be at least 1");
        }
        if (vtiStepMax < vtiStepMin) {
            throw invalid(PipelineSetting.VTI_STEP_MAX, vtiStepMax, "must be at least vti.step.min (" + vtiStepMin + ")");
        }
        requireVti(PipelineSetting.VTI_CAP_UNCHECKED, vtiCapUnchecked);
        requireVti(PipelineSetting.VTI_CAP_SATURATING, vtiCapSaturating);
        requirePositive(PipelineSetting.COOLDOWN, cooldown);
        requirePositive(PipelineSetting.RATE_WINDOW, rateWindow);
        requireNotNegative(PipelineSetting.RATE_GRACE, rateGrace);
        requirePositive(PipelineSetting.RETENTION, retention);
        if (retention.compareTo(rateWindow.plus(rateGrace)) < 0) {
            // Kafka Streams refuses windowed stores that forget a window before its grace has passed.
            throw invalid(PipelineSetting.RETENTION, retention, "must be at least rate.window + rate.grace ("
                    + rateWindow.plus(rateGrace) + ")");
        }
        requirePositive(PipelineSetting.LOAD_RETENTION, loadRetention);
        requirePositive(PipelineSetting.RAW_LOAD_RETENTION, rawLoadRetention);
        requirePositive(PipelineSetting.LOAD_SUMMARY_INTERVAL, loadSummaryInterval);
        Duration span = lookBack.plus(lookAhead).plus(grace);
        if (rawLoadRetention.compareTo(span) < 0) {
            throw invalid(PipelineSetting.RAW_LOAD_RETENTION, rawLoadRetention,
                    "must cover look.back + look.ahead + grace (" + span + ")");
        }
        // A summary is made from the raw samples once its interval plus grace has passed; they must still be there.
        Duration summarized = loadSummaryInterval.plus(grace);
        if (rawLoadRetention.compareTo(summarized) < 0) {
            throw invalid(PipelineSetting.RAW_LOAD_RETENTION, rawLoadRetention,
                    "must cover load.summary.interval + grace (" + summarized + ")");
        }
        if (loadRetention.compareTo(rawLoadRetention) < 0) {
            throw invalid(PipelineSetting.LOAD_RETENTION, loadRetention, "must be at least raw.load.retention ("
                    + rawLoadRetention + ")");
        }
        if (loadSummaryInterval.toMillis() % 1_000 != 0
                || Duration.ofHours(1).toMillis() % loadSummaryInterval.toMillis() != 0) {
            // Summaries on a grid that divides the hour line up across VMs and restarts, and with the dashboard's axis.
            throw invalid(PipelineSetting.LOAD_SUMMARY_INTERVAL, loadSummaryInterval,
                    "must be whole seconds that divide one hour (PT1M, PT5M, PT10M, PT15M, PT1H ...)");
        }
        if (topicPartitions < 1) {
            throw invalid(PipelineSetting.TOPIC_PARTITIONS, topicPartitions, "must be at least 1");
        }
        if (topicReplication != -1 && topicReplication < 1) {
            throw invalid(PipelineSetting.TOPIC_REPLICATION, topicReplication, "must be -1 (broker default) or at least 1");
        }
        requirePositive(PipelineSetting.PUNCTUATION_INTERVAL, punctuationInterval);
        requirePositive(PipelineSetting.EFFECTIVE_AFTER, effectiveAfter);
        if (!(effectiveMinOverloadShare >= 0 && effectiveMinOverloadShare <= 1)) {
            throw invalid(PipelineSetting.EFFECTIVE_MIN_OVERLOAD_SHARE, effectiveMinOverloadShare,
                    "must be a share in [0, 1]");
        }
        requirePositive(PipelineSetting.APPLY_DEADLINE, applyDeadline);
    }

    /** The defaults (docs/design.md#topology). */
    public static PipelineSettings defaults() {
        return from(Map.of(), Map.of());
    }

    /**
     * Settings from {@code properties} ({@code panicwatch.*} keys; other keys are ignored, they belong to Kafka) and
     * {@code environment} ({@code PANICWATCH_*}; environment wins). An unknown {@code panicwatch.*} key or
     * {@code PANICWATCH_*} variable, or a malformed value, is an {@link InvalidSettingException} naming it.
     */
    public static PipelineSettings from(Map<String, String> properties, Map<String, String> environment) {
        return from(properties, environment, Set.of());
    }

    /**
     * As {@link #from(Map, Map)}, where {@code otherVariables} are {@code PANICWATCH_*} names that are not pipeline
     * settings but are read elsewhere (the query API, the collectors, the launcher): each module declares its own,
     * and whoever assembles the process passes them here, so they are not refused as unknown.
     */
    public static PipelineSettings from(Map<String, String> properties, Map<String, String> environment,
                                        Set<String> otherVariables) {
        Map<PipelineSetting, Object> values = new EnumMap<>(PipelineSetting.class);
        for (PipelineSetting s : PipelineSetting.values()) {
            values.put(s, s.parse(s.defaultValue(), s.property() + " (default)"));
        }
        List<String> unknown = new ArrayList<>();
        new TreeMap<>(properties).forEach((key, raw) -> {
            if (!key.startsWith(PipelineSetting.PROPERTY_PREFIX)) {
                return;
            }
            PipelineSetting s = byProperty(key);
            if (s == null) {
                unknown.add("property " + key);
            } else {
                values.put(s, s.parse(raw, "property " + key));
            }
        });
        new TreeMap<>(environment).forEach((name, raw) -> {
            if (!name.startsWith(PipelineSetting.ENV_PREFIX) || otherVariables.contains(name)) {
                return;
            }
            PipelineSetting s = byEnvironmentName(name);
            if (s == null) {
                unknown.add("environment variable " + name);
            } else {
                values.put(s, s.parse(raw, "environment variable " + name));
            }
        });
        if (!unknown.isEmpty()) {
            throw new InvalidSettingException("unknown Panicwatch setting(s): " + String.join(", ", unknown)
                    + ". Known settings: " + knownNames());
        }
        return new PipelineSettings(
                (Duration) values.get(PipelineSetting.LOOK_BACK),
                (Duration) values.get(PipelineSetting.LOOK_AHEAD),
                (Duration) values.get(PipelineSetting.GRACE),
                (Double) values.get(PipelineSetting.LOAD_PER_CPU_THRESHOLD),
                (Double) values.get(PipelineSetting.VCPU_WAIT_THRESHOLD),
                (Double) values.get(PipelineSetting.CPU_PRESSURE_THRESHOLD),
                (Integer) values.get(PipelineSetting.VTI_STEP_MIN),
                (Integer) values.get(PipelineSetting.VTI_STEP_MAX),
                (Integer) values.get(PipelineSetting.VTI_CAP_UNCHECKED),
                (Integer) values.get(PipelineSetting.VTI_CAP_SATURATING),
                (Duration) values.get(PipelineSetting.COOLDOWN),
                (Duration) values.get(PipelineSetting.RATE_WINDOW),
                (Duration) values.get(PipelineSetting.RATE_GRACE),
                (Duration) values.get(PipelineSetting.RETENTION),
                (Duration) values.get(PipelineSetting.LOAD_RETENTION),
                (Duration) values.get(PipelineSetting.RAW_LOAD_RETENTION),
                (Duration) values.get(PipelineSetting.LOAD_SUMMARY_INTERVAL),
                (Integer) values.get(PipelineSetting.TOPIC_PARTITIONS),
                (Integer) values.get(PipelineSetting.TOPIC_REPLICATION),
                (Duration) values.get(PipelineSetting.PUNCTUATION_INTERVAL),
                (Duration) values.get(PipelineSetting.EFFECTIVE_AFTER),
                (Double) values.get(PipelineSetting.EFFECTIVE_MIN_OVERLOAD_SHARE),
                (Duration) values.get(PipelineSetting.APPLY_DEADLINE));
    }

    /** Panic time minus look-back to panic time plus look-ahead plus grace: the span a decision may need samples from. */
    public Duration loadWindowSpan() {
        return lookBack.plus(lookAhead).plus(grace);
    }

    /** The vti caps these settings give: the advice and the peer warning cap suggestions alike. */
    public VtiCap vtiCap() {
        return new VtiCap(vtiCapUnchecked, vtiCapSaturating);
    }

    /** One line per setting with its value, for the start-up log. */
    public String describe() {
        return String.format("look.back=%s look.ahead=%s grace=%s thresholds: load/cpu>=%s vcpu.wait>=%s psi>=%s; "
                        + "vti step %d..%d, caps %d (xnu<=6153 or unknown) / %d; cooldown=%s rate.window=%s "
                        + "rate.grace=%s retention=%s load.retention=%s (raw %s, summaries per %s) topics: partitions=%d "
                        + "replication=%s; "
                        + "punctuation every %s; outcomes: effective.after=%s min.overload.share=%s "
                        + "apply.deadline=%s",
                lookBack, lookAhead, grace, loadPerCpuThreshold, vcpuWaitThreshold, cpuPressureThreshold,
                vtiStepMin, vtiStepMax, vtiCapUnchecked, vtiCapSaturating, cooldown, rateWindow, rateGrace, retention,
                loadRetention, rawLoadRetention, loadSummaryInterval, topicPartitions, topicReplication == -1 ? "broker default" : topicReplication,
                punctuationInterval, effectiveAfter, effectiveMinOverloadShare, applyDeadline);
    }

    private static PipelineSetting byProperty(String key) {
        for (PipelineSetting s : PipelineSetting.values()) {
            if (s.property().equals(key)) {
                return s;
            }
        }
        return null;
    }

    private static PipelineSetting byEnvironmentName(String name) {
        for (PipelineSetting s : PipelineSetting.values()) {
            if (s.environmentName().equals(name)) {
                return s;
            }
        }
        return null;
    }

    private static String knownNames() {
        List<String> names = new ArrayList<>();
        for (PipelineSetting s : PipelineSetting.values()) {
            names.add(s.environmentName());
        }
        return String.join(", ", names);
    }

    private static void requirePositive(PipelineSetting s, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw invalid(s, d, "must be a positive duration");
        }
    }

    private static void requireNotNegative(PipelineSetting s, Duration d) {
        if (d == null || d.isNegative()) {
            throw invalid(s, d, "must not be negative");
        }
    }

    private static void requirePositive(PipelineSetting s, double v) {
        if (!(v > 0)) {
            throw invalid(s, v, "must be positive");
        }
    }

    private static void requireVti(PipelineSetting s, int vti) {
        if (vti < 1 || !EffectiveTimeout.covers(vti)) {
            throw invalid(s, vti, "must be a vti between 1 and " + EffectiveTimeout.MAX_VTI);
        }
    }

    private static InvalidSettingException invalid(PipelineSetting s, Object value, String why) {
        return new InvalidSettingException(s.environmentName() + " (" + s.property() + ") = " + value + " " + why);
    }
}
