package dev.panicwatch.ingest.host;

/**
 * CPU time a process has used, from {@code /proc/<pid>/stat}: utime + stime (fields 14 and 15), in USER_HZ ticks.
 * For a QEMU process that is all its threads together: vCPUs (guest time is part of utime), I/O threads and the
 * main loop, i.e. what the VM costs the host.
 */
final class ProcessCpuTicks {

    /** USER_HZ, the unit of the stat tick fields. It is 100 on every Linux architecture QEMU/KVM runs on. */
    static final int TICKS_PER_SECOND = 100;

    private ProcessCpuTicks() {
    }

    /** @throws IllegalArgumentException naming what is wrong when the line is not a stat line */
    static long parse(String stat) {
        // Field 2 is the command name in parentheses and may itself hold spaces and ')'; the fields after it start
        // after the LAST ')'.
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("no '(comm)' field");
        }
        String[] rest = stat.substring(close + 1).trim().split("\\s+");
        // rest[0] is field 3 (state), so field N is rest[N - 3].
        if (rest.length < 13) {
            throw new IllegalArgumentException("only " + (rest.length + 2) + " fields, need 15");
        }
        try {
            long utime = Long.parseLong(rest[11]);
            long stime = Long.parseLong(rest[12]);
            if (utime < 0 || stime < 0) {
                throw new IllegalArgumentException("negative utime/stime: " + utime + "/" + stime);
            }
            return utime + stime;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("utime/stime are not counts: '" + rest[11] + "' '" + rest[12] + "'");
        }
    }
}
