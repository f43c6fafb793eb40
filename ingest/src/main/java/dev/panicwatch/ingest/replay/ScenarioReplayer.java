package dev.panicwatch.ingest.replay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

import org.apache.kafka.clients.producer.RecordMetadata;

import dev.panicwatch.ingest.guest.ReportedBootArgs;
import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.publish.RecordPublisher;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.diagnosis.parse.UnparseableReportException;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.Topics;

/**
 * Publishes a scenario as if its collectors were running: load samples to {@code host-load}, panic reports to
 * {@code panic-reports}, guest lines (and, as the receiver does, the boot-args of the panic lines) to
 * {@code guest-state}, all keyed by vmId, in time order. By default every time is moved by one offset so that the
 * last event lands at the current time (the topology's windows then close on the wall clock as they would live);
 * {@code keepTimes} publishes the times as written.
 *
 * <p>A panic event's {@code time} is the report's panicTime (and receivedTime), whatever date the report itself
 * states: the scenario decides when things happened. Its reportId also covers the VM and that time (see
 * {@link #reportId}). Each record's Kafka timestamp is its event time, as a live
 * collector publishing at that moment would give it.
 */
public final class ScenarioReplayer {

    /** What was published, and by how much the times were moved. */
    /**
     * @param guestStates records published to guest-state: the guest lines, and the boot-args of the panic lines
     *                    (as the receiver publishes them, {@link ReportedBootArgs})
     */
    public record ReplayResult(int loadSamples, int panicReports, int guestStates, Duration shift) {
    }

    private static final int BATCH = 1_000;

    private final PanicReportFactory factory;
    private final Clock clock;
    private final Consumer<String> progress;

    /**
     * @param progress receives a line now and then (the CLI prints them to standard error)
     */
    public ScenarioReplayer(PanicReportFactory factory, Clock clock, Consumer<String> progress) {
        this.factory = factory;
        this.clock = clock;
        this.progress = progress;
    }

    /** Reads, checks and publishes the scenario in {@code folder}; nothing is published when a line is bad. */
    public ReplayResult replay(Path folder, boolean keepTimes, RecordPublisher publisher)
            throws IOException, ScenarioException {
        Scenario scenario = new ScenarioReader(factory).read(folder);
        progress.accept("scenario " + folder + ": " + scenario.count(ScenarioEvent.Load.class) + " load samples, "
                + scenario.count(ScenarioEvent.Panic.class) + " panic reports, "
                + scenario.count(ScenarioEvent.Guest.class) + " guest states");
        return replay(scenario, keepTimes, publisher);
    }

    /**
     * Publishes a checked scenario and waits until Kafka acknowledged every record.
     *
     * @throws CompletionException with Kafka's error when a record could not be published
     */
    public ReplayResult replay(Scenario scenario, boolean keepTimes, RecordPublisher publisher) {
        scenario.warnings().forEach(w -> progress.accept("warning: " + w));
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Duration shift = keepTimes ? Duration.ZERO : Duration.between(scenario.latestTime(), now);
        if (!keepTimes) {
            progress.accept("moving all times by " + describe(shift) + " so the last event is now (" + now + ")");
        }
        List<ScenarioEvent> ordered = new ArrayList<>(scenario.events());
        ordered.sort(Comparator.comparing(ScenarioEvent::time).thenComparingInt(ScenarioEvent::line));

        List<CompletableFuture<RecordMetadata>> pending = new ArrayList<>();
        int loads = 0;
        int panics = 0;
        int guests = 0;
        for (ScenarioEvent event : ordered) {
            Instant at = event.time().plus(shift);
            if (event instanceof ScenarioEvent.Load load) {
                HostLoadSample sample = HostLoadSample.newBuilder(load.sample()).setSampleTime(at).build();
                pending.add(tagged(publisher.publish(Topics.HOST_LOAD, sample.getVmId(), sample, at), event));
                loads++;
            } else if (event instanceof ScenarioEvent.Panic panic) {
                PanicReport report;
                try {
                    report = factory.create(panic.content(), panic.vm(), at, at);
                } catch (UnparseableReportException e) {
                    // ScenarioReader keeps only panic files that parse, so this means the scenario was built by hand.
                    throw new IllegalStateException("line " + event.line() + ": " + e.getMessage(), e);
                }
                report.setPanicTime(at);
                report.setReportId(reportId(panic));
                pending.add(tagged(publisher.publish(Topics.PANIC_REPORTS, report.getVmId(), report, at), event));
                panics++;
                Optional<GuestState> bootArgs = ReportedBootArgs.observation(report, panic.vm());
                if (bootArgs.isPresent()) {
                    pending.add(tagged(publisher.publish(Topics.GUEST_STATE, report.getVmId(), bootArgs.get(),
                            bootArgs.get().getObservedTime()), event));
                    guests++;
                }
            } else if (event instanceof ScenarioEvent.Guest guest) {
                GuestState state = GuestState.newBuilder(guest.state()).setObservedTime(at).setReceivedTime(at)
                        .setBootTime(guest.state().getBootTime() == null ? null
                                : guest.state().getBootTime().plus(shift))
                        .build();
                pending.add(tagged(publisher.publish(Topics.GUEST_STATE, state.getVmId(), state, at), event));
                guests++;
            }
            if (pending.size() >= BATCH) {
                awaitAll(pending);
                progress.accept("replayed " + (loads + panics + guests) + " of " + ordered.size() + " events");
            }
        }
        awaitAll(pending);
        progress.accept(guests == 0 ? "replayed " + loads + " load samples and " + panics + " panic reports"
                : "replayed " + loads + " load samples, " + panics + " panic reports and " + guests + " guest states");
        return new ReplayResult(loads, panics, guests, shift);
    }

    /**
     * The reportId of a replayed panic. A scenario may let one file stand for several panics (other VMs, other times),
     * which live would be different files, so the id covers the VM and the time as written as well as the bytes: two
     * lines with the same VM, time and file are one report (a duplicate, as a re-sent file is), any other pair two.
     * Unshifted times keep the ids the same from one replay of a scenario to the next.
     */
    static String reportId(ScenarioEvent.Panic panic) {
        byte[] identity = (panic.vm().vmId() + "\n" + panic.time() + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] whole = new byte[identity.length + panic.content().length];
        System.arraycopy(identity, 0, whole, 0, identity.length);
        System.arraycopy(panic.content(), 0, whole, identity.length, panic.content().length);
        return PanicReportFactory.reportId(whole);
    }

    private static CompletableFuture<RecordMetadata> tagged(CompletableFuture<RecordMetadata> sent,
                                                            ScenarioEvent event) {
        return sent.exceptionally(error -> {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            throw new CompletionException("could not publish the event of " + ScenarioReader.EVENTS_FILE + " line "
                    + event.line() + ": " + cause.getMessage(), cause);
        });
    }

    private static void awaitAll(List<CompletableFuture<RecordMetadata>> pending) {
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
        pending.clear();
    }

    private static String describe(Duration d) {
        long days = d.toDays();
        return days != 0 ? days + " days " + d.minusDays(days).toString().substring(2).toLowerCase()
                : d.toString().substring(2).toLowerCase();
    }
}
