package dev.panicwatch.ingest.host;

/**
 * The aggregate {@code cpu} line of {@code /proc/stat} reduced to what the busy share needs, plus the number of
 * online CPUs (the {@code cpuN} lines).
 *
 * <p>Only the first eight columns (user nice system idle iowait irq softirq steal) make up the total: the kernel
 * already counts guest time inside user (and guest_nice inside nice), so adding columns 9 and 10 would count a KVM
 * host's busiest time twice. Idle is idle + iowait: a CPU waiting for I/O could run a vCPU, so for "is the host short
 * of CPU" it is idle.
 *
 * @param totalTicks all CPU time so far, in USER_HZ ticks
 * @param idleTicks  idle + iowait so far
 * @param cpus       online logical CPUs
 */
record HostCpuTimes(long totalTicks, long idleTicks, int cpus) {

    /** @throws IllegalArgumentException naming what is wrong when there is no usable aggregate cpu line */
    static HostCpuTimes parse(String procStat) {
        long[] aggregate = null;
        int cpus = 0;
        int lineStart = 0;
        int length = procStat.length();
        while (lineStart < length) {
            int lineEnd = procStat.indexOf('\n', lineStart);
            if (lineEnd < 0) {
                lineEnd = length;
            }
            if (procStat.startsWith("cpu", lineStart)) {
                if (lineStart + 3 < lineEnd && procStat.charAt(lineStart + 3) == ' ') {
                    aggregate = columns(procStat.substring(lineStart + 3, lineEnd));
                } else if (lineStart + 3 < lineEnd && Character.isDigit(procStat.charAt(lineStart + 3))) {
                    cpus++;
                }
            } else if (aggregate != null) {
                break; // the cpu lines come first; the rest (intr, ctxt, ...) is long and not needed
            }
            lineStart = lineEnd + 1;
        }
        if (aggregate == null) {
            throw new IllegalArgumentException("no aggregate 'cpu ' line");
        }
        if (cpus == 0) {
            throw new IllegalArgumentException("no per-CPU 'cpuN' lines");
        }
        long total = 0;
        for (long column : aggregate) {
            total += column;
        }
        return new HostCpuTimes(total, aggregate[3] + aggregate[4], cpus);
    }

    private static long[] columns(String rest) {
        String[] fields = rest.trim().split("\\s+");
        // Kernels before 2.6.11 had fewer columns; missing ones are zero, as the kernel would have reported.
        long[] columns = new long[8];
        for (int i = 0; i < Math.min(8, fields.length); i++) {
            try {
                columns[i] = Long.parseLong(fields[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("cpu column " + (i + 1) + " is not a count: '" + fields[i] + "'");
            }
            if (columns[i] < 0) {
                throw new IllegalArgumentException("cpu column " + (i + 1) + " is negative: " + columns[i]);
            }
        }
        if (fields.length < 4) {
            throw new IllegalArgumentException("cpu line has " + fields.length + " columns, need at least 4");
        }
        return columns;
    }

    /**
     * Share of CPU time that was not idle between {@code earlier} and this reading, or null when the counters went
     * backwards (a reset) or did not move.
     */
    Double busySince(HostCpuTimes earlier) {
        long total = totalTicks - earlier.totalTicks;
        long idle = idleTicks - earlier.idleTicks;
        if (total <= 0 || idle < 0 || idle > total) {
            return null;
        }
        return 1.0 - (double) idle / total;
    }
}
