package dev.panicwatch.streams.metrics;

import java.util.List;

import org.apache.kafka.streams.KafkaStreams;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import dev.panicwatch.diagnosis.classify.PanicClass;
import dev.panicwatch.schemas.AdviceOutcomeStatus;
import dev.panicwatch.schemas.RemediationAction;

/**
 * The app's Prometheus metrics: Kafka Streams' own (through Micrometer's binder) and the pipeline's domain counters
 * ({@code panicwatch_panics_total{class}}, {@code panicwatch_remediations_total{action}},
 * {@code panicwatch_advice_outcomes_total{status}},
 * {@code panicwatch_dead_letters_total{stage,topic}}, {@code panicwatch_decisions_without_load_total{class}}). Every
 * class and action is registered at 0 up front, so a rate query sees a series before the first panic. The counters
 * are per instance (Prometheus sums the instances).
 */
public final class PanicwatchMetrics implements PipelineObserver, AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private KafkaStreamsMetrics streamsMetrics;

    public PanicwatchMetrics() {
        for (PanicClass c : PanicClass.values()) {
            panics(c);
            withoutLoad(c);
        }
        for (RemediationAction a : RemediationAction.values()) {
            remediations(a);
        }
        for (AdviceOutcomeStatus s : AdviceOutcomeStatus.values()) {
            outcomes(s);
        }
    }

    /** Adds Kafka Streams' own metrics (threads, tasks, stores, clients) of {@code streams}. */
    public synchronized void bind(KafkaStreams streams) {
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
    }

    /** The Prometheus text exposition of every metric. */
    public String scrape() {
        return registry.scrape();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void panicCounted(PanicClass panicClass) {
        panics(panicClass).increment();
    }

    @Override
    public void remediationPublished(List<RemediationAction> actions) {
        actions.forEach(a -> remediations(a).increment());
    }

    @Override
    public void adviceOutcome(AdviceOutcomeStatus status) {
        outcomes(status).increment();
    }

    @Override
    public void decidedWithoutLoadData(PanicClass panicClass) {
        withoutLoad(panicClass).increment();
    }

    @Override
    public void deadLettered(String stage, String sourceTopic) {
        Counter.builder("panicwatch.dead.letters")
                .description("Records sent to the dead-letter topic, by failing stage and source topic")
                .tag("stage", stage).tag("topic", sourceTopic == null ? "unknown" : sourceTopic)
                .register(registry).increment();
    }

    private Counter panics(PanicClass c) {
        return Counter.builder("panicwatch.panics")
                .description("Panic reports classified and counted (duplicates excluded), by class")
                .tag("class", c.name()).register(registry);
    }

    private Counter remediations(RemediationAction a) {
        return Counter.builder("panicwatch.remediations")
                .description("Remediation events published, by each action they carry")
                .tag("action", a.name()).register(registry);
    }

    private Counter outcomes(AdviceOutcomeStatus s) {
        return Counter.builder("panicwatch.advice.outcomes")
                .description("Advice outcome transitions published, by the status moved to")
                .tag("status", s.name()).register(registry);
    }

    private Counter withoutLoad(PanicClass c) {
        return Counter.builder("panicwatch.decisions.without.load")
                .description("Timeout panics decided with no load sample of their VM in the window, by class")
                .tag("class", c.name()).register(registry);
    }

    @Override
    public synchronized void close() {
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        registry.close();
    }
}
