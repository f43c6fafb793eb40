package dev.panicwatch.streams.topology;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.PanicReport;

/**
 * Event time is when the panic happened and when the sample was taken, when the guest state was observed, not when a collector got round to sending
 * it: windows, stream time and the grace period are all about the guest's and the host's clocks. Anything else
 * (a tombstone) keeps the record's own timestamp.
 */
public final class EventTimeExtractor implements TimestampExtractor {

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        Object value = record.value();
        if (value instanceof PanicReport report && report.getPanicTime() != null) {
            return report.getPanicTime().toEpochMilli();
        }
        if (value instanceof EncodedLoadSample encoded && encoded.sample().getSampleTime() != null) {
            return encoded.sample().getSampleTime().toEpochMilli();
        }
        if (value instanceof GuestState state && state.getObservedTime() != null) {
            return state.getObservedTime().toEpochMilli();
        }
        return record.timestamp() >= 0 ? record.timestamp() : partitionTime;
    }
}
