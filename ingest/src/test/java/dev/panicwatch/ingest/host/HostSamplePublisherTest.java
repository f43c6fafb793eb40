package dev.panicwatch.ingest.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.panicwatch.schemas.HostLoadSample;

/** The bounded buffer and the publisher in front of a sink that can be "down", as Kafka is in an outage. */
class HostSamplePublisherTest {

    /** A sink that fails every send while down and records every delivered sample while up. */
    static final class SwitchableSink implements SampleSink {
        volatile boolean up;
        final List<String> delivered = new CopyOnWriteArrayList<>();
        final AtomicInteger failedSends = new AtomicInteger();

        @Override
        public CompletableFuture<Void> send(HostLoadSample sample) {
            if (!up) {
                failedSends.incrementAndGet();
                return CompletableFuture.failedFuture(new IllegalStateException("broker unreachable"));
            }
            delivered.add(sample.getVmId());
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
        }
    }

    private static HostLoadSample sample(String vmId) {
        return HostLoadSample.newBuilder().setHostId("pve1").setVmId(vmId).setSampleTime(Instant.EPOCH)
                .setIntervalMillis(10_000).setHostCpus(8).setLoad1(1).setLoad5(1).setLoad15(1).setVmVcpus(4).build();
    }

    private static List<HostLoadSample> samples(String... vmIds) {
        return java.util.Arrays.stream(vmIds).map(HostSamplePublisherTest::sample).toList();
    }

    @Test
    void aFullBufferDropsTheOldestAndCountsThem() {
        SampleBuffer buffer = new SampleBuffer(3);
        buffer.addAll(samples("a", "b"));
        buffer.addAll(samples("c", "d", "e"));
        assertThat(buffer.size()).isEqualTo(3);
        assertThat(buffer.dropped()).isEqualTo(2); // a and b made room for d and e
    }

    @Test
    void undeliveredSamplesGoBackInFrontAndAreTheFirstDroppedWhenFull() throws Exception {
        SampleBuffer buffer = new SampleBuffer(3);
        buffer.addAll(samples("a", "b"));
        List<HostLoadSample> inFlight = buffer.take(10, Duration.ZERO); // a, b
        buffer.addAll(samples("c", "d"));
        buffer.returnUndelivered(inFlight); // a b c d → over capacity by one: a goes
        assertThat(buffer.dropped()).isEqualTo(1);
        assertThat(buffer.take(10, Duration.ZERO)).extracting(HostLoadSample::getVmId).containsExactly("b", "c", "d");
    }

    @Test
    void samplesAreKeptWhileTheSinkIsDownAndDeliveredInOrderWhenItComesBack() throws Exception {
        SampleBuffer buffer = new SampleBuffer(4);
        SwitchableSink sink = new SwitchableSink();
        try (SamplePublisher publisher = new SamplePublisher(buffer, sink, 2, Duration.ofSeconds(5),
                Duration.ofMillis(5), Duration.ofMillis(20))) {
            publisher.start();
            buffer.addAll(samples("r1-a", "r1-b"));
            await().atMost(Duration.ofSeconds(10)).until(() -> sink.failedSends.get() >= 4); // retried at least twice
            buffer.addAll(samples("r2-a", "r2-b"));
            buffer.addAll(samples("r3-a", "r3-b")); // 6 samples for 4 places: r1-a and r1-b are dropped

            await().atMost(Duration.ofSeconds(10)).until(() -> buffer.dropped() == 2);
            assertThat(sink.delivered).isEmpty();

            sink.up = true;

            await().atMost(Duration.ofSeconds(10)).until(() -> sink.delivered.size() == 4);
            assertThat(sink.delivered).containsExactly("r2-a", "r2-b", "r3-a", "r3-b");
            assertThat(publisher.delivered()).isEqualTo(4);
            assertThat(buffer.size()).isZero();
        }
    }

    @Test
    void flushDeliversWhatIsBufferedOrReportsThatItCouldNot() throws Exception {
        SampleBuffer buffer = new SampleBuffer(10);
        SwitchableSink sink = new SwitchableSink();
        SamplePublisher publisher = new SamplePublisher(buffer, sink, 2, Duration.ofSeconds(5),
                Duration.ofMillis(1), Duration.ofMillis(5));
        buffer.addAll(samples("a", "b", "c"));

        assertThat(publisher.flush(Duration.ofMillis(50))).isFalse();
        assertThat(buffer.size()).isEqualTo(3);

        sink.up = true;
        assertThat(publisher.flush(Duration.ofSeconds(5))).isTrue();
        assertThat(sink.delivered).containsExactly("a", "b", "c");
    }
}
