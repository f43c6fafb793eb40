package dev.panicwatch.streams.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

import dev.panicwatch.diagnosis.kernel.VtiCap;

/**
 * Every setting of the pipeline itself, with its default (docs/design.md#topology). Each has a property name for the config file
 * ({@code panicwatch.look.back}) and an environment name ({@code PANICWATCH_LOOK_BACK}); durations are ISO-8601
 * ({@code PT10M}, {@code P7D}).
 */
public enum PipelineSetting {
    LOOK_BACK("panicwatch.look.back", "PT10M", Kind.DURATION,
            "How far before a panic its VM's load samples count."),
    LOOK_AHEAD("panicwatch.look.ahead", "PT1M", Kind.DURATION,
            "How far after a panic its VM's load samples count (load averages lag the starvation)."),
    GRACE("panicwatch.grace", "PT2M", Kind.DURATION,
            "How long a panic waits past the end of its load window for late samples before it is decided."),
    LOAD_PER_CPU_THRESHOLD("panicwatch.load.per.cpu.threshold", "1.0", Kind.DOUBLE,
            "Overloaded when load1 / hostCpus reaches this."),
    VCPU_WAIT_THRESHOLD("panicwatch.vcpu.wait.threshold", "0.25", Kind.DOUBLE,
            "Overloaded when the worst vCPU thread waited runnable this share of the interval."),
    CPU_PRESSURE_THRESHOLD("panicwatch.cpu.pressure.threshold", "40", Kind.DOUBLE,
            "Overloaded when the host's PSI cpu some avg10 (percent) reaches this."),
    VTI_STEP_MIN("panicwatch.vti.step.min", "1", Kind.INT,
            "Smallest vti raise for an overloaded host."),
    VTI_STEP_MAX("panicwatch.vti.step.max", "4", Kind.INT,
            "Largest vti raise in one piece of advice (×16 on the timeout)."),
    VTI_CAP_UNCHECKED("panicwatch.vti.cap.unchecked", Integer.toString(VtiCap.XNU.unchecked()), Kind.INT,
            "Highest vti ever suggested on xnu ≤ 6153 (macOS 10.12–10.15, unchecked shift) or an unknown kernel."),
    VTI_CAP_SATURATING("panicwatch.vti.cap.saturating", Integer.toString(VtiCap.XNU.saturating()), Kind.INT,
            "Highest vti suggested from xnu-7195 (macOS 11) on, where the timeout saturates."),
    COOLDOWN("panicwatch.cooldown", "PT1H", Kind.DURATION,
            "One remediation event per VM per cooldown, unless the advice changes."),
    RATE_WINDOW("panicwatch.rate.window", "PT1H", Kind.DURATION,
            "Size of the windows of the panic-count stores."),
    RATE_GRACE("panicwatch.rate.grace", "P1D", Kind.DURATION,
            "How late a panic may arrive and still be counted in its rate window (collectors buffer while Kafka is down)."),
    RETENTION("panicwatch.retention", "P7D", Kind.DURATION,
            "How long panic counts and seen report ids are kept."),
    LOAD_RETENTION("panicwatch.load.retention", "P1D", Kind.DURATION,
            "How far back a VM's load is kept, as summaries per load.summary.interval beyond the raw window (host, overload share, load view)."),
    RAW_LOAD_RETENTION("panicwatch.raw.load.retention", "PT30M", Kind.DURATION,
            "How long each raw load sample is kept: look.back + look.ahead + grace plus a margin for collectors that send late."),
    LOAD_SUMMARY_INTERVAL("panicwatch.load.summary.interval", "PT5M", Kind.DURATION,
            "Span of one load summary (sample count, overloaded samples, peaks, host) kept for load.retention."),
    TOPIC_PARTITIONS("panicwatch.topic.partitions", "3", Kind.INT,
            "Partitions of topics created at start when missing (an existing input topic's count wins)."),
    TOPIC_REPLICATION("panicwatch.topic.replication", "-1", Kind.INT,
            "Replication factor of topics created at start; -1 = the broker's default.replication.factor."),
    PUNCTUATION_INTERVAL("panicwatch.punctuation.interval", "PT10S", Kind.DURATION,
            "How often pending panics are checked against their deadlines, in stream time and in wall-clock time."),
    EFFECTIVE_AFTER("panicwatch.effective.after", "PT24H", Kind.DURATION,
            "Guest uptime since the advice was applied, without a timeout panic, after which it counts as EFFECTIVE."),
    EFFECTIVE_MIN_OVERLOAD_SHARE("panicwatch.effective.min.overload.share", "0.25", Kind.DOUBLE,
            "Share of that stretch's load samples that must be overloaded for EFFECTIVE (a quiet host proves nothing)."),
    APPLY_DEADLINE("panicwatch.apply.deadline", "PT24H", Kind.DURATION,
            "How long after the advice a guest may still run its old boot-args before NOT_APPLIED reminds once.");

    public static final String PROPERTY_PREFIX = "panicwatch.";
    public static final String ENV_PREFIX = "PANICWATCH_";

    enum Kind { DURATION, DOUBLE, INT }

    private final String property;
    private final String defaultValue;
    private final Kind kind;
    private final String description;

    PipelineSetting(String property, String defaultValue, Kind kind, String description) {
        this.property = property;
        this.defaultValue = defaultValue;
        this.kind = kind;
        this.description = description;
    }

    public String property() {
        return property;
    }

    /** {@code panicwatch.look.back} → {@code PANICWATCH_LOOK_BACK}. */
    public String environmentName() {
        return ENV_PREFIX + property.substring(PROPERTY_PREFIX.length()).toUpperCase(Locale.ROOT).replace('.', '_');
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    Object parse(String raw, String source) {
        String value = raw.trim();
        try {
            return switch (kind) {
                case DURATION -> Duration.parse(value.toUpperCase(Locale.ROOT));
                case DOUBLE -> {
                    double d = Double.parseDouble(value);
                    if (!Double.isFinite(d)) {
                        throw new NumberFormatException("not finite");
                    }
                    yield d;
                }
                case INT -> Integer.parseInt(value);
            };
        } catch (DateTimeParseException | NumberFormatException e) {
            String expected = switch (kind) {
                case DURATION -> "an ISO-8601 duration such as PT10M, PT30S or P7D";
                case DOUBLE -> "a decimal number such as 0.25";
                case INT -> "a whole number";
            };
            throw new InvalidSettingException(source + " = '" + raw + "' is malformed: expected " + expected);
        }
    }
}
