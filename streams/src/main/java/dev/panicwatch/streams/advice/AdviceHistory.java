package dev.panicwatch.streams.advice;

import java.util.List;

/**
 * What one VM's earlier advice left behind, for the cooldown: kept per VM in a state store.
 *
 * @param lastEmittedPanicMillis  panic time of the report that triggered the last published event
 * @param lastSignature           {@link Advice#signature()} of that event
 * @param lastSuggestedVti        vti it suggested (null when it suggested none)
 * @param heldReportIds           reports decided since then whose advice was the same, so not published; the next
 *                                event lists them among its triggering reports
 * @param timeoutPanicMillis      panic times of this VM's timeout panics within one cooldown of the latest
 */
public record AdviceHistory(long lastEmittedPanicMillis, String lastSignature, Integer lastSuggestedVti,
                            List<String> heldReportIds, List<Long> timeoutPanicMillis) {

    public AdviceHistory {
        heldReportIds = List.copyOf(heldReportIds);
        timeoutPanicMillis = List.copyOf(timeoutPanicMillis);
    }
}
