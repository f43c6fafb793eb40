package dev.panicwatch.streams.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.LoadEvidence;
import dev.panicwatch.schemas.PanicClass;
import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.streams.remediations.AvroJson;

/** The JSON the API writes: field names and value forms are the contract (see openapi.json). */
class AnswersJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aVmRateHasItsClassesAndAHostRateHasNone() throws Exception {
        Answers.PanicRate vm = new Answers.PanicRate("pve1/104", null, "2024-05-08T10:00:00Z", "2024-05-08T12:00:00Z",
                "PT1H", 3, 1.5, new TreeMap<>(Map.of("TLB_FLUSH_TIMEOUT", 2L, "NON_TIMEOUT", 1L)),
                List.of(new Answers.WindowCount("2024-05-08T10:00:00Z", 3)));
        assertThat(JSON.writeValueAsString(vm)).isEqualTo("{\"vm\":\"pve1/104\",\"from\":\"2024-05-08T10:00:00Z\","
                + "\"to\":\"2024-05-08T12:00:00Z\",\"windowSize\":\"PT1H\",\"panics\":3,\"perHour\":1.5,"
                + "\"byClass\":{\"NON_TIMEOUT\":1,\"TLB_FLUSH_TIMEOUT\":2},"
                + "\"series\":[{\"start\":\"2024-05-08T10:00:00Z\",\"panics\":3}]}");
        Answers.PanicRate host = new Answers.PanicRate(null, "pve1", "a", "b", "PT1H", 0, 0.0, null, List.of());
        assertThat(JSON.writeValueAsString(host)).isEqualTo("{\"host\":\"pve1\",\"from\":\"a\",\"to\":\"b\","
                + "\"windowSize\":\"PT1H\",\"panics\":0,\"perHour\":0.0,\"series\":[]}");
    }

    @Test
    void topRatesListPartitionsOnlyInALocalShareAndAlwaysTheAdviceField() throws Exception {
        Answers.VmRate rate = new Answers.VmRate("pve1/104", 2, 1.0, Map.of("SPINLOCK_TIMEOUT", 2L), null);
        String merged = JSON.writeValueAsString(new Answers.TopRates("a", "b", 5, List.of(rate), null));
        assertThat(merged).isEqualTo("{\"from\":\"a\",\"to\":\"b\",\"top\":5,\"vms\":[{\"vm\":\"pve1/104\","
                + "\"panics\":2,\"perHour\":1.0,\"byClass\":{\"SPINLOCK_TIMEOUT\":2},\"advice\":null}]}");
        String share = JSON.writeValueAsString(new Answers.TopRates("a", "b", 5, List.of(), List.of(0, 2)));
        assertThat(share).endsWith("\"vms\":[],\"partitions\":[0,2]}");
        // A coordinator reads a peer's share back.
        assertThat(JSON.readValue(share, Answers.TopRates.class).partitions()).containsExactly(0, 2);
    }

    @Test
    void remediationFieldsKeepTheirAvroNamesWithReadableTimes() throws Exception {
        Instant created = Instant.parse("2024-05-08T10:03:00Z");
        RemediationEvent event = RemediationEvent.newBuilder()
                .setRemediationId("r1").setVmId("pve1/104").setHostId("pve1").setCreatedTime(created)
                .setPanicClass(PanicClass.TLB_FLUSH_TIMEOUT).setTriggeringReportIds(List.of("rep1"))
                .setPanicsInWindow(1)
                .setEvidence(LoadEvidence.newBuilder().setWindowStart(Instant.parse("2024-05-08T09:50:00Z"))
                        .setWindowEnd(Instant.parse("2024-05-08T10:01:00Z")).setSamples(3).setOverloaded(true)
                        .setPeakLoadPerCpu(3.4375).setSeverity(3.4375).setLoadPerCpuThreshold(1.0)
                        .setVcpuWaitThreshold(0.25).setCpuPressureThreshold(40.0).build())
                .setVtiHelps(true).setXnuVersion("xnu-6153.121.2").setCurrentVti(6).setSuggestedVti(9)
                .setSuggestedBootArgs("keepsyms=1 tlbto_us=0 vti=9").setEffectiveTimeoutBeforeMillis(32_000L)
                .setEffectiveTimeoutAfterMillis(256_000L)
                .setActions(List.of(RemediationAction.RAISE_VTI, RemediationAction.DISABLE_TLB_TIMEOUT))
                .setRationale("why").build();
        String json = JSON.writeValueAsString(AvroJson.of(event));
        assertThat(json).startsWith("{\"remediationId\":\"r1\",\"vmId\":\"pve1/104\",\"hostId\":\"pve1\","
                + "\"createdTime\":\"2024-05-08T10:03:00Z\",\"panicClass\":\"TLB_FLUSH_TIMEOUT\","
                + "\"triggeringReportIds\":[\"rep1\"],\"panicsInWindow\":1,"
                + "\"evidence\":{\"windowStart\":\"2024-05-08T09:50:00Z\",\"windowEnd\":\"2024-05-08T10:01:00Z\","
                + "\"samples\":3,\"overloaded\":true,\"peakLoadPerCpu\":3.4375,\"worstVcpuWaitRatio\":null,");
        assertThat(json).contains("\"suggestedVti\":9", "\"effectiveTimeoutAfterMillis\":256000",
                "\"actions\":[\"RAISE_VTI\",\"DISABLE_TLB_TIMEOUT\"]", "\"rationale\":\"why\"");
    }

    @Test
    void loadSamplesKeepNullSignals() throws Exception {
        HostLoadSample sample = HostLoadSample.newBuilder().setHostId("pve1").setVmId("pve1/104")
                .setSampleTime(Instant.parse("2024-05-08T10:00:10Z")).setIntervalMillis(10_000).setHostCpus(32)
                .setLoad1(110).setLoad5(100).setLoad15(90).setVmVcpus(8).build();
        Map<String, Object> json = AvroJson.of(sample);
        assertThat(json).containsEntry("sampleTime", "2024-05-08T10:00:10Z").containsEntry("load1", 110.0)
                .containsEntry("vcpuWaitRatioMax", null).containsEntry("hostCpus", 32);
    }
}
