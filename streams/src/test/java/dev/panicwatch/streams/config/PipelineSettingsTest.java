package dev.panicwatch.streams.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineSettingsTest {

    @Test
    void defaultsAreDesigns() {
        PipelineSettings s = PipelineSettings.defaults();
        assertThat(s.lookBack()).isEqualTo(Duration.ofMinutes(10));
        assertThat(s.lookAhead()).isEqualTo(Duration.ofMinutes(1));
        assertThat(s.grace()).isEqualTo(Duration.ofMinutes(2));
        assertThat(s.loadPerCpuThreshold()).isEqualTo(1.0);
        assertThat(s.vcpuWaitThreshold()).isEqualTo(0.25);
        assertThat(s.cpuPressureThreshold()).isEqualTo(40.0);
        assertThat(s.vtiStepMin()).isEqualTo(1);
        assertThat(s.vtiStepMax()).isEqualTo(4);
        assertThat(s.vtiCapUnchecked()).isEqualTo(12);
        assertThat(s.vtiCapSaturating()).isEqualTo(18);
        assertThat(s.cooldown()).isEqualTo(Duration.ofHours(1));
        assertThat(s.rateWindow()).isEqualTo(Duration.ofHours(1));
        assertThat(s.retention()).isEqualTo(Duration.ofDays(7));
        assertThat(s.effectiveAfter()).isEqualTo(Duration.ofHours(24));
        assertThat(s.effectiveMinOverloadShare()).isEqualTo(0.25);
        assertThat(s.applyDeadline()).isEqualTo(Duration.ofHours(24));
    }

    @Test
    void outcomeSettingsAreReadAndCheckedByName() {
        PipelineSettings s = PipelineSettings.from(Map.of("panicwatch.apply.deadline", "PT12H"),
                Map.of("PANICWATCH_EFFECTIVE_AFTER", "PT6H", "PANICWATCH_EFFECTIVE_MIN_OVERLOAD_SHARE", "0"));
        assertThat(s.effectiveAfter()).isEqualTo(Duration.ofHours(6));
        assertThat(s.effectiveMinOverloadShare()).isEqualTo(0.0);
        assertThat(s.applyDeadline()).isEqualTo(Duration.ofHours(12));
        assertThatThrownBy(() -> PipelineSettings.from(Map.of(),
                Map.of("PANICWATCH_EFFECTIVE_MIN_OVERLOAD_SHARE", "1.25")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("PANICWATCH_EFFECTIVE_MIN_OVERLOAD_SHARE").hasMessageContaining("[0, 1]");
        assertThatThrownBy(() -> PipelineSettings.from(Map.of(), Map.of("PANICWATCH_APPLY_DEADLINE", "PT0S")))
                .hasMessageContaining("PANICWATCH_APPLY_DEADLINE").hasMessageContaining("positive");
        assertThatThrownBy(() -> PipelineSettings.from(Map.of(), Map.of("PANICWATCH_EFFECTIVE_AFTER", "a day")))
                .hasMessageContaining("PANICWATCH_EFFECTIVE_AFTER").hasMessageContaining("ISO-8601");
    }

    @Test
    void theRawLoadWindowMustHoldADecisionAndASummaryAndTheSummariesMustDivideTheHour() {
        PipelineSettings s = PipelineSettings.defaults();
        assertThat(s.rawLoadRetention()).isEqualTo(Duration.ofMinutes(30));
        assertThat(s.loadSummaryInterval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.loadRetention()).isEqualTo(Duration.ofDays(1));
        // look.back 10 min + look.ahead 1 min + grace 2 min = 13 min.
        assertThatThrownBy(() -> PipelineSettings.from(Map.of(), Map.of("PANICWATCH_RAW_LOAD_RETENTION", "PT12M")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("PANICWATCH_RAW_LOAD_RETENTION (panicwatch.raw.load.retention) = PT12M must cover "
                        + "look.back + look.ahead + grace (PT13M)");
        // A 15-minute summary closes 2 min after its end: the raw samples must still be there.
        assertThatThrownBy(() -> PipelineSettings.from(Map.of(), Map.of("PANICWATCH_RAW_LOAD_RETENTION", "PT15M",
                "PANICWATCH_LOAD_SUMMARY_INTERVAL", "PT15M")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("must cover load.summary.interval + grace (PT17M)");
        assertThatThrownBy(() -> PipelineSettings.from(Map.of(), Map.of("PANICWATCH_LOAD_RETENTION", "PT20M")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("PANICWATCH_LOAD_RETENTION (panicwatch.load.retention) = PT20M must be at least "
                        + "raw.load.retention (PT30M)");
        assertThatThrownBy(() -> PipelineSettings.from(Map.of(), Map.of("PANICWATCH_LOAD_SUMMARY_INTERVAL", "PT7M")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("must be whole seconds that divide one hour");
        assertThat(PipelineSettings.from(Map.of(), Map.of("PANICWATCH_LOAD_SUMMARY_INTERVAL", "PT1M"))
                .loadSummaryInterval()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void environmentWinsOverTheFileAndBothParseIsoDurations() {
        PipelineSettings s = PipelineSettings.from(
                Map.of("panicwatch.look.back", "PT20M", "panicwatch.cooldown", "PT30M", "bootstrap.servers", "x:1"),
                Map.of("PANICWATCH_LOOK_BACK", "PT5M", "PANICWATCH_VCPU_WAIT_THRESHOLD", "0.5", "PATH", "/bin",
                        "PANICWATCH_LOG_LEVEL", "DEBUG"), java.util.Set.of("PANICWATCH_LOG_LEVEL"));
        assertThat(s.lookBack()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.cooldown()).isEqualTo(Duration.ofMinutes(30));
        assertThat(s.vcpuWaitThreshold()).isEqualTo(0.5);
    }

    @Test
    void unknownNameIsRefusedByName() {
        assertThatThrownBy(() -> PipelineSettings.from(Map.of(), Map.of("PANICWATCH_LOOKBACK", "PT5M")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("PANICWATCH_LOOKBACK").hasMessageContaining("PANICWATCH_LOOK_BACK");
        assertThatThrownBy(() -> PipelineSettings.from(Map.of("panicwatch.grace.period", "PT1M"), Map.of()))
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("panicwatch.grace.period");
    }

    @Test
    void variablesOtherModulesDeclareAreNotRefused() {
        // The query API's port is read by QueryApiSettings, not here; whoever assembles the process says so.
        Map<String, String> env = Map.of("PANICWATCH_API_PORT", "9000", "PANICWATCH_GRACE", "PT30S");
        assertThat(PipelineSettings.from(Map.of(), env, java.util.Set.of("PANICWATCH_API_PORT")).grace())
                .isEqualTo(Duration.ofSeconds(30));
        assertThatThrownBy(() -> PipelineSettings.from(Map.of(), env))
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("PANICWATCH_API_PORT");
    }

    @Test
    void malformedValuesNameTheSettingAndTheExpectedForm() {
        assertThatThrownBy(() -> PipelineSettings.from(Map.of(), Map.of("PANICWATCH_LOOK_BACK", "10 minutes")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("PANICWATCH_LOOK_BACK").hasMessageContaining("ISO-8601");
        assertThatThrownBy(() -> PipelineSettings.from(Map.of(), Map.of("PANICWATCH_VTI_STEP_MAX", "four")))
                .hasMessageContaining("PANICWATCH_VTI_STEP_MAX").hasMessageContaining("whole number");
        assertThatThrownBy(() -> PipelineSettings.from(Map.of(), Map.of("PANICWATCH_VCPU_WAIT_THRESHOLD", "1.5")))
                .hasMessageContaining("PANICWATCH_VCPU_WAIT_THRESHOLD").hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> PipelineSettings.from(Map.of(), Map.of("PANICWATCH_VTI_STEP_MIN", "5")))
                .hasMessageContaining("PANICWATCH_VTI_STEP_MAX");
        assertThatThrownBy(() -> PipelineSettings.from(Map.of(), Map.of("PANICWATCH_RETENTION", "PT1H")))
                .hasMessageContaining("PANICWATCH_RETENTION").hasMessageContaining("rate.window + rate.grace");
    }

    @Test
    void configFileSplitsPipelineAndKafkaSettings(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("panicwatch.properties");
        Files.writeString(file, "panicwatch.grace=PT30S\nbootstrap.servers=file:9092\napplication.id=from-file\n");
        PanicwatchConfiguration c = PanicwatchConfiguration.load(file,
                Map.of("KAFKA_BOOTSTRAP_SERVERS", "env:9092", "SCHEMA_REGISTRY_URL", "http://r:8081"));
        assertThat(c.pipeline().grace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.kafka()).containsEntry("bootstrap.servers", "env:9092")
                .containsEntry("application.id", "from-file")
                .containsEntry("schema.registry.url", "http://r:8081")
                .doesNotContainKey("panicwatch.grace");
    }

    @Test
    void missingConfigFileIsAClearError(@TempDir Path dir) {
        assertThatThrownBy(() -> PanicwatchConfiguration.load(dir.resolve("nope.properties"), Map.of()))
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("nope.properties")
                .hasMessageContaining("does not exist");
    }
}
