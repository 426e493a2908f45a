package io.dataport.queue;

import static io.dataport.queue.RingLayout.*;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The one class that touches a ring's shared memory (a region's directory page is
 * {@link SharedRegion}'s). Every read or write of the ring's bytes goes through one method here,
 * one method per kind of access, named after the TLA+ action that performs it in
 * {@code spec/DataportRing.tla}. The memory-ordering rules live here and nowhere else:
 *
 * <ul>
 *   <li>A side publishes its position word with a <b>compare-and-set</b> (volatile: a release and
 *       more) from the word it last published ({@link #publishProducerPosition},
 *       {@link #publishConsumerPosition}); every write it made before (payload, record header,
 *       padding) is then visible to a peer that reads the word with an <b>acquire</b> load
 *       ({@link #readProducerPosition}, {@link #readConsumerPosition}). The CAS fails for a holder
 *       whose role was taken over: the taker put its own epoch in the word.</li>
 *   <li>Payload bytes are plain stores; record and padding headers are CASes from the value read
 *       at the claim ({@link #readSlot}); the consumer reads headers with plain loads, ordered by
 *       its acquire of the position word.</li>
 *   <li>The creator writes the magic word last, with a release store; an opener reads it first, with
 *       an acquire load, so a visible magic implies a complete header.</li>
 * </ul>
 *
 * Acquire and release need naturally aligned offsets: every position and header word is 8-byte
 * aligned by construction of the layout. Indices into the data region are relative to its start;
 * callers pass only indices they have validated, and the buffer's own bounds check is a second wall.
 *
 * <p>The class is deliberately not final: tests subclass it to log each access as a TLA+ action for
 * trace validation, or to act as a hostile peer. With no subclass loaded the JIT inlines every call.
 */
class SharedRing {
    private static final VarHandle LONGS =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS =
            MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    /** The whole mapping: header page then data region, little-endian. */
    private final ByteBuffer region;

    SharedRing(ByteBuffer region) {
        if (!region.isDirect()) {
            throw new IllegalArgumentException("a ring needs a direct or mapped buffer");
        }
        this.region = region.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** An anonymous ring in process memory, for tests and in-process use. */
    static SharedRing allocate(RingConfig config, long tag) {
        SharedRing ring = new SharedRing(ByteBuffer.allocateDirect((int) config.fileLength()));
        ring.initialiseHeader(config, 1, tag);
        return ring;
    }

    /**
     * A plain-ordered release store of a raw 64-bit word at {@code offset} of the mapping: for a test
     * that starts a ring at a chosen position or plays a hostile peer. The ring's ends never call it.
     */
    void scribble(int offset, long value) {
        LONGS.setRelease(region, offset, value);
    }

    /** The mapping itself, for test-only subclasses (a broken ordering variant, a hostile peer). */
    final ByteBuffer region() {
        return region;
    }

    /** Bytes mapped, header page included. */
    int regionLength() {
        return region.capacity();
    }

    // ---- header page: written once by the creator, validated by every opener ----

    void initialiseHeader(RingConfig config, long creationEpoch, long tag) {
        region.putInt(VERSION_OFFSET, LAYOUT_VERSION);
        region.putInt(HEADER_LENGTH_OFFSET, HEADER_LENGTH);
        region.putLong(CAPACITY_OFFSET, config.capacity());
        region.putInt(MAX_RECORD_LENGTH_OFFSET, config.maxRecordLength());
        region.putLong(CREATION_EPOCH_OFFSET, creationEpoch);
        region.putLong(TAG_OFFSET, tag);
        LONGS.setRelease(region, MAGIC_OFFSET, MAGIC);
    }

    long readMagic() {
        return (long) LONGS.getAcquire(region, MAGIC_OFFSET);
    }

    int readLayoutVersion() {
        return region.getInt(VERSION_OFFSET);
    }

    int readHeaderLength() {
        return region.getInt(HEADER_LENGTH_OFFSET);
    }

    long readCapacity() {
        return region.getLong(CAPACITY_OFFSET);
    }

    int readMaxRecordLength() {
        return region.getInt(MAX_RECORD_LENGTH_OFFSET);
    }

    long readCreationEpoch() {
        return region.getLong(CREATION_EPOCH_OFFSET);
    }

    long readTag() {
        return region.getLong(TAG_OFFSET);
    }

    // ---- position words (TLA+ spec/RingFencing.tla: PublishProducerPosition, FencePosition, ...) ----
    // A position word is epoch16 << 48 | position mod 2^48 (RingLayout.packPosition): written only by
    // compare-and-set, so a holder whose role was taken over (a newer epoch) fails its next write.

    /** The producer position word (acquire): every record header and payload below it is visible. */
    long readProducerPosition() {
        return (long) LONGS.getAcquire(region, PRODUCER_POSITION_OFFSET);
    }

    /** PublishProducerPosition / FencePosition: one CAS (volatile, so it also releases the records below). */
    boolean publishProducerPosition(long expected, long value) {
        return LONGS.compareAndSet(region, PRODUCER_POSITION_OFFSET, expected, value);
    }

    long readConsumerPosition() {
        return (long) LONGS.getAcquire(region, CONSUMER_POSITION_OFFSET);
    }

    /** PublishConsumerPosition / the consumer's fence at attach: one CAS. */
    boolean publishConsumerPosition(long expected, long value) {
        return LONGS.compareAndSet(region, CONSUMER_POSITION_OFFSET, expected, value);
    }

    /** The reservation word: the producer writes records only below its end. */
    long readReservation() {
        return (long) LONGS.getAcquire(region, RESERVATION_OFFSET);
    }

    /** Reserve / FenceReservation: one CAS of the reservation word. */
    boolean casReservation(long expected, long value) {
        return LONGS.compareAndSet(region, RESERVATION_OFFSET, expected, value);
    }

    /** One word of the hole table (0: free). */
    long readHole(int slot) {
        return (long) LONGS.getAcquire(region, HOLE_TABLE_OFFSET + 8 * slot);
    }

    /** RecordHole (from 0) and ReleaseHoles (to 0): one CAS of a hole table word. */
    boolean casHole(int slot, long expected, long value) {
        return LONGS.compareAndSet(region, HOLE_TABLE_OFFSET + 8 * slot, expected, value);
    }

    /**
     * Marks a new incarnation of the producer (a ring file's attach, under its lock); returns the
     * new epoch. The epoch is the high half of the producer's lease word (layout version 2).
     */
    long advanceProducerEpoch() {
        long lease = (long) LONGS.getAcquire(region, PRODUCER_LEASE_OFFSET) + (1L << 32);
        LONGS.setRelease(region, PRODUCER_LEASE_OFFSET, lease);
        return lease >>> 32;
    }

    /** Marks a new incarnation of the consumer; returns the new epoch (see {@link #advanceProducerEpoch}). */
    long advanceConsumerEpoch() {
        long lease = (long) LONGS.getAcquire(region, CONSUMER_LEASE_OFFSET) + (1L << 32);
        LONGS.setRelease(region, CONSUMER_LEASE_OFFSET, lease);
        return lease >>> 32;
    }

    long readProducerEpoch() {
        return (long) LONGS.getAcquire(region, PRODUCER_LEASE_OFFSET) >>> 32;
    }

    long readConsumerEpoch() {
        return (long) LONGS.getAcquire(region, CONSUMER_LEASE_OFFSET) >>> 32;
    }

    // ---- lease words and heartbeats (TLA+ spec/LeaseExpiry.tla: Claim, Beat, Observe) ----

    /** The lease word of a role: epoch in the high half, the holder's identity (0: free) in the low half. */
    long readLease(Role role) {
        return (long) LONGS.getVolatile(region, role.leaseOffset);
    }

    /** Claim, takeover and release of a role: one compare-and-set of its lease word. */
    boolean casLease(Role role, long expected, long value) {
        return LONGS.compareAndSet(region, role.leaseOffset, expected, value);
    }

    long readHeartbeat(Role role) {
        return (long) LONGS.getAcquire(region, role.heartbeatOffset);
    }

    /** Beat: the holder's counter moves; only the holder writes it. */
    void writeHeartbeat(Role role, long value) {
        LONGS.setRelease(region, role.heartbeatOffset, value);
    }

    /** Whether any control word of the header page (positions, leases, heartbeats, flags, holes) is not 0. */
    boolean hasControlState() {
        for (int offset = PRODUCER_POSITION_OFFSET; offset < PRODUCER_NEEDS_WAKEUP_OFFSET + 128; offset += 8) {
            if (region.getLong(offset) != 0) {
                return true;
            }
        }
        for (int slot = 0; slot < HOLE_SLOTS; slot++) {
            if (readHole(slot) != 0) {
                return true;
            }
        }
        return false;
    }

    // ---- wake-up flags (TLA+ spec/DataportWakeup.tla: SetNeedsWakeup, Fence, ReadNeedsWakeup) ----

    /**
     * The consumer announces that it is about to sleep waiting for records (the number of that
     * sleep, never 0), or withdraws (0).
     */
    void writeConsumerNeedsWakeup(int value) {
        INTS.setRelease(region, CONSUMER_NEEDS_WAKEUP_OFFSET, value);
    }

    int readConsumerNeedsWakeup() {
        return (int) INTS.getAcquire(region, CONSUMER_NEEDS_WAKEUP_OFFSET);
    }

    /** The producer announces that it is about to sleep waiting for room (its sleep number), or withdraws (0). */
    void writeProducerNeedsWakeup(int value) {
        INTS.setRelease(region, PRODUCER_NEEDS_WAKEUP_OFFSET, value);
    }

    int readProducerNeedsWakeup() {
        return (int) INTS.getAcquire(region, PRODUCER_NEEDS_WAKEUP_OFFSET);
    }

    /**
     * The full fence (StoreLoad) of the wake-up protocol: between a side's store (its position, or
     * its need-wake-up flag) and its load of the other side's word. Release/acquire alone lets both
     * loads see the old values and a wake-up is lost (the Dekker pattern).
     */
    void fence() {
        VarHandle.fullFence();
    }

    // ---- records (TLA+: ReadSlot, WritePadding, WriteRecordHeader, ReadRecordHeader) ----
    // The producer writes headers by CAS from the value it read at the claim (ReadSlot): a holder
    // that was taken over meanwhile finds the new holder's header or padding there and fails.

    /**
     * ReadSlot: the header word at {@code index}, read before the claim's payload is written. An
     * acquire load, so the producer's next load (the position word's epoch, CheckEpoch) cannot be
     * satisfied before it: a weaker order could see our epoch, then a taker's padding here.
     */
    long readSlot(int index) {
        return (long) LONGS.getAcquire(region, HEADER_LENGTH + index);
    }

    /** WritePadding: a padding of {@code length} bytes after its header, by CAS from the value read at the claim. */
    boolean writePadding(int index, long expected, int length) {
        return LONGS.compareAndSet(region, HEADER_LENGTH + index, expected, packHeader(length, PADDING_TYPE));
    }

    /** WriteRecordHeader: commits a record, by CAS from the value read at the claim. */
    boolean writeRecordHeader(int index, long expected, int length, int type) {
        return LONGS.compareAndSet(region, HEADER_LENGTH + index, expected, packHeader(length, type));
    }

    /** One 64-bit read of a record header: the caller decodes and validates this single snapshot. */
    long readRecordHeader(int index) {
        return region.getLong(HEADER_LENGTH + index);
    }

    // ---- payload (TLA+: WritePayload, ReadPayload); offsets are data-region indices ----

    void writePayload(int index, byte[] src, int srcOffset, int length) {
        region.put(HEADER_LENGTH + index, src, srcOffset, length);
    }

    void writePayload(int index, ByteBuffer src, int srcOffset, int length) {
        region.put(HEADER_LENGTH + index, src, srcOffset, length);
    }

    void writePayloadByte(int index, byte value) {
        region.put(HEADER_LENGTH + index, value);
    }

    void writePayloadInt(int index, int value) {
        region.putInt(HEADER_LENGTH + index, value);
    }

    void writePayloadLong(int index, long value) {
        region.putLong(HEADER_LENGTH + index, value);
    }

    void readPayload(int index, byte[] dst, int dstOffset, int length) {
        region.get(HEADER_LENGTH + index, dst, dstOffset, length);
    }

    void readPayload(int index, ByteBuffer dst, int dstOffset, int length) {
        dst.put(dstOffset, region, HEADER_LENGTH + index, length);
    }

    byte readPayloadByte(int index) {
        return region.get(HEADER_LENGTH + index);
    }

    int readPayloadInt(int index) {
        return region.getInt(HEADER_LENGTH + index);
    }

    long readPayloadLong(int index) {
        return region.getLong(HEADER_LENGTH + index);
    }
}
