package io.dataport.bench.xproc;

import org.HdrHistogram.Histogram;

/**
 * The ping-pong initiator's timing loop, shared by every system: one message at a time, each
 * round trip timed with System.nanoTime, recorded after the warm-up, until the window ends.
 */
final class PingLoop {
    /** Sends message {@code seq}, waits for its echo and checks it. */
    @FunctionalInterface
    interface RoundTrip {
        void run(long seq) throws Exception;
    }

    private PingLoop() {
    }

    static long run(PeerContext ctx, Histogram rtt, RoundTrip trip) throws Exception {
        long[] window = ctx.windowFromNow();
        long recorded = 0;
        for (long seq = 0; ; seq++) {
            long start = System.nanoTime();
            if (start - window[1] >= 0) {
                return recorded;
            }
            trip.run(seq);
            long end = System.nanoTime();
            if (start - window[0] >= 0) {
                rtt.recordValue(end - start);
                recorded++;
            }
        }
    }

    static IllegalStateException badEcho(long expected, long seq) {
        return new IllegalStateException("ping-pong: the echo of message " + expected + " came back as " + seq);
    }
}
