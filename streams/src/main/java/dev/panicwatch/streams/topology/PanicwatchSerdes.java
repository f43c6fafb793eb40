package dev.panicwatch.streams.topology;

import java.util.Map;

import org.apache.kafka.common.serialization.Serde;

import dev.panicwatch.schemas.AdviceOutcome;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.kafka.registry.AvroSerde;
import dev.panicwatch.kafka.registry.RegistrySettings;
import dev.panicwatch.kafka.registry.SchemaRegistryClient;

/** The Avro serdes of the topology's records; all share one registry client and its caches. */
public record PanicwatchSerdes(Serde<PanicReport> panicReports, Serde<HostLoadSample> loadSamples,
                               Serde<RemediationEvent> remediations, Serde<GuestState> guestStates,
                               Serde<AdviceOutcome> adviceOutcomes) {

    /** Serdes talking to the registry named by {@code schema.registry.url} (and Confluent's other settings). */
    public static PanicwatchSerdes fromConfig(Map<String, ?> config) {
        RegistrySettings settings = RegistrySettings.from(config);
        return withClient(new SchemaRegistryClient(settings), settings);
    }

    /** Serdes over an existing client (tests pass an in-memory one). */
    public static PanicwatchSerdes withClient(SchemaRegistryClient client, RegistrySettings settings) {
        return new PanicwatchSerdes(AvroSerde.forType(PanicReport.class, client, settings),
                AvroSerde.forType(HostLoadSample.class, client, settings),
                AvroSerde.forType(RemediationEvent.class, client, settings),
                AvroSerde.forType(GuestState.class, client, settings),
                AvroSerde.forType(AdviceOutcome.class, client, settings));
    }

    /** Load samples with the bytes they arrived in: the {@code host-load} source and the load store use this. */
    public Serde<EncodedLoadSample> encodedLoadSamples() {
        return EncodedLoadSample.serde(loadSamples);
    }
}
