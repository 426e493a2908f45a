package io.dataport.queue;

import java.nio.ByteBuffer;

/**
 * An in-memory ring with both real ends attached, for the jcstress tests (the stress module's
 * counterpart of queue's test-only {@code TestRing}). Everything under test is the real
 * {@link SharedRing} (or a broken subclass from {@link BrokenOrderingRings}), {@link RingProducer}
 * and {@link RingConsumer}.
 *
 * <p>The harness plays a previous lap before the ends attach: it fills the whole data region with
 * stale but well-formed records (type {@link #STALE_TYPE}, payload bytes {@link #STALE_BYTE}: a
 * 16-byte record at every 16-byte boundary), puts the {@link RingLayout#END_MARKER end marker} at
 * the slot of {@code start} (layout version 3: a producer that stopped at {@code start} left it
 * there, its frontier) and sets both position words and the reservation word to
 * {@code (epoch 0, start mod 2^48)} ({@link RingLayout#packPosition}). Every other slot holds stale
 * bytes: a consumer that reads a header or payload byte the producer has not yet made visible, or
 * that reads on past a record into a slot whose end marker is not there yet, sees a stale header
 * (delivered as an extra type-77 record: a bad value) or a stale payload word (0xEE..., a negative
 * type: the consumer is poisoned), never a zero that could pass for data or for "no record yet".
 * This setup writes through {@link SharedRing#region()} and {@link SharedRing#scribble} directly:
 * it is the harness, not the code under test, and it must not go through a broken variant's
 * overridden methods.
 *
 * <p>The producer attaches as a restarted one does: it scans the headers from the hint
 * ({@link SharedRing#scanForEnd}) and finds the end marker at once, so its frontier is {@code start}.
 *
 * <p>Each ring gets exactly one producer and one consumer. Attaching fences: each end moves its
 * lease epoch from 0 to 1 and CASes its position word (the producer also the reservation word) to
 * epoch 1, so the ends work with 48-bit positions ({@code start mod 2^48}) and the words the peer
 * reads are {@code 1 << 48 | position mod 2^48}. A second producer on the same ring would fence the
 * first one out (it would throw {@link RegionException} at its next call).
 */
final class StressRing {
    /** Type of the stale records a previous lap left in the data region. */
    static final int STALE_TYPE = 77;
    /** Every stale payload byte ({@code 0xEE}). {@link #pattern} never produces it. */
    static final byte STALE_BYTE = (byte) 0xEE;
    private static final long STALE_WORD = 0xEEEE_EEEE_EEEE_EEEEL;
    /** Application tag of every stress ring (any value; it is never checked). */
    static final long TAG = 0x57AE55L;

    final RingConfig config;
    final SharedRing shared;
    final RingProducer producer;
    final RingConsumer consumer;

    StressRing(RingConfig config, SharedRing shared, long start) {
        this.config = config;
        this.shared = shared;
        ByteBuffer region = shared.region();
        int capacity = config.capacity();
        for (int index = 0; index < capacity; index += 16) {
            region.putLong(RingLayout.HEADER_LENGTH + index, RingLayout.packHeader(8, STALE_TYPE));
            region.putLong(RingLayout.HEADER_LENGTH + index + 8, STALE_WORD);
        }
        // The previous lap's holders (epoch 0) published everything they reserved and left the end
        // marker at their frontier. The words are planted with the real accessor's scribble, which
        // no broken variant overrides.
        shared.scribble(RingLayout.HEADER_LENGTH + (int) Math.floorMod(start, (long) capacity), RingLayout.END_MARKER);
        long word = RingLayout.packPosition(0, start);
        shared.scribble(RingLayout.PRODUCER_POSITION_OFFSET, word);
        shared.scribble(RingLayout.RESERVATION_OFFSET, word);
        shared.scribble(RingLayout.CONSUMER_POSITION_OFFSET, word);
        this.producer = new RingProducer(shared, config, null);
        this.consumer = new RingConsumer(shared, config, null);
    }

    /** A correct ring: the real accessor, over a region initialised as {@link SharedRing#allocate} does. */
    static SharedRing correct(RingConfig config) {
        SharedRing ring = new SharedRing(newRegion(config));
        ring.initialiseHeader(config, 1, TAG);
        return ring;
    }

    /**
     * A fresh zeroed, page-aligned region of {@code config.fileLength()} bytes, as a mapping would be;
     * (broken) subclasses of {@link SharedRing} initialise its header themselves.
     *
     * <p>jcstress builds a new state, hence a new ring, for every sample (about 100,000 per second).
     * {@code ByteBuffer.allocateDirect} per ring (a Cleaner and a direct-memory reservation each)
     * took 2-9 µs per state, so regions are cut from 1 MiB slabs (about 1.2 µs per state), one slab
     * per constructing thread. A slab is freed when its last region is unreachable.
     */
    static ByteBuffer newRegion(RingConfig config) {
        return SLAB.get().take((int) config.fileLength());
    }

    private static final ThreadLocal<Slab> SLAB = ThreadLocal.withInitial(Slab::new);

    private static final class Slab {
        private static final int PAGE = 4096;
        private static final int SIZE = 1 << 20;
        private ByteBuffer slab;
        private int used;

        ByteBuffer take(int length) {
            int stride = (length + PAGE - 1) & -PAGE;
            if (slab == null || slab.capacity() - used < stride) {
                slab = ByteBuffer.allocateDirect(Math.max(SIZE, stride) + PAGE).alignedSlice(PAGE);
                used = 0;
            }
            ByteBuffer region = slab.slice(used, length);
            used += stride;
            return region;
        }
    }

    /**
     * Payload byte {@code i} of the record with {@code seed}: never 0 and never {@link #STALE_BYTE},
     * different for neighbouring bytes and for records of different seeds.
     */
    static byte pattern(int seed, int i) {
        return (byte) (1 + Math.floorMod(seed * 61 + i * 7, 200));
    }

    /** The whole payload of the record with {@code seed}: {@code pattern(seed, i)} for every i. */
    static byte[] payload(int seed, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = pattern(seed, i);
        }
        return bytes;
    }

    /** Payload bytes of a claimed record, written in place through every kind of {@link ClaimedRecord} put. */
    static void writeInPlace(ClaimedRecord record, byte[] bytes) {
        int length = bytes.length;
        int at = 0;
        if (length >= 8) {
            record.putLong(0, getLong(bytes, 0));
            at = 8;
        }
        if (length - at >= 4) {
            record.putInt(at, getInt(bytes, at));
            at += 4;
        }
        if (length - at >= 1) {
            record.putByte(at, bytes[at]);
            at++;
        }
        record.putBytes(at, bytes, at, length - at);
    }

    private static long getLong(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }

    private static int getInt(byte[] b, int at) {
        int v = 0;
        for (int i = 3; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }
}
