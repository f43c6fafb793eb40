package dev.panicwatch.notify;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import dev.panicwatch.schemas.RemediationEvent;

/**
 * The notifier's Prometheus metrics: per target what was delivered, given up and retried, whether it is failing now
 * and how much waits for it; and the latest advice per VM (when, how many panics), which the alert rules and the
 * dashboard use for the per-VM and per-host views that the streams app's counters (by class and action only) lack.
 */
final class NotifierMetrics implements AutoCloseable {

    private record LatestAdvice(String vm, String host, String panicClass, double createdSeconds, int panics) {
    }

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter events;
    private final Counter unreadable;
    private final Map<String, AtomicInteger> failing = new ConcurrentHashMap<>();
    private final Map<String, LatestAdvice> latest = new ConcurrentHashMap<>();
    private final MultiGauge latestTime;
    private final MultiGauge latestPanics;

    NotifierMetrics() {
        events = Counter.builder("panicwatch.notify.events").description("Remediation events read").register(registry);
        unreadable = Counter.builder("panicwatch.notify.unreadable.records")
                .description("Records on the remediations topic that could not be read (skipped, logged)")
                .register(registry);
        latestTime = MultiGauge.builder("panicwatch.advice.latest.timestamp.seconds")
                .description("When the latest advice of each VM was decided (Unix seconds)").register(registry);
        latestPanics = MultiGauge.builder("panicwatch.advice.latest.panics")
                .description("Timeout panics in the cooldown window of each VM's latest advice").register(registry);
    }

    /** Registers a target's series at zero, so a rate query sees it before the first event. */
    void target(String name, Supplier<Number> queued) {
        for (String outcome : List.of("delivered", "given_up", "filtered")) {
            deliveries(name, outcome);
        }
        failedTries(name);
        AtomicInteger state = failing.computeIfAbsent(name, n -> new AtomicInteger());
        Gauge.builder("panicwatch.notify.target.failing", state, AtomicInteger::get)
                .description("1 while the target's latest try failed").tag("target", name).register(registry);
        Gauge.builder("panicwatch.notify.target.queued", queued)
                .description("Events waiting for the target, the one being tried included").tag("target", name)
                .register(registry);
    }

    void inFlight(Supplier<Number> inFlight) {
        Gauge.builder("panicwatch.notify.in.flight", inFlight)
                .description("Events read whose offsets wait for some target").register(registry);
    }

    void eventRead(RemediationEvent event) {
        events.increment();
        latest.put(event.getVmId(), new LatestAdvice(event.getVmId(),
                event.getHostId() == null ? "unknown" : event.getHostId(), event.getPanicClass().name(),
                event.getCreatedTime().toEpochMilli() / 1000.0, event.getPanicsInWindow()));
        List<MultiGauge.Row<?>> times = new ArrayList<>();
        List<MultiGauge.Row<?>> panics = new ArrayList<>();
        for (LatestAdvice a : latest.values()) {
            Tags tags = Tags.of("vm", a.vm(), "host", a.host(), "class", a.panicClass());
            times.add(MultiGauge.Row.of(tags, a.createdSeconds()));
            panics.add(MultiGauge.Row.of(tags, a.panics()));
        }
        latestTime.register(times, true);
        latestPanics.register(panics, true);
    }

    void unreadableRecord() {
        unreadable.increment();
    }

    void delivered(String target) {
        deliveries(target, "delivered").increment();
        failing.get(target).set(0);
    }

    void gaveUp(String target) {
        deliveries(target, "given_up").increment();
    }

    void filtered(String target) {
        deliveries(target, "filtered").increment();
    }

    /** A failed try; true when the target was not failing before (the log says so once, not per try). */
    boolean tryFailed(String target) {
        failedTries(target).increment();
        return failing.get(target).getAndSet(1) == 0;
    }

    boolean isFailing(String target) {
        return failing.get(target).get() == 1;
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    String scrape() {
        return registry.scrape();
    }

    private Counter deliveries(String target, String outcome) {
        return Counter.builder("panicwatch.notify.deliveries")
                .description("Events settled per target: delivered, given up after the last try, or filtered out")
                .tag("target", target).tag("outcome", outcome).register(registry);
    }

    private Counter failedTries(String target) {
        return Counter.builder("panicwatch.notify.failed.tries")
                .description("Tries that failed (each retry counts)").tag("target", target).register(registry);
    }

    @Override
    public void close() {
        registry.close();
    }
}
