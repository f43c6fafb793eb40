package dev.panicwatch.streams.topology;

import java.time.Duration;
import java.time.Instant;

import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import dev.panicwatch.schemas.PanicReport;

/**
 * A guest's panic directory watcher does not know which hypervisor the VM runs on, but the host sampler does: a
 * report without a hostId takes the host of the VM's latest load sample up to the panic (plus the look-ahead), so
 * per-host panic rates count it where it happened. A VM that migrates is attributed to the host it was on.
 */
final class HostFromLoadSamples implements FixedKeyProcessor<String, PanicReport, PanicReport> {

    private final Duration lookBehind;
    private final Duration lookAhead;
    private FixedKeyProcessorContext<String, PanicReport> context;
    private WindowStore<String, EncodedLoadSample> recentLoad;

    HostFromLoadSamples(Duration lookBehind, Duration lookAhead) {
        this.lookBehind = lookBehind;
        this.lookAhead = lookAhead;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, PanicReport> context) {
        this.context = context;
        this.recentLoad = context.getStateStore(StoreNames.RECENT_LOAD_PER_VM);
    }

    @Override
    public void process(FixedKeyRecord<String, PanicReport> record) {
        PanicReport report = record.value();
        if (report.getHostId() != null && !report.getHostId().isBlank()) {
            context.forward(record);
            return;
        }
        Instant panicTime = report.getPanicTime();
        String host = null;
        try (WindowStoreIterator<EncodedLoadSample> latestFirst = recentLoad.backwardFetch(record.key(),
                panicTime.minus(lookBehind), panicTime.plus(lookAhead))) {
            if (latestFirst.hasNext()) {
                host = latestFirst.next().value.sample().getHostId();
            }
        }
        if (host == null) {
            context.forward(record);
            return;
        }
        context.forward(record.withValue(PanicReport.newBuilder(report).setHostId(host).build()));
    }
}
