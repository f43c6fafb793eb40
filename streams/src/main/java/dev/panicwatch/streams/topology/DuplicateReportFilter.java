package dev.panicwatch.streams.topology;

import java.time.Duration;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.schemas.PanicReport;

/**
 * Drops a report whose reportId (the hash of its text) was seen before for the same VM: a collector that re-sends a
 * file, or two collectors that both saw it, must not count the panic twice. The same text attributed to another VM is
 * that VM's panic (a cloned guest's report, or a test's fixture sent for two VMs), never a duplicate: judged by the
 * hash alone it was dropped whenever the two VMs shared a partition. Ids are forgotten once their panic is older than
 * the retention, after which a re-sent report would also fall outside every count window.
 */
final class DuplicateReportFilter implements FixedKeyProcessor<String, PanicReport, PanicReport> {

    private static final Logger LOG = LoggerFactory.getLogger(DuplicateReportFilter.class);

    private final Duration retention;
    private FixedKeyProcessorContext<String, PanicReport> context;
    private KeyValueStore<String, Long> seen;

    DuplicateReportFilter(Duration retention) {
        this.retention = retention;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, PanicReport> context) {
        this.context = context;
        this.seen = context.getStateStore(StoreNames.SEEN_REPORT_IDS);
        Duration sweep = retention.compareTo(Duration.ofHours(1)) < 0 ? retention : Duration.ofHours(1);
        context.schedule(sweep, PunctuationType.STREAM_TIME, this::forgetOlderThanRetention);
    }

    @Override
    public void process(FixedKeyRecord<String, PanicReport> record) {
        String id = record.value().getReportId();
        String key = seenKey(record.key(), id);
        // Entries written before ids were scoped by VM are keyed by the bare id; they age out within the retention.
        if (seen.get(key) != null || seen.get(id) != null) {
            LOG.debug("duplicate report {} of VM {} dropped", id, record.key());
            return;
        }
        seen.put(key, record.value().getPanicTime().toEpochMilli());
        context.forward(record);
    }

    /** VM first, as in the other per-VM stores; NUL cannot occur in a VM id (the receiver refuses control characters). */
    private static String seenKey(String vmId, String reportId) {
        return vmId + '\u0000' + reportId;
    }

    private void forgetOlderThanRetention(long streamTime) {
        long oldest = streamTime - retention.toMillis();
        try (KeyValueIterator<String, Long> all = seen.all()) {
            while (all.hasNext()) {
                KeyValue<String, Long> entry = all.next();
                if (entry.value < oldest) {
                    seen.delete(entry.key);
                }
            }
        }
    }
}
