package dev.panicwatch.ingest.host;

/** The host's run-queue load averages, from {@code /proc/loadavg} ("{@code 12.50 10.20 8.05 3/1234 5678}"). */
record LoadAverage(double load1, double load5, double load15) {

    /** @throws IllegalArgumentException naming what is wrong when the text is not a loadavg line */
    static LoadAverage parse(String text) {
        String[] fields = text.trim().split("\\s+");
        if (fields.length < 3) {
            throw new IllegalArgumentException("expected three load averages, got '" + text.trim() + "'");
        }
        try {
            return new LoadAverage(nonNegative(fields[0]), nonNegative(fields[1]), nonNegative(fields[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("load averages are not numbers: '" + text.trim() + "'");
        }
    }

    private static double nonNegative(String field) {
        double value = Double.parseDouble(field);
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new NumberFormatException(field);
        }
        return value;
    }
}
