package dev.panicwatch.ingest.host;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a sampling round every interval and hands the samples to the buffer. Says, once per change, how many VMs it
 * samples (or that there are none, and where it looked), and at most once a minute how many samples the full buffer
 * has dropped.
 */
public final class SamplingLoop implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SamplingLoop.class);
    private static final Duration DROP_REPORT_EVERY = Duration.ofMinutes(1);

    private final HostSampler sampler;
    private final SampleBuffer buffer;
    private final Duration interval;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "host-sampler");
        t.setDaemon(true);
        return t;
    });

    private int reportedVms = -1;
    private String reportedProblem;
    private long reportedDrops;
    private long lastDropReport;
    private boolean dropsReported;
    private volatile long rounds;

    public SamplingLoop(HostSampler sampler, SampleBuffer buffer, Duration interval) {
        this.sampler = sampler;
        this.buffer = buffer;
        this.interval = interval;
    }

    public void start() {
        scheduler.scheduleAtFixedRate(this::round, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** One round; public so a caller can drive rounds itself. Never throws: a failed round is logged and skipped. */
    public void round() {
        try {
            SamplingRound round = sampler.sampleRound();
            buffer.addAll(round.samples());
            report(round);
        } catch (RuntimeException e) {
            LOG.warn("sampling round failed; trying again next interval", e);
        }
        rounds++;
    }

    private void report(SamplingRound round) {
        String problem = round.hostProblem().orElse(null);
        if (problem != null && !problem.equals(reportedProblem)) {
            LOG.warn("{}: {}; no samples this round", sampler.hostId(), problem);
        }
        reportedProblem = problem;
        if (round.vmsRunning() != reportedVms) {
            if (round.vmsRunning() == 0) {
                LOG.info("no running VMs found on {} (looked for {}); nothing to publish", sampler.hostId(),
                        sampler.discoveryDescription());
            } else {
                LOG.info("sampling {} running VM(s) on {} every {} s", round.vmsRunning(), sampler.hostId(),
                        interval.toMillis() / 1000.0);
            }
            reportedVms = round.vmsRunning();
        }
        long drops = buffer.dropped();
        long now = System.nanoTime();
        // During a long outage every round drops a round's worth; once a minute is enough to say so.
        if (drops > reportedDrops && (!dropsReported || now - lastDropReport >= DROP_REPORT_EVERY.toNanos())) {
            LOG.warn("sample buffer full ({} samples) while Kafka is unreachable: dropped {} oldest sample(s) since "
                    + "the last report, {} in total since start", buffer.capacity(), drops - reportedDrops, drops);
            reportedDrops = drops;
            lastDropReport = now;
            dropsReported = true;
        }
    }

    /** Rounds run so far. */
    public long rounds() {
        return rounds;
    }

    @Override
    public void close() {
        scheduler.shutdown();
        try {
            // Lets a round in progress finish, so its samples reach the buffer before the final flush.
            scheduler.awaitTermination(interval.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            scheduler.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
