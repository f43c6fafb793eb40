package dev.panicwatch.streams.topology;

import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

import dev.panicwatch.diagnosis.classify.Diagnosis;
import dev.panicwatch.diagnosis.classify.PanicClassifier;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.streams.advice.PanicFacts;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.metrics.PipelineObserver;

/**
 * docs/design.md#classify: turns each new report into its {@link PanicFacts}, the one shape the counts and the
 * correlator share: the host it happened on ({@link HostAttribution}) and the classifier's verdict, read once.
 */
final class PanicClassification implements FixedKeyProcessor<String, PanicReport, PanicFacts> {

    private final PanicClassifier classifier;
    private final HostAttribution hosts;
    private final PipelineObserver observer;
    private FixedKeyProcessorContext<String, PanicFacts> context;
    private final PipelineSettings settings;
    private LoadHistory load;

    PanicClassification(PanicClassifier classifier, HostAttribution hosts, PipelineSettings settings,
                        PipelineObserver observer) {
        this.classifier = classifier;
        this.settings = settings;
        this.hosts = hosts;
        this.observer = observer;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, PanicFacts> context) {
        this.context = context;
        this.load = LoadHistory.in(context, settings);
    }

    @Override
    public void process(FixedKeyRecord<String, PanicReport> record) {
        PanicReport report = record.value();
        Diagnosis diagnosis = classifier.classify(report.getPanicString(), report.getXnuVersion(),
                report.getBootArgs());
        String host = hosts.hostOf(report.getHostId(), record.key(), report.getPanicTime(), load);
        PanicFacts facts = new PanicFacts(report.getReportId(), report.getVmId(), host, report.getPanicTime(),
                diagnosis.panicClass(), diagnosis.vtiHelps(), diagnosis.currentVti(), report.getXnuVersion(),
                report.getBootArgs(), diagnosis.reason());
        observer.panicCounted(facts.panicClass());
        context.forward(record.withValue(facts));
    }
}
