package io.dataport.bench.xproc;

/**
 * The consumer's verifier and meter, the same for every system. Each message is checked (sequence
 * number continuous from 0, trailer word, or the whole payload's checksum in copy-out mode); the
 * clock is read once per 256 messages or when the system found nothing, so timing costs almost
 * nothing per message. Measurement: a warm-up from the first message, then a window of the given
 * duration (extended until at least one message fell in it, should the producer be starved); the
 * result is messages and nanoseconds inside the window. No allocation per message.
 */
public final class Sink {
    private static final int CLOCK_EVERY = 256;

    private final Payload payload;
    private final byte[] copy;
    private final long warmupNanos;
    private final long measureNanos;
    private long next;
    private long sinceClock;
    private long firstAt = -1;
    private long windowStart = -1;
    private long windowStartCount;
    private long windowEnd = -1;
    private long windowEndCount;

    public Sink(Payload payload, double warmupSeconds, double measureSeconds) {
        this.payload = payload;
        this.copy = new byte[payload.size()];
        this.warmupNanos = (long) (warmupSeconds * 1e9);
        this.measureNanos = (long) (measureSeconds * 1e9);
    }

    /** The private buffer a copy-out consumer copies each payload into before {@link #copied}. */
    public byte[] buffer() {
        return copy;
    }

    /** In-place check of one message of {@code length} bytes. */
    public void inPlace(int length, long seq, long trailer) {
        if (length != payload.size() || seq != next || trailer != Payload.trailer(seq)) {
            throw fail(length, seq, "trailer " + Long.toHexString(trailer));
        }
        count();
    }

    /** Copy-out check: the payload of {@code length} bytes was copied into {@link #buffer()}. */
    public void copied(int length) {
        if (length != payload.size()) {
            throw fail(length, -1, "");
        }
        long seq = Payload.readLong(copy, 0);
        if (seq != next || Payload.checksum(copy, length) != payload.expectedChecksum(seq)) {
            throw fail(length, seq, "checksum " + Long.toHexString(Payload.checksum(copy, length)));
        }
        count();
    }

    private void count() {
        next++;
        if (++sinceClock >= CLOCK_EVERY) {
            clock();
        }
    }

    /** Tell the sink nothing arrived: it reads the clock so an idle consumer still ends its window. */
    public void idle() {
        clock();
    }

    private void clock() {
        sinceClock = 0;
        if (next == 0) {
            return;
        }
        long now = System.nanoTime();
        if (firstAt < 0) {
            firstAt = now;
        } else if (windowStart < 0) {
            if (now - firstAt >= warmupNanos) {
                windowStart = now;
                windowStartCount = next;
            }
        } else if (windowEnd < 0 && now - windowStart >= measureNanos && next > windowStartCount) {
            windowEnd = now;
            windowEndCount = next;
        }
    }

    /** False once the measurement window has ended. */
    public boolean running() {
        return windowEnd < 0;
    }

    public long messages() {
        return windowEndCount - windowStartCount;
    }

    public long nanos() {
        return windowEnd - windowStart;
    }

    /** Messages verified in all (warm-up included). */
    public long verified() {
        return next;
    }

    private IllegalStateException fail(int length, long seq, String detail) {
        return new IllegalStateException("verification failed at message " + next + ": length " + length
                + " (expected " + payload.size() + "), sequence " + seq + " " + detail);
    }
}
