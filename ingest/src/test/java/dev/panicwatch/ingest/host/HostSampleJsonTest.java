package dev.panicwatch.ingest.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import dev.panicwatch.schemas.HostLoadSample;

class HostSampleJsonTest {

    @Test
    void writesEveryFieldWithAbsentFiguresAsNullAndTheTimeInIso8601() throws Exception {
        HostLoadSample sample = HostLoadSample.newBuilder().setHostId("pve1").setVmId("pve1/101")
                .setSampleTime(Instant.parse("2026-11-20T10:00:10Z")).setIntervalMillis(10_000).setHostCpus(8)
                .setLoad1(12.5).setLoad5(10.2).setLoad15(8.05).setHostCpuBusy(0.75).setVmVcpus(4)
                .setVmCpuUsage(3.0).setVcpuWaitRatioMax(0.4).setCpuunits(1024).build();

        String line = SampleJson.toJson(sample);

        assertThat(line).doesNotContain("\n");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.size()).isEqualTo(HostLoadSample.getClassSchema().getFields().size());
        assertThat(json.get("vmId").asText()).isEqualTo("pve1/101");
        assertThat(json.get("sampleTime").asText()).isEqualTo("2026-11-20T10:00:10Z");
        assertThat(json.get("load15").asDouble()).isEqualTo(8.05);
        assertThat(json.get("vcpuWaitRatioMax").asDouble()).isEqualTo(0.4);
        assertThat(json.get("cpuunits").asInt()).isEqualTo(1024);
        assertThat(json.get("cpuPressureSome10").isNull()).isTrue();
        assertThat(json.get("smbiosUuid").isNull()).isTrue();
    }
}
