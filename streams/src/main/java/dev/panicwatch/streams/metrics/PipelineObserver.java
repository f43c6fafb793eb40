package dev.panicwatch.streams.metrics;

import java.util.List;
import java.util.Map;

import dev.panicwatch.diagnosis.classify.PanicClass;
import dev.panicwatch.schemas.AdviceOutcomeStatus;
import dev.panicwatch.schemas.RemediationAction;

/**
 * What the pipeline tells the outside world as it works, for metrics. The topology and the dead-letter handlers call
 * it; the default does nothing, so the topology has no dependency on any metrics library. Calls come from stream
 * threads and must be cheap and thread-safe.
 *
 * <p>The app passes its observer to the topology directly. Kafka Streams creates the dead-letter handlers itself from
 * class names, so only they receive it through the Streams configuration, under {@link #CONFIG}, which
 * {@code PanicwatchApp.start} alone sets (one instance per app, which keeps two apps in one JVM apart).
 */
public interface PipelineObserver {

    /** Configuration key under which the app passes its observer instance to the dead-letter handlers. */
    String CONFIG = "panicwatch.pipeline.observer";

    PipelineObserver NO_OP = new PipelineObserver() {
    };

    /** A new (non-duplicate) panic report was classified and counted. */
    default void panicCounted(PanicClass panicClass) {
    }

    /** A remediation event was published with these actions. */
    default void remediationPublished(List<RemediationAction> actions) {
    }

    /** An advice outcome moved to {@code status} (docs/design.md#advice-outcome). */
    default void adviceOutcome(AdviceOutcomeStatus status) {
    }

    /** A timeout panic was decided while its load window held no samples of its VM. */
    default void decidedWithoutLoadData(PanicClass panicClass) {
    }

    /** A record went to the dead-letter topic; {@code stage} is "deserialization" or "processing". */
    default void deadLettered(String stage, String sourceTopic) {
    }

    /** The observer in {@code configs} under {@link #CONFIG}, or {@link #NO_OP}. */
    static PipelineObserver from(Map<String, ?> configs) {
        Object value = configs == null ? null : configs.get(CONFIG);
        return value instanceof PipelineObserver observer ? observer : NO_OP;
    }
}
