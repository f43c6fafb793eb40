package dev.panicwatch.streams.topology;

import java.util.function.Function;

import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Both inputs must be keyed by vmId: the per-VM join relies on a VM's panics and samples landing in the same
 * partition. A record without a key or value, or whose key is not its value's vmId, would be joined with the wrong
 * VM's data, so it is refused (and dead-lettered by the processing exception handler).
 */
final class VmKeyCheck<V> implements FixedKeyProcessor<String, V, V> {

    private final String topic;
    private final Function<V, String> vmIdOf;
    private FixedKeyProcessorContext<String, V> context;

    VmKeyCheck(String topic, Function<V, String> vmIdOf) {
        this.topic = topic;
        this.vmIdOf = vmIdOf;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, V> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, V> record) {
        if (record.value() == null) {
            throw new UnprocessableRecordException("record on " + topic + " with key '" + record.key()
                    + "' has no value (tombstones mean nothing on this topic)");
        }
        String vmId = vmIdOf.apply(record.value());
        if (record.key() == null) {
            throw new UnprocessableRecordException("record on " + topic + " for VM '" + vmId
                    + "' has no key; it must be keyed by vmId so the VM's panics and samples share a partition");
        }
        if (!record.key().equals(vmId)) {
            throw new UnprocessableRecordException("record on " + topic + " has key '" + record.key()
                    + "' but its vmId is '" + vmId + "'; it must be keyed by its vmId");
        }
        context.forward(record);
    }
}
