package dev.panicwatch.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetLedgerTest {

    private static final TopicPartition P0 = new TopicPartition("remediations", 0);
    private static final TopicPartition P1 = new TopicPartition("remediations", 1);

    @Test
    void commitsUpToTheOldestEventSomeTargetStillHolds() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.read(P0, 10, 2);
        ledger.read(P0, 11, 2);
        ledger.read(P0, 12, 0); // filtered out everywhere: done at once, but behind 10 and 11
        assertThat(ledger.inFlight()).isEqualTo(2);
        assertThat(ledger.toCommit()).containsEntry(P0, new OffsetAndMetadata(10));

        ledger.settled(P0, 11);
        ledger.settled(P0, 11); // both targets took 11; 10 still waits for both
        ledger.committed(ledger.toCommit());
        assertThat(ledger.toCommit()).as("nothing moved").isEmpty();

        ledger.settled(P0, 10);
        assertThat(ledger.toCommit()).as("10 waits for its second target").isEmpty();
        ledger.settled(P0, 10);
        assertThat(ledger.toCommit()).containsEntry(P0, new OffsetAndMetadata(13));
        assertThat(ledger.inFlight()).isZero();
    }

    @Test
    void aPartitionTakenAwayIsForgottenAndLateSettlementsAreIgnored() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.read(P0, 5, 1);
        ledger.read(P1, 7, 1);
        ledger.forget(List.of(P1));
        ledger.settled(P1, 7);
        assertThat(ledger.inFlight()).isEqualTo(1);
        Map<TopicPartition, OffsetAndMetadata> offsets = ledger.toCommit();
        assertThat(offsets).containsOnlyKeys(P0).containsEntry(P0, new OffsetAndMetadata(5));
    }
}
