package dev.panicwatch.ingest.panic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublishedLedgerTest {

    private static final String A = "a".repeat(64);
    private static final String B = "b".repeat(64);
    private static final String C = "c".repeat(64);
    private static final String VM = "pve1/101";

    @TempDir
    Path state;

    @Test
    void remembersAcrossReopen() throws IOException {
        try (PublishedLedger ledger = PublishedLedger.open(state)) {
            assertThat(ledger.contains(VM, A)).isFalse();
            ledger.record(VM, A);
            ledger.record(VM, B);
            ledger.record(VM, A);
            ledger.record("pve1/102", A);
        }
        try (PublishedLedger ledger = PublishedLedger.open(state)) {
            assertThat(ledger.contains(VM, A)).isTrue();
            assertThat(ledger.contains(VM, B)).isTrue();
            assertThat(ledger.contains(VM, C)).isFalse();
            assertThat(ledger.contains("pve1/102", A)).isTrue();
            assertThat(ledger.contains("pve1/102", B)).as("B was published for pve1/101 only").isFalse();
            assertThat(ledger.size()).isEqualTo(3);
        }
        // One line per report and VM, A for pve1/101 once although recorded twice.
        assertThat(Files.readAllLines(state.resolve(PublishedLedger.FILE_NAME)))
                .containsExactly(A + " " + VM, B + " " + VM, A + " pve1/102");
    }

    @Test
    void aLedgerOfBareIdsAsWrittenBeforeMatchesEveryVm() throws IOException {
        Files.writeString(state.resolve(PublishedLedger.FILE_NAME), A + "\n", StandardCharsets.US_ASCII);
        try (PublishedLedger ledger = PublishedLedger.open(state)) {
            assertThat(ledger.contains(VM, A)).isTrue();
            assertThat(ledger.contains("pve2/201", A)).isTrue();
            assertThat(ledger.contains(VM, B)).isFalse();
        }
    }

    @Test
    void aTornLastLineIsIgnoredAndTheNextIdStartsOnItsOwnLine() throws IOException {
        // A crash in the middle of writing C left half of it.
        Files.writeString(state.resolve(PublishedLedger.FILE_NAME), A + " " + VM + "\n" + C.substring(0, 20),
                StandardCharsets.US_ASCII);
        try (PublishedLedger ledger = PublishedLedger.open(state)) {
            assertThat(ledger.contains(VM, A)).isTrue();
            assertThat(ledger.contains(VM, C)).isFalse();
            ledger.record(VM, B);
        }
        try (PublishedLedger ledger = PublishedLedger.open(state)) {
            assertThat(ledger.contains(VM, B)).isTrue();
            assertThat(ledger.size()).isEqualTo(2);
        }
    }

    @Test
    void aLastLineCutInItsVmIdIsNotTakenForAnotherVm() throws IOException {
        // The crash cut "pve1/101" to "pve1/10": a whole-looking line, but without its newline it is not confirmed.
        Files.writeString(state.resolve(PublishedLedger.FILE_NAME), A + " " + VM + "\n" + B + " pve1/10",
                StandardCharsets.US_ASCII);
        try (PublishedLedger ledger = PublishedLedger.open(state)) {
            assertThat(ledger.contains("pve1/10", B)).isFalse();
            assertThat(ledger.contains(VM, B)).isFalse();
            assertThat(ledger.size()).isEqualTo(1);
        }
    }

    @Test
    void aSecondCollectorCannotShareTheStateFolder() throws IOException {
        try (PublishedLedger first = PublishedLedger.open(state)) {
            assertThatThrownBy(() -> PublishedLedger.open(state))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("in use by another running collector");
            first.record(VM, A);
        }
        // The refused second open did not disturb the first: its record is there.
        try (PublishedLedger reopened = PublishedLedger.open(state)) {
            assertThat(reopened.contains(VM, A)).isTrue();
        }
    }

    @Test
    void rejectsWhatIsNotAReportId() {
        PublishedLedger ledger = PublishedLedger.inMemory();
        assertThatThrownBy(() -> ledger.record(VM, "pve1/101")).hasMessageContaining("not a report id");
        assertThatThrownBy(() -> ledger.record("pve1 101", A)).hasMessageContaining("not a VM id");
    }
}
