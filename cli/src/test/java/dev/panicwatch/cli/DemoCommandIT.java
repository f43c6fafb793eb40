package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The acceptance case end to end, as a user runs it: {@code ./panicwatch demo --exit-after-remediations 4 --json}
 * on the embedded stack (the demo starts its own broker and registry) with the bundled seed scenario.
 */
@Tag("integration")
class DemoCommandIT {

    @Test
    void seedScenarioYieldsTheSeedAuthorsBootArgsAndNothingForTheNonTimeoutPanic() throws Exception {
        CliRun run = CliRun.of("demo", "--exit-after-remediations", "4", "--json", "--api-port", "0",
                "--timeout", "PT3M").echo();
        assertThat(run.exitCode()).isZero();

        ObjectMapper json = new ObjectMapper();
        Map<String, JsonNode> byVm = new TreeMap<>();
        List<String> lines = new ArrayList<>();
        for (String line : run.out().split("\n")) {
            if (!line.isBlank()) {
                lines.add(line);
                JsonNode event = json.readTree(line);
                byVm.put(event.get("vmId").asText(), event);
            }
        }
        // Expected advice, worked by hand in ingest/src/main/resources/scenarios/seed/README.md: load 110 on 32 CPUs
        // gives R = 3.44, step 1 + ceil(log2 3.44) = 3, vti 6 → 9 on xnu-6153 (cap 12); pve2 is quiet (0.14 per CPU).
        assertThat(lines).hasSize(4);
        assertThat(byVm).containsOnlyKeys("pve1/101", "pve1/102", "pve1/103", "pve2/201");
        for (String vm : List.of("pve1/101", "pve1/102")) {
            JsonNode e = byVm.get(vm);
            assertThat(e.get("panicClass").asText()).isEqualTo("TLB_FLUSH_TIMEOUT");
            assertThat(e.get("currentVti").asInt()).isEqualTo(6);
            assertThat(e.get("suggestedVti").asInt()).isEqualTo(9);
            assertThat(e.get("suggestedBootArgs").asText()).isEqualTo("keepsyms=1 tlbto_us=0 vti=9");
            assertThat(e.get("actions")).extracting(JsonNode::asText)
                    .containsExactly("RAISE_VTI", "DISABLE_TLB_TIMEOUT", "REDUCE_HOST_LOAD");
        }
        JsonNode spinlock = byVm.get("pve1/103");
        assertThat(spinlock.get("panicClass").asText()).isEqualTo("SPINLOCK_TIMEOUT");
        assertThat(spinlock.get("suggestedBootArgs").asText()).isEqualTo("keepsyms=1 tlbto_us=0 vti=9");
        assertThat(spinlock.get("actions")).extracting(JsonNode::asText).containsExactly("RAISE_VTI", "REDUCE_HOST_LOAD");
        JsonNode quiet = byVm.get("pve2/201");
        assertThat(quiet.get("actions")).extracting(JsonNode::asText).containsExactly("INVESTIGATE");
        assertThat(quiet.get("suggestedVti").isNull()).isTrue();
    }
}
