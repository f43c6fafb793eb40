package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.panicwatch.streams.metrics.PanicwatchMetrics;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.config.QueryApiSettings;
import dev.panicwatch.streams.query.QueryServer;

class QueryCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aVmRateReadsAsOneLinePlusClassesAndWindows() throws Exception {
        JsonNode rate = JSON.readTree("{\"vm\":\"pve1/104\",\"from\":\"2024-05-08T10:00:00Z\","
                + "\"to\":\"2024-05-08T13:00:00Z\",\"windowSize\":\"PT1H\",\"panics\":5,\"perHour\":1.6666666666666667,"
                + "\"byClass\":{\"NON_TIMEOUT\":1,\"TLB_FLUSH_TIMEOUT\":4},"
                + "\"series\":[{\"start\":\"2024-05-08T10:00:00Z\",\"panics\":2},"
                + "{\"start\":\"2024-05-08T12:00:00Z\",\"panics\":3}]}");
        String text = print(out -> QueryCommand.RateTables.printRate(rate, out));
        assertThat(text).isEqualTo("""
                VM pve1/104: 5 panics in 2024-05-08T10:00:00Z .. 2024-05-08T13:00:00Z (3.0 h), 1.67 per hour
                by class: NON_TIMEOUT×1 TLB_FLUSH_TIMEOUT×4
                WINDOW (PT1H) FROM     PANICS
                2024-05-08T10:00:00Z   2
                2024-05-08T12:00:00Z   3
                """);
    }

    @Test
    void theTopTableAlignsItsColumnsAndShowsTheAdvice() throws Exception {
        JsonNode top = JSON.readTree("{\"from\":\"2024-05-08T10:00:00Z\",\"to\":\"2024-05-09T10:00:00Z\",\"top\":2,"
                + "\"vms\":[{\"vm\":\"pve1/104\",\"panics\":12,\"perHour\":0.5,\"byClass\":{\"TLB_FLUSH_TIMEOUT\":12},"
                + "\"advice\":{\"actions\":[\"RAISE_VTI\",\"DISABLE_TLB_TIMEOUT\"],"
                + "\"suggestedBootArgs\":\"keepsyms=1 tlbto_us=0 vti=9\"}},"
                + "{\"vm\":\"pve2/7\",\"panics\":1,\"perHour\":0.041666,\"byClass\":{\"NON_TIMEOUT\":1},\"advice\":null}]}");
        String text = print(out -> QueryCommand.RateTables.printTop(top, out));
        assertThat(text).isEqualTo("""
                VMs with the most panics in 2024-05-08T10:00:00Z .. 2024-05-09T10:00:00Z (24.0 h)
                #  VM        PANICS  PER HOUR  CLASSES               ADVICE
                1  pve1/104  12      0.50      TLB_FLUSH_TIMEOUT×12  RAISE_VTI, DISABLE_TLB_TIMEOUT → boot-args "keepsyms=1 tlbto_us=0 vti=9"
                2  pve2/7    1       0.04      NON_TIMEOUT×1         -
                """);
    }

    @Test
    void anApiThatIsDownIsOneLineAndExitCode1() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        CliRun run = run("query", "panic-rate", "--vm", "pve1/104", "--api", "http://localhost:" + closedPort);
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().strip()).isEqualTo("panicwatch query: cannot reach the query API at http://localhost:"
                + closedPort + " (is './panicwatch streams' or the demo running? use --api to point elsewhere)");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void apiErrorsArePrintedWithTheirStatus() throws Exception {
        try (PanicwatchMetrics metrics = new PanicwatchMetrics();
             QueryServer server = QueryServer.start(new QueryApiSettings(0, "localhost", Optional.of("t")), PipelineSettings.defaults(), metrics)) {
            CliRun unauthorized = run("query", "panic-rate", "--top", "5", "--api", server.url());
            assertThat(unauthorized.exitCode()).isEqualTo(1);
            assertThat(unauthorized.err()).startsWith("panicwatch query: 401: missing Authorization");

            CliRun badSpan = run("query", "panic-rate", "--vm", "a/1", "--span", "soon", "--api", server.url(),
                    "--token", "t");
            assertThat(badSpan.exitCode()).isEqualTo(1);
            assertThat(badSpan.err()).startsWith("panicwatch query: 400: parameter 'span' = 'soon' is not an ISO-8601");

            // Not attached to Kafka Streams yet: the stores are not ready.
            CliRun starting = run("query", "panic-rate", "--host", "pve1", "--api", server.url(), "--token", "t");
            assertThat(starting.exitCode()).isEqualTo(1);
            assertThat(starting.err().strip()).isEqualTo("panicwatch query: 503: the streams app is starting (retry in 5 s)");
        }
    }

    @Test
    void theOutcomeTableShowsEachVmsStatusTimesAndPanicRates() throws Exception {
        // pve3/301 and pve4/401 of the bundled loop scenario at the end of a replay with --keep-times (its README).
        JsonNode answer = JSON.readTree("{\"host\":null,\"outcomes\":["
                + "{\"vmId\":\"pve3/301\",\"hostId\":\"pve3\",\"status\":\"EFFECTIVE\",\"time\":\"2026-03-02T10:55:10Z\","
                + "\"suggestedVti\":9,\"tlbTimeoutDisabled\":true,\"suggestedBootArgs\":\"keepsyms=1 tlbto_us=0 vti=9\","
                + "\"advisedTime\":\"2026-03-02T10:15:00Z\",\"appliedTime\":\"2026-03-02T10:25:05Z\","
                + "\"before\":{\"start\":\"2026-03-02T09:45:00Z\",\"end\":\"2026-03-02T10:15:00Z\",\"timeoutPanics\":1,"
                + "\"timeoutPanicsPerDay\":48.0},"
                + "\"after\":{\"start\":\"2026-03-02T10:25:05Z\",\"end\":\"2026-03-02T10:55:10Z\",\"timeoutPanics\":0,"
                + "\"timeoutPanicsPerDay\":0.0}},"
                + "{\"vmId\":\"pve4/401\",\"hostId\":\"pve4\",\"status\":\"NOT_APPLIED\",\"time\":\"2026-03-02T11:04:00Z\","
                + "\"suggestedVti\":12,\"tlbTimeoutDisabled\":false,\"suggestedBootArgs\":\"keepsyms=1 tlbto_us=0 vti=12\","
                + "\"advisedTime\":\"2026-03-02T10:34:00Z\",\"appliedTime\":null,"
                + "\"before\":{\"start\":\"2026-03-02T10:04:00Z\",\"end\":\"2026-03-02T10:34:00Z\",\"timeoutPanics\":2,"
                + "\"timeoutPanicsPerDay\":96.0},\"after\":null}]}");
        String text = print(out -> QueryCommand.OutcomeTable.print(answer, out));
        assertThat(text).isEqualTo("""
                Advice outcomes: 2 VMs
                VM        HOST  STATUS       SINCE                 ADVISED BOOT-ARGS             ADVISED               APPLIED               TIMEOUT PANICS/DAY BEFORE -> AFTER
                pve3/301  pve3  EFFECTIVE    2026-03-02T10:55:10Z  keepsyms=1 tlbto_us=0 vti=9   2026-03-02T10:15:00Z  2026-03-02T10:25:05Z  48.0 (1 in 30 min) -> 0.0 (0 in 30 min)
                pve4/401  pve4  NOT_APPLIED  2026-03-02T11:04:00Z  keepsyms=1 tlbto_us=0 vti=12  2026-03-02T10:34:00Z  -                     96.0 (2 in 30 min) -> -
                """);
        assertThat(text).matches("(?s)\\p{ASCII}*");
    }

    @Test
    void noOutcomesSaysSoWithTheFilters() throws Exception {
        JsonNode answer = JSON.readTree("{\"host\":\"pve9\",\"status\":\"EFFECTIVE\",\"outcomes\":[]}");
        assertThat(print(out -> QueryCommand.OutcomeTable.print(answer, out)))
                .isEqualTo("Advice outcomes (host pve9, status EFFECTIVE): 0 VMs\n");
    }

    @Test
    void aStatusThatIsNoneOfTheFiveIsRefusedBeforeAsking() {
        CliRun run = run("query", "outcomes", "--status", "cured", "--api", "http://localhost:1");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).isEqualTo("panicwatch query: --status 'cured' is not an advice outcome status; "
                + "use one of ADVISED, APPLIED, EFFECTIVE, INEFFECTIVE, NOT_APPLIED");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void outcomesFromAnApiThatIsDownIsOneLineAndExitCode1() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        CliRun run = run("query", "outcomes", "--status", "effective", "--api", "http://localhost:" + closedPort);
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().strip()).isEqualTo("panicwatch query: cannot reach the query API at http://localhost:"
                + closedPort + " (is './panicwatch streams' or the demo running? use --api to point elsewhere)");
    }

    @Test
    void exactlyOneSubjectIsRequired() {
        assertThat(run("query", "panic-rate", "--vm", "a", "--top", "3").exitCode()).isEqualTo(2);
        assertThat(run("query", "panic-rate").exitCode()).isEqualTo(2);
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private static String print(java.util.function.Consumer<PrintStream> printer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        printer.accept(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
