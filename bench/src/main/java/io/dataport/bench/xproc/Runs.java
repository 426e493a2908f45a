package io.dataport.bench.xproc;

/** What one repetition measured: its records, kept by {@link Results}. */
final class Runs {
    /** The placement groups, in the order the summary prints them. */
    static final String NEAR = "near";
    static final String FAR = "far";
    static final String MIXED = "mixed";
    static final String BUSY = "busy";
    static final java.util.List<String> GROUPS = java.util.List.of(NEAR, FAR, MIXED, BUSY);

    private Runs() {
    }

    /** The other processes' share of the machine during one run. */
    record Load(double load1, double otherCpus, double stealPercent) {
        static Load between(CpuSample start, CpuSample end) {
            return new Load(end.load1(), end.otherCpusSince(start), end.stealPercentSince(start));
        }
    }

    /**
     * Where the two vCPUs were around one run: the {@link PlacementProbe} immediately before the
     * run's first child started and after its last one stopped, in ns per cache-line round trip.
     */
    record Placement(double beforeNs, double afterNs) {
        /** A probe this slow did not have both vCPUs to itself (far is 275-525 ns here, one busy process 800+). */
        static final double BUSY_NS = 600;
        /** Other processes' CPUs during a run above which it was disturbed (docs/benchmarks.md). */
        static final double BUSY_OTHER_CPUS = 0.1;

        /**
         * "busy" when another process ran (a probe at or above {@link #BUSY_NS}, or other processes
         * used {@link #BUSY_OTHER_CPUS} or more during the run); else "near" when both probes are
         * below {@code nearNs}, "far" when both are not, "mixed" when the placement moved.
         */
        String group(double nearNs, Load load) {
            if (beforeNs >= BUSY_NS || afterNs >= BUSY_NS || load.otherCpus() >= BUSY_OTHER_CPUS) {
                return BUSY;
            }
            boolean nearBefore = beforeNs < nearNs;
            return nearBefore != afterNs < nearNs ? MIXED : nearBefore ? NEAR : FAR;
        }
    }

    /** One throughput run (or one copy-ceiling run: system "copy-ceiling", mode "-"). */
    record Throughput(String system, int size, String mode, int rep, long messages, long nanos, Load load,
            Placement placement) {
        double msgsPerSec() {
            return messages / (nanos / 1e9);
        }

        double gbitPerSec() {
            return msgsPerSec() * size * 8 / 1e9;
        }
    }

    /** One ping-pong run: round trips recorded and their percentiles in ns. */
    record PingPong(String system, int rep, long roundTrips, long p50, long p99, long p999, long max, Load load,
            Placement placement) {
    }

    /** A repetition: when it started, the load average around it, the first and the last placement probe. */
    record Repetition(int rep, double placementBeforeNs, double placementAfterNs, double load1Before,
            double load1After, String startedAt) {
    }
}
