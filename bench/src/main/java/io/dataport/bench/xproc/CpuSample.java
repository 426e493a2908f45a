package io.dataport.bench.xproc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine's CPU accounting at one instant (/proc/stat, /proc/loadavg and the given child PIDs'
 * /proc/[pid]/stat), so that a run can record the load from <em>other</em> processes during it:
 * busy CPU time of the whole machine minus that of our own processes, in CPUs, and the hypervisor's
 * steal. Interrupt and softirq time is left out of "busy": the kernel does the socket systems'
 * loopback work there and does not charge it to our processes. Zeros where /proc is unavailable.
 */
record CpuSample(long wallNanos, long busyTicks, long stealTicks, long totalTicks, long ownTicks, double load1) {

    static CpuSample now(long... pids) {
        long busy = 0;
        long steal = 0;
        long total = 0;
        double load1 = 0;
        long own = 0;
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal
            for (int i = 1; i <= 8 && i < f.length; i++) {
                long v = Long.parseLong(f[i]);
                total += v;
                if (i <= 3) { // user, nice, system: irq and softirq time is mostly our own sockets' loopback traffic
                    busy += v;
                }
            }
            steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
            load1 = Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
            for (long pid : pids) {
                own += processTicks(pid);
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or a process just ended: what we have is the best we know
        }
        return new CpuSample(System.nanoTime(), busy, steal, total, own, load1);
    }

    private static long processTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split("\\s+");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
    }

    /** CPUs' worth of busy time that other processes used between {@code start} and this sample. */
    double otherCpusSince(CpuSample start) {
        long total = totalTicks - start.totalTicks;
        if (total <= 0) {
            return 0;
        }
        int cpus = Runtime.getRuntime().availableProcessors();
        double other = (busyTicks - start.busyTicks) - (ownTicks - start.ownTicks);
        return Math.max(0, other) / total * cpus;
    }

    /** Percent of all CPU time the hypervisor stole between {@code start} and this sample. */
    double stealPercentSince(CpuSample start) {
        long total = totalTicks - start.totalTicks;
        return total <= 0 ? 0 : 100.0 * (stealTicks - start.stealTicks) / total;
    }
}
