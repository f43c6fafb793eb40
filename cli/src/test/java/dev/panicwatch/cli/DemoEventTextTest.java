package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Iterator;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.panicwatch.schemas.AdviceOutcome;
import dev.panicwatch.schemas.AdviceOutcomeStatus;
import dev.panicwatch.schemas.LoadEvidence;
import dev.panicwatch.schemas.OutcomePeriod;
import dev.panicwatch.schemas.PanicClass;
import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.streams.remediations.AdviceOutcomeText;
import dev.panicwatch.streams.remediations.RemediationText;

class DemoEventTextTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T = Instant.parse("2026-03-02T10:15:00Z");

    private static RemediationEvent preventive() {
        return RemediationEvent.newBuilder()
                .setRemediationId("p-1").setVmId("pve3/304").setHostId("pve3").setPanicClass(PanicClass.TLB_FLUSH_TIMEOUT)
                .setTriggeringReportIds(List.of()).setCreatedTime(T).setPanicsInWindow(0)
                .setEvidence(LoadEvidence.newBuilder().setWindowStart(T.minusSeconds(600)).setWindowEnd(T.plusSeconds(60))
                        .setSamples(67).setPeakLoadPerCpu(3.4375).setOverloaded(true)
                        .setLoadPerCpuThreshold(1.0).setVcpuWaitThreshold(0.25).setCpuPressureThreshold(40.0).build())
                .setVtiHelps(true).setCurrentVti(6).setSuggestedVti(9).setSuggestedBootArgs("keepsyms=1 vti=9")
                .setEffectiveTimeoutBeforeMillis(32_000L).setEffectiveTimeoutAfterMillis(256_000L)
                .setActions(List.of(RemediationAction.RAISE_VTI_PREVENTIVE, RemediationAction.REDUCE_HOST_LOAD))
                .setRationale("pve3/301 on the same host pve3 had a TLB_FLUSH_TIMEOUT panic").build();
    }

    private static AdviceOutcome advised() {
        return AdviceOutcome.newBuilder().setVmId("pve3/301").setHostId("pve3").setStatus(AdviceOutcomeStatus.ADVISED)
                .setTime(T).setReason("advised vti=9").setRemediationId("r-1").setAdvisedTime(T).setSuggestedVti(9)
                .setTlbTimeoutDisabled(true).setSuggestedBootArgs("keepsyms=1 tlbto_us=0 vti=9")
                .setBefore(OutcomePeriod.newBuilder().setStart(T.minusSeconds(1800)).setEnd(T).setTimeoutPanics(1)
                        .setTimeoutPanicsPerDay(48.0).setSamples(91).setOverloadedSamples(91).setOverloadedShare(1.0)
                        .build())
                .build();
    }

    @Test
    void aRemediationObjectKeepsEveryFieldOfItsOwnAndSaysItsKindFirst() throws Exception {
        JsonNode tagged = JSON.readTree(DemoEventText.remediation(preventive(), true));
        JsonNode plain = JSON.readTree(RemediationText.json(preventive()));
        Iterator<String> names = tagged.fieldNames();
        assertThat(names.next()).isEqualTo("kind");
        assertThat(tagged.get("kind").asText()).isEqualTo("remediation");
        ((com.fasterxml.jackson.databind.node.ObjectNode) tagged).remove("kind");
        assertThat(tagged).isEqualTo(plain);
        assertThat(plain.get("actions")).extracting(JsonNode::asText)
                .containsExactly("RAISE_VTI_PREVENTIVE", "REDUCE_HOST_LOAD");
    }

    @Test
    void anOutcomeObjectHasItsKindTheVmTheStatusAndTheTimes() throws Exception {
        String line = DemoEventText.outcome(advised(), true);
        assertThat(line).doesNotContain("\n");
        JsonNode json = JSON.readTree(line);
        assertThat(json.get("kind").asText()).isEqualTo("adviceOutcome");
        assertThat(json.get("vmId").asText()).isEqualTo("pve3/301");
        assertThat(json.get("status").asText()).isEqualTo("ADVISED");
        assertThat(json.get("time").asText()).isEqualTo("2026-03-02T10:15:00Z");
        assertThat(json.get("advisedTime").asText()).isEqualTo("2026-03-02T10:15:00Z");
        assertThat(json.get("appliedTime").isNull()).isTrue();
        assertThat(json.get("before").get("timeoutPanicsPerDay").asDouble()).isEqualTo(48.0);
    }

    @Test
    void readableIsTheRemediationBlockOrTheOutcomeLine() {
        assertThat(DemoEventText.remediation(preventive(), false)).isEqualTo(RemediationText.printed(preventive(), false));
        assertThat(DemoEventText.outcome(advised(), false)).isEqualTo(AdviceOutcomeText.readable(advised()));
    }
}
