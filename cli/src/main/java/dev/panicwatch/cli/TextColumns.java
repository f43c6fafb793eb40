package dev.panicwatch.cli;

import java.io.PrintStream;
import java.util.List;

/** Rows printed as left-aligned columns two spaces apart, the last column unpadded: the query commands' tables. */
final class TextColumns {

    private TextColumns() {
    }

    /** Prints {@code rows} (the first is usually the header); every row has the same number of cells. */
    static void print(List<String[]> rows, PrintStream out) {
        if (rows.isEmpty()) {
            return;
        }
        int[] widths = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                widths[i] = Math.max(widths[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) {
                    line.append(" ".repeat(widths[i] - r[i].length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
