package dev.panicwatch.streams.topology;

import dev.panicwatch.diagnosis.classify.Diagnosis;
import dev.panicwatch.schemas.PanicReport;

/** A panic report with the classifier's verdict; lives only between processors, never serialized. */
record ClassifiedPanic(PanicReport report, Diagnosis diagnosis) {

    String hostOrUnknown() {
        String host = report.getHostId();
        return host == null || host.isBlank() ? StoreNames.UNKNOWN_HOST : host;
    }
}
