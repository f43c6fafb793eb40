package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The acceptance case end to end, as a user runs it: {@code ./panicwatch demo} on the embedded stack (the demo starts
 * its own broker and registry) with the bundled seed scenario and, after its advice, the bundled loop scenario.
 */
@Tag("integration")
class DemoCommandIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The seed's 4 remediations and the loop's 4 (ingest/src/main/resources/scenarios/loop/README.md): pve4/401
     * twice, pve3/301, and the preventive one of pve3/304.
     */
    private static final int ALL_REMEDIATIONS = 8;
    /** The seed's 3 ADVISED, pve3/301's 3 transitions and pve4/401's 5 (the loop scenario's README). */
    private static final int ALL_OUTCOMES = 11;

    @Test
    void seedScenarioYieldsTheSeedAuthorsBootArgsAndNothingForTheNonTimeoutPanic() throws Exception {
        CliRun run = CliRun.of("demo", "--exit-after-remediations", "4", "--json", "--api-port", "0",
                "--timeout", "PT3M").echo();
        assertThat(run.exitCode()).isZero();

        Map<String, JsonNode> byVm = new TreeMap<>();
        List<JsonNode> remediations = new ArrayList<>();
        List<JsonNode> outcomes = new ArrayList<>();
        for (JsonNode event : events(run)) {
            if (event.get("kind").asText().equals("remediation")) {
                remediations.add(event);
                byVm.put(event.get("vmId").asText(), event);
            } else {
                outcomes.add(event);
            }
        }
        // Expected advice, worked by hand in ingest/src/main/resources/scenarios/seed/README.md: load 110 on 32 CPUs
        // gives R = 3.44, step 1 + ceil(log2 3.44) = 3, vti 6 → 9 on xnu-6153 (cap 12); pve2 is quiet (0.14 per CPU).
        // --exit-after-remediations 4 stops at the seed's four: the loop scenario is not replayed.
        assertThat(remediations).hasSize(4);
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
        // The three vti advice are ADVISED, committed with their remediations, so printed before the demo stops;
        // INVESTIGATE changes no boot-args and has no outcome.
        assertThat(outcomes).extracting(o -> o.get("vmId").asText() + " " + o.get("status").asText())
                .containsExactlyInAnyOrder("pve1/101 ADVISED", "pve1/102 ADVISED", "pve1/103 ADVISED");
    }

    @Test
    void theLoopAsJsonAppliedEffectiveIneffectiveAndAPeerWarned() throws Exception {
        CliRun run = CliRun.of("demo", "--exit-after-remediations", Integer.toString(ALL_REMEDIATIONS),
                "--exit-after-outcomes", Integer.toString(ALL_OUTCOMES), "--json", "--api-port", "0",
                "--timeout", "PT4M").echo();
        assertThat(run.exitCode()).isZero();

        Map<String, List<JsonNode>> remediations = new TreeMap<>();
        Map<String, List<JsonNode>> outcomes = new TreeMap<>();
        for (JsonNode event : events(run)) {
            String kind = event.get("kind").asText();
            assertThat(kind).isIn("remediation", "adviceOutcome");
            (kind.equals("remediation") ? remediations : outcomes)
                    .computeIfAbsent(event.get("vmId").asText(), vm -> new ArrayList<>()).add(event);
        }
        assertThat(remediations.values().stream().mapToInt(List::size).sum()).isEqualTo(ALL_REMEDIATIONS);

        // The loop's advice, by hand in its README: pve4 at load 150 on 32 CPUs, R = 4.69, step 4: vti 6 -> 10, then
        // the escalation from vti 10 to min(12, 14) = 12; pve3 at 110: vti 6 -> 9; pve3/304 warned 6 -> 9.
        assertThat(remediations.get("pve4/401")).extracting(r -> r.get("suggestedBootArgs").asText())
                .containsExactly("keepsyms=1 tlbto_us=0 vti=10", "keepsyms=1 tlbto_us=0 vti=12");
        assertThat(remediations.get("pve3/301")).extracting(r -> r.get("suggestedBootArgs").asText())
                .containsExactly("keepsyms=1 tlbto_us=0 vti=9");
        JsonNode preventive = only(remediations.get("pve3/304"));
        assertThat(preventive.get("actions")).extracting(JsonNode::asText)
                .containsExactly("RAISE_VTI_PREVENTIVE", "REDUCE_HOST_LOAD");
        assertThat(preventive.get("suggestedBootArgs").asText()).isEqualTo("keepsyms=1 vti=9");
        assertThat(preventive.get("panicsInWindow").asInt()).isZero();
        assertThat(preventive.get("triggeringReportIds")).isEmpty();

        // The outcomes per VM, in order, by hand in the loop scenario's README.
        assertThat(outcomes).containsOnlyKeys("pve1/101", "pve1/102", "pve1/103", "pve3/301", "pve4/401");
        for (String vm : List.of("pve1/101", "pve1/102", "pve1/103")) {
            assertThat(statuses(outcomes.get(vm))).containsExactly("ADVISED");
        }
        List<JsonNode> effective = outcomes.get("pve3/301");
        assertThat(statuses(effective)).containsExactly("ADVISED", "APPLIED", "EFFECTIVE");
        List<JsonNode> ineffective = outcomes.get("pve4/401");
        assertThat(statuses(ineffective)).containsExactly("ADVISED", "APPLIED", "INEFFECTIVE", "ADVISED", "NOT_APPLIED");

        // Times: one replay shift for the loop, so the scenario's distances hold. pve4/401 panics at 10:05:00, its
        // guest line says vti=10 at 10:12:05, it panics again at 10:34:00 (INEFFECTIVE, escalated), its last sample is
        // at 11:04:00 (30 min after the second advice: NOT_APPLIED). pve3/301 panics at 10:15:00, applies at
        // 10:25:05 and stays up to its last sample at 10:55:10 (30 min 5 s later: EFFECTIVE).
        Instant t0 = time(ineffective.get(0), "advisedTime");
        assertThat(offsets(ineffective, t0)).containsExactly(Duration.ZERO, Duration.parse("PT7M5S"),
                Duration.ofMinutes(29), Duration.ofMinutes(29), Duration.ofMinutes(59));
        assertThat(offsets(effective, t0)).containsExactly(Duration.ofMinutes(10), Duration.parse("PT20M5S"),
                Duration.parse("PT50M10S"));
        assertThat(time(effective.get(2), "appliedTime")).isEqualTo(time(effective.get(1), "time"));
        assertThat(time(ineffective.get(3), "advisedTime")).isEqualTo(time(ineffective.get(2), "time"));

        // The figures that do not depend on how far the replay ran ahead of the advice (README): "before" is the
        // 30 min up to the advice; 1 panic in it is 48.0 per day, samples every 10 s.
        JsonNode advised301 = effective.get(0);
        assertPeriod(advised301.get("before"), 1, 48.0, 91, 91);
        JsonNode cured = effective.get(2);
        assertThat(cured.get("suggestedVti").asInt()).isEqualTo(9);
        assertThat(cured.get("tlbTimeoutDisabled").asBoolean()).isTrue();
        assertPeriod(cured.get("after"), 0, 0.0, 181, 181);
        assertThat(cured.get("reason").asText()).contains("181 of 181 samples");
        assertPeriod(ineffective.get(0).get("before"), 1, 48.0, 31, 31);
        JsonNode notEnough = ineffective.get(2);
        assertThat(notEnough.get("after").get("timeoutPanics").asInt()).isEqualTo(1);
        // 1 panic in 21 min 55 s = 1315 s: 86400 / 1315 per day.
        assertThat(notEnough.get("after").get("timeoutPanicsPerDay").asDouble()).isCloseTo(65.703, within());
        JsonNode escalated = ineffective.get(3);
        assertThat(escalated.get("suggestedVti").asInt()).isEqualTo(12);
        assertThat(escalated.get("tlbTimeoutDisabled").asBoolean()).isFalse();
        assertPeriod(escalated.get("before"), 2, 96.0, 181, 181);
        JsonNode reminder = ineffective.get(4);
        assertThat(reminder.get("after").isNull()).isTrue();
        assertThat(reminder.get("observedBootArgs").asText()).isEqualTo("keepsyms=1 tlbto_us=0 vti=10");
    }

    @Test
    void theLoopReadableOneAsciiLinePerOutcome() throws Exception {
        CliRun run = CliRun.of("demo", "--exit-after-remediations", Integer.toString(ALL_REMEDIATIONS),
                "--exit-after-outcomes", Integer.toString(ALL_OUTCOMES), "--api-port", "0", "--timeout", "PT4M")
                .echo();
        assertThat(run.exitCode()).isZero();

        // "<time>  VM <vm> on host <host>: advice <STATUS> (vti=..." is an outcome line, one per event.
        Pattern outcome = Pattern.compile("^\\S+  VM (\\S+) on host \\S+: advice ([A-Z_]+) \\(vti=(\\d+).*$");
        Map<String, List<String>> statuses = new LinkedHashMap<>();
        int remediations = 0;
        for (String line : run.out().split("\n")) {
            Matcher m = outcome.matcher(line);
            if (m.matches()) {
                assertThat(line).as("ASCII only").matches("\\p{ASCII}*");
                assertThat(line).contains("; before: ").contains("; after: ").contains("; why: ");
                statuses.computeIfAbsent(m.group(1), vm -> new ArrayList<>()).add(m.group(2) + " vti=" + m.group(3));
            } else if (line.startsWith("  do:        ")) {
                remediations++;
            }
        }
        assertThat(remediations).isEqualTo(ALL_REMEDIATIONS);
        assertThat(run.out()).contains("  do:        RAISE_VTI_PREVENTIVE, REDUCE_HOST_LOAD\n");
        assertThat(statuses).containsOnlyKeys("pve1/101", "pve1/102", "pve1/103", "pve3/301", "pve4/401");
        assertThat(statuses.get("pve3/301")).containsExactly("ADVISED vti=9", "APPLIED vti=9", "EFFECTIVE vti=9");
        assertThat(statuses.get("pve4/401")).containsExactly("ADVISED vti=10", "APPLIED vti=10",
                "INEFFECTIVE vti=10", "ADVISED vti=12", "NOT_APPLIED vti=12");
        assertThat(run.out()).containsPattern("advice EFFECTIVE \\(vti=9 tlbto_us=0, advised \\S+, applied \\S+\\); "
                + "before: 1 timeout panic in 30 min = 48\\.0/day, 91 of 91 samples overloaded; after: 0 timeout "
                + "panics in 30 min 5 s = 0\\.0/day, 181 of 181 samples overloaded; why: no timeout panic");
    }

    private static List<JsonNode> events(CliRun run) throws Exception {
        List<JsonNode> events = new ArrayList<>();
        for (String line : run.out().split("\n")) {
            if (!line.isBlank()) {
                events.add(JSON.readTree(line));
            }
        }
        return events;
    }

    private static JsonNode only(List<JsonNode> events) {
        assertThat(events).hasSize(1);
        return events.get(0);
    }

    private static List<String> statuses(List<JsonNode> outcomes) {
        return outcomes.stream().map(o -> o.get("status").asText()).toList();
    }

    private static Instant time(JsonNode outcome, String field) {
        return Instant.parse(outcome.get(field).asText());
    }

    private static List<Duration> offsets(List<JsonNode> outcomes, Instant from) {
        return outcomes.stream().map(o -> Duration.between(from, time(o, "time"))).toList();
    }

    private static void assertPeriod(JsonNode period, int panics, double perDay, int samples, int overloaded) {
        assertThat(period.get("timeoutPanics").asInt()).isEqualTo(panics);
        assertThat(period.get("timeoutPanicsPerDay").asDouble()).isCloseTo(perDay, within());
        assertThat(period.get("samples").asInt()).isEqualTo(samples);
        assertThat(period.get("overloadedSamples").asInt()).isEqualTo(overloaded);
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(0.001);
    }
}
