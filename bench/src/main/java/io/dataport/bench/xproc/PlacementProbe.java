package io.dataport.bench.xproc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Where the scheduler put us: two threads bounce one cache line (a volatile counter each increments
 * in turn) and the mean round trip in ns tells whether the two vCPUs are "near" (about 100 ns,
 * sharing a cache) or "far" (300-500 ns); thousands of ns mean one core for both spinners (other
 * load). Median of 5 short trials (4 ms each near, 17 ms far), each bounded to 0.1 s, so a probe on
 * a busy machine costs at most 0.6 s and a starved thread cannot hang the driver. The driver probes
 * before and after every run.
 */
final class PlacementProbe {
    private static final VarHandle TURN;
    private static final int ROUND_TRIPS = 50_000;
    /** A trial longer than this averages over 2000 ns a round trip: busy (Runs.Placement), whatever the exact figure. */
    private static final long LIMIT_NANOS = 100_000_000L;

    static {
        try {
            TURN = MethodHandles.lookup().findVarHandle(PlacementProbe.class, "turn", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused")
    private volatile long turn;

    private PlacementProbe() {
    }

    /** Mean ns per round trip, median of 5 trials (after one discarded warm-up trial). */
    static double measureNs() throws InterruptedException {
        double[] trials = new double[5];
        new PlacementProbe().trial();
        for (int i = 0; i < trials.length; i++) {
            trials[i] = new PlacementProbe().trial();
        }
        return Stats.median(trials);
    }

    private double trial() throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT_NANOS;
        Thread echo = new Thread(() -> {
            for (long i = 1; i < 2L * ROUND_TRIPS; i += 2) {
                while ((long) TURN.getAcquire(this) != i) {
                    if (System.nanoTime() - deadline > 0) {
                        return;
                    }
                    Thread.onSpinWait();
                }
                TURN.setRelease(this, i + 1);
            }
        }, "placement-echo");
        echo.start();
        long start = System.nanoTime();
        long done = 0;
        for (long i = 0; i < 2L * ROUND_TRIPS; i += 2) {
            TURN.setRelease(this, i + 1);
            while ((long) TURN.getAcquire(this) != i + 2) {
                if (System.nanoTime() - deadline > 0) {
                    echo.join();
                    return (System.nanoTime() - start) / (double) Math.max(1, done);
                }
                Thread.onSpinWait();
            }
            done++;
        }
        long elapsed = System.nanoTime() - start;
        echo.join();
        return elapsed / (double) ROUND_TRIPS;
    }
}
