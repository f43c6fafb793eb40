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

    @TempDir
    Path state;

    @Test
    void remembersAcrossReopen() throws IOException {
        try (PublishedLedger ledger = PublishedLedger.open(state)) {
            assertThat(ledger.contains(A)).isFalse();
            ledger.record(A);
            ledger.record(B);
            ledger.record(A);
        }
        try (PublishedLedger ledger = PublishedLedger.open(state)) {
            assertThat(ledger.contains(A)).isTrue();
            assertThat(ledger.contains(B)).isTrue();
            assertThat(ledger.contains(C)).isFalse();
            assertThat(ledger.size()).isEqualTo(2);
        }
        // One line per id, A once although recorded twice.
        assertThat(Files.readAllLines(state.resolve(PublishedLedger.FILE_NAME))).containsExactly(A, B);
    }

    @Test
    void aTornLastLineIsIgnoredAndTheNextIdStartsOnItsOwnLine() throws IOException {
        // A crash in the middle of writing C left half of it.
        Files.writeString(state.resolve(PublishedLedger.FILE_NAME), A + "\n" + C.substring(0, 20),
                StandardCharsets.US_ASCII);
        try (PublishedLedger ledger = PublishedLedger.open(state)) {
            assertThat(ledger.contains(A)).isTrue();
            assertThat(ledger.contains(C)).isFalse();
            ledger.record(B);
        }
        try (PublishedLedger ledger = PublishedLedger.open(state)) {
            assertThat(ledger.contains(B)).isTrue();
            assertThat(ledger.size()).isEqualTo(2);
        }
    }

    @Test
    void aSecondCollectorCannotShareTheStateFolder() throws IOException {
        try (PublishedLedger first = PublishedLedger.open(state)) {
            assertThatThrownBy(() -> PublishedLedger.open(state))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("in use by another running collector");
            first.record(A);
        }
        // The refused second open did not disturb the first: its record is there.
        try (PublishedLedger reopened = PublishedLedger.open(state)) {
            assertThat(reopened.contains(A)).isTrue();
        }
    }

    @Test
    void rejectsWhatIsNotAReportId() {
        PublishedLedger ledger = PublishedLedger.inMemory();
        assertThatThrownBy(() -> ledger.record("pve1/101")).hasMessageContaining("not a report id");
    }
}
