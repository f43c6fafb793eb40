package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class TextColumnsTest {

    @Test
    void columnsAreAsWideAsTheirWidestCellPlusTwoSpacesAndTheLastIsNotPadded() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TextColumns.print(List.of(new String[] {"VM", "STATUS", "WHY"}, new String[] {"pve1/101", "APPLIED", ""},
                new String[] {"a", "EFFECTIVE", "quiet"}), new PrintStream(bytes, true, StandardCharsets.UTF_8));

        // "pve1/101" is 8 wide, "EFFECTIVE" 9: columns start at 0, 10 and 21; trailing blanks stripped.
        assertThat(bytes.toString(StandardCharsets.UTF_8).lines()).containsExactly(
                "VM        STATUS     WHY",
                "pve1/101  APPLIED",
                "a         EFFECTIVE  quiet");
    }

    @Test
    void noRowsPrintNothing() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TextColumns.print(List.of(), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(bytes.size()).isZero();
    }
}
