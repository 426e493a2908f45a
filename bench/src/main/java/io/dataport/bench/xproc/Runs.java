package io.dataport.bench.xproc;

/** What one repetition measured: its records, kept by {@link Results}. */
final class Runs {
    private Runs() {
    }

    /** The other processes' share of the machine during one run, and where the vCPUs were. */
    record Load(double load1, double otherCpus, double stealPercent) {
        static Load between(CpuSample start, CpuSample end) {
            return new Load(end.load1(), end.otherCpusSince(start), end.stealPercentSince(start));
        }
    }

    /** One throughput run (or one copy-ceiling run: system "copy-ceiling", mode "-"). */
    record Throughput(String system, int size, String mode, int rep, long messages, long nanos, Load load) {
        double msgsPerSec() {
            return messages / (nanos / 1e9);
        }

        double gbitPerSec() {
            return msgsPerSec() * size * 8 / 1e9;
        }
    }

    /** One ping-pong run: round trips recorded and their percentiles in ns. */
    record PingPong(String system, int rep, long roundTrips, long p50, long p99, long p999, long max, Load load) {
    }

    /** Placement probe before and after a repetition, in ns per cache-line round trip. */
    record Repetition(int rep, double placementBeforeNs, double placementAfterNs, double load1Before,
            double load1After, String startedAt) {
    }
}
