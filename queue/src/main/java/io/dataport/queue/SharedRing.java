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
 *   <li><b>Commit in the record</b> (layout version 3): a record is committed by the store of its
 *       header. In a region's ring that is a <b>compare-and-set</b> (volatile: a release and more)
 *       from the value read at the claim ({@link #readSlot}, {@link #writeRecordHeader},
 *       {@link #writePadding}), which fails for a holder that was taken over; in a ring file, whose
 *       lock proves that no earlier holder still runs, a <b>release</b> store
 *       ({@link #releaseRecordHeader}, {@link #releasePadding}; decision 1703). The consumer
 *       reads each header once with an <b>acquire</b> load ({@link #readRecordHeader}), so the
 *       payload written before it is visible. Before a header is stored, the producer writes the
 *       <b>end marker</b> where the next record will start ({@link #writeEndMarker}, an opaque
 *       store ordered by the header's store): the slot the consumer reads next always holds the end
 *       marker or a header written for it in this lap, never stale bytes.</li>
 *   <li>Position words are written by CAS from the word last written: the consumer's once per
 *       batch ({@link #publishConsumerPosition}), read by the producer with an acquire load for
 *       back-pressure; the producer's is only a recovery hint ({@link #publishProducerPosition}).
 *       The CAS fails for a holder whose role was taken over: the taker put its own epoch in the
 *       word.</li>
 *   <li>Payload bytes are plain stores and plain loads.</li>
 *   <li>The creator writes the end marker at the first record slot, then the magic word last,
 *       with a release store; an opener reads it first, with an acquire load, so a visible magic
 *       implies a complete header.</li>
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

    /** The ring file's whole mapping (header page, then data region), or null for a region's ring. */
    private final ByteBuffer region;
    /** The header page (4096 bytes), little-endian. */
    private final ByteBuffer header;
    /** The data region ({@code capacity} bytes), little-endian: data index i is byte i. */
    private final ByteBuffer data;

    /** A ring file's mapping: the header page, then the data region. */
    SharedRing(ByteBuffer region) {
        if (!region.isDirect()) {
            throw new IllegalArgumentException("a ring needs a direct or mapped buffer");
        }
        this.region = region.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.header = this.region.slice(0, Math.min(HEADER_LENGTH, region.capacity())).order(ByteOrder.LITTLE_ENDIAN);
        this.data = region.capacity() > HEADER_LENGTH
                ? this.region.slice(HEADER_LENGTH, region.capacity() - HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN)
                : ByteBuffer.allocateDirect(0);
    }

    /**
     * A region's ring: its header page and its data region, two views of the region (decision 0906:
     * the header page lies inside the lap prefix of the data region, which no record uses).
     */
    SharedRing(ByteBuffer header, ByteBuffer data) {
        if (!header.isDirect() || !data.isDirect()) {
            throw new IllegalArgumentException("a ring needs a direct or mapped buffer");
        }
        this.region = null;
        this.header = header.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.data = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** An anonymous ring in process memory, for tests and in-process use. */
    static SharedRing allocate(RingConfig config, long tag) {
        SharedRing ring = new SharedRing(ByteBuffer.allocateDirect((int) config.fileLength()));
        ring.initialiseHeader(config, 1, tag);
        return ring;
    }

    /**
     * A release store of a raw 64-bit word at {@code offset}, counted as in a ring file (the header
     * page, then the data region at 4096): for a test that starts a ring at a chosen position or
     * plays a hostile peer. The ring's ends never call it.
     */
    void scribble(int offset, long value) {
        if (offset < HEADER_LENGTH) {
            LONGS.setRelease(header, offset, value);
        } else {
            LONGS.setRelease(data, offset - HEADER_LENGTH, value);
        }
    }

    /** A ring file's whole mapping, for test-only subclasses (a broken ordering variant, a hostile peer). */
    final ByteBuffer region() {
        if (region == null) {
            throw new IllegalStateException("a region's ring has no single mapping");
        }
        return region;
    }

    /** Bytes of the header page and the data region. */
    long regionLength() {
        return (long) header.capacity() + data.capacity();
    }

    // ---- header page: written once by the creator, validated by every opener ----

    void initialiseHeader(RingConfig config, long creationEpoch, long tag) {
        header.putInt(VERSION_OFFSET, LAYOUT_VERSION);
        header.putInt(HEADER_LENGTH_OFFSET, HEADER_LENGTH);
        header.putLong(CAPACITY_OFFSET, config.capacity());
        header.putInt(MAX_RECORD_LENGTH_OFFSET, config.maxRecordLength());
        header.putInt(LAP_PREFIX_OFFSET, config.lapPrefix());
        header.putLong(CREATION_EPOCH_OFFSET, creationEpoch);
        header.putLong(TAG_OFFSET, tag);
        writeEndMarker(config.lapPrefix(), END_MARKER);    // the first record slot: no record yet
        LONGS.setRelease(header, MAGIC_OFFSET, MAGIC);
    }

    long readMagic() {
        return (long) LONGS.getAcquire(header, MAGIC_OFFSET);
    }

    int readLayoutVersion() {
        return header.getInt(VERSION_OFFSET);
    }

    int readHeaderLength() {
        return header.getInt(HEADER_LENGTH_OFFSET);
    }

    long readCapacity() {
        return header.getLong(CAPACITY_OFFSET);
    }

    int readMaxRecordLength() {
        return header.getInt(MAX_RECORD_LENGTH_OFFSET);
    }

    int readLapPrefix() {
        return header.getInt(LAP_PREFIX_OFFSET);
    }

    /** Bytes of the data region as mapped. */
    int dataLength() {
        return data.capacity();
    }

    long readCreationEpoch() {
        return header.getLong(CREATION_EPOCH_OFFSET);
    }

    long readTag() {
        return header.getLong(TAG_OFFSET);
    }

    // ---- position words (TLA+ spec/RingFencing.tla: PublishProducerPosition, FencePosition, ...) ----
    // A position word is epoch16 << 48 | position mod 2^48 (RingLayout.packPosition): written only by
    // compare-and-set, so a holder whose role was taken over (a newer epoch) fails its next write.

    /**
     * The producer position word (acquire): a recovery hint (a record boundary the producer passed)
     * and the epoch a producer checks after ReadSlot. The consumer never reads it.
     */
    long readProducerPosition() {
        return (long) LONGS.getAcquire(header, PRODUCER_POSITION_OFFSET);
    }

    /** PublishProducerPosition (the recovery hint) / FencePosition: one CAS. */
    boolean publishProducerPosition(long expected, long value) {
        return LONGS.compareAndSet(header, PRODUCER_POSITION_OFFSET, expected, value);
    }

    long readConsumerPosition() {
        return (long) LONGS.getAcquire(header, CONSUMER_POSITION_OFFSET);
    }

    /** PublishConsumerPosition / the consumer's fence at attach: one CAS. */
    boolean publishConsumerPosition(long expected, long value) {
        return LONGS.compareAndSet(header, CONSUMER_POSITION_OFFSET, expected, value);
    }

    /** The reservation word: the producer writes records only below its end. */
    long readReservation() {
        return (long) LONGS.getAcquire(header, RESERVATION_OFFSET);
    }

    /** Reserve / FenceReservation: one CAS of the reservation word. */
    boolean casReservation(long expected, long value) {
        return LONGS.compareAndSet(header, RESERVATION_OFFSET, expected, value);
    }

    /** One word of the hole table (0: free). */
    long readHole(int slot) {
        return (long) LONGS.getAcquire(header, HOLE_TABLE_OFFSET + 8 * slot);
    }

    /** RecordHole (from 0) and ReleaseHoles (to 0): one CAS of a hole table word. */
    boolean casHole(int slot, long expected, long value) {
        return LONGS.compareAndSet(header, HOLE_TABLE_OFFSET + 8 * slot, expected, value);
    }

    /**
     * Marks a new incarnation of the producer (a ring file's attach, under its lock); returns the
     * new epoch. The epoch is the high half of the producer's lease word (layout version 2).
     */
    long advanceProducerEpoch() {
        long lease = (long) LONGS.getAcquire(header, PRODUCER_LEASE_OFFSET) + (1L << 32);
        LONGS.setRelease(header, PRODUCER_LEASE_OFFSET, lease);
        return lease >>> 32;
    }

    /** Marks a new incarnation of the consumer; returns the new epoch (see {@link #advanceProducerEpoch}). */
    long advanceConsumerEpoch() {
        long lease = (long) LONGS.getAcquire(header, CONSUMER_LEASE_OFFSET) + (1L << 32);
        LONGS.setRelease(header, CONSUMER_LEASE_OFFSET, lease);
        return lease >>> 32;
    }

    long readProducerEpoch() {
        return (long) LONGS.getAcquire(header, PRODUCER_LEASE_OFFSET) >>> 32;
    }

    long readConsumerEpoch() {
        return (long) LONGS.getAcquire(header, CONSUMER_LEASE_OFFSET) >>> 32;
    }

    // ---- lease words and heartbeats (TLA+ spec/LeaseExpiry.tla: Claim, Beat, Observe) ----

    /** The lease word of a role: epoch in the high half, the holder's identity (0: free) in the low half. */
    long readLease(Role role) {
        return (long) LONGS.getVolatile(header, role.leaseOffset);
    }

    /** Claim, takeover and release of a role: one compare-and-set of its lease word. */
    boolean casLease(Role role, long expected, long value) {
        return LONGS.compareAndSet(header, role.leaseOffset, expected, value);
    }

    long readHeartbeat(Role role) {
        return (long) LONGS.getAcquire(header, role.heartbeatOffset);
    }

    /** Beat: the holder's counter moves; only the holder writes it. */
    void writeHeartbeat(Role role, long value) {
        LONGS.setRelease(header, role.heartbeatOffset, value);
    }

    /** Whether any control word of the header page (positions, leases, heartbeats, flags, holes) is not 0. */
    boolean hasControlState() {
        for (int offset = PRODUCER_POSITION_OFFSET; offset < PRODUCER_NEEDS_WAKEUP_OFFSET + 128; offset += 8) {
            if (header.getLong(offset) != 0) {
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
        INTS.setRelease(header, CONSUMER_NEEDS_WAKEUP_OFFSET, value);
    }

    int readConsumerNeedsWakeup() {
        return (int) INTS.getAcquire(header, CONSUMER_NEEDS_WAKEUP_OFFSET);
    }

    /** The producer announces that it is about to sleep waiting for room (its sleep number), or withdraws (0). */
    void writeProducerNeedsWakeup(int value) {
        INTS.setRelease(header, PRODUCER_NEEDS_WAKEUP_OFFSET, value);
    }

    int readProducerNeedsWakeup() {
        return (int) INTS.getAcquire(header, PRODUCER_NEEDS_WAKEUP_OFFSET);
    }

    /**
     * The full fence (StoreLoad) of the wake-up protocol: between a side's store (its position, or
     * its need-wake-up flag) and its load of the other side's word. Release/acquire alone lets both
     * loads see the old values and a wake-up is lost (the Dekker pattern).
     */
    void fence() {
        VarHandle.fullFence();
    }

    // ---- records (TLA+: ReadSlot, WriteEndMarker, WritePadding, WriteRecordHeader, Publish,
    //      ReadRecordHeader, ScanForEnd) ----
    // The producer writes headers by CAS from the value it read at the claim (ReadSlot): a holder
    // that was taken over meanwhile finds the new holder's header or padding there and fails.

    /**
     * ReadSlot: the header word at {@code index}, read before the claim's payload is written. An
     * acquire load, so the producer's next load (the position word's epoch, CheckEpoch) cannot be
     * satisfied before it: a weaker order could see our epoch, then a taker's padding here.
     */
    long readSlot(int index) {
        return (long) LONGS.getAcquire(data, index);
    }

    /**
     * WriteEndMarker: the end marker {@code value} ("no record here yet", with its writer's epoch) at
     * {@code index}, where the next record will start. An opaque store (one 8-byte write, never
     * torn); the CAS of the header that lets the consumer reach this slot comes after it and orders it.
     */
    void writeEndMarker(int index, long value) {
        LONGS.setOpaque(data, index, value);
    }

    /**
     * WriteEndMarker at the first slot of a lap: a CAS from the value read there before CheckEpoch,
     * so that a holder that lost its role cannot store one late over a taker's padding there
     * (spec/RingFencing.tla, the mutant FencingPlainEndMarkerAtLapStart).
     */
    boolean casEndMarker(int index, long expected, long value) {
        return LONGS.compareAndSet(data, index, expected, value);
    }

    /** WritePadding: a padding of {@code length} bytes after its header, by CAS from the value read at the claim. */
    boolean writePadding(int index, long expected, int length) {
        return LONGS.compareAndSet(data, index, expected, packHeader(length, PADDING_TYPE));
    }

    /** WriteRecordHeader / Publish: commits a record, by CAS from the value read at the claim. */
    boolean writeRecordHeader(int index, long expected, int length, int type) {
        return LONGS.compareAndSet(data, index, expected, packHeader(length, type));
    }

    /**
     * WriteRecordHeader / Publish where no earlier holder can still run (a ring file, under its
     * lock): a release store, so the payload and the end marker stored before it are visible first.
     */
    void releaseRecordHeader(int index, int length, int type) {
        LONGS.setRelease(data, index, packHeader(length, type));
    }

    /** WritePadding where no earlier holder can still run: a release store (see {@link #releaseRecordHeader}). */
    void releasePadding(int index, int length) {
        LONGS.setRelease(data, index, packHeader(length, PADDING_TYPE));
    }

    /**
     * ReadRecordHeader: the consumer's one acquire load of a header word. The caller decodes and
     * validates this single snapshot; the acquire makes the payload stored before it visible.
     */
    long readRecordHeader(int index) {
        return (long) LONGS.getAcquire(data, index);
    }

    /** ScanForEnd: a restarted producer's acquire load of a header word, on its way to the end marker. */
    long scanForEnd(int index) {
        return (long) LONGS.getAcquire(data, index);
    }

    // ---- payload (TLA+: WritePayload, ReadPayload); offsets are data-region indices ----

    void writePayload(int index, byte[] src, int srcOffset, int length) {
        data.put(index, src, srcOffset, length);
    }

    void writePayload(int index, ByteBuffer src, int srcOffset, int length) {
        data.put(index, src, srcOffset, length);
    }

    void writePayloadByte(int index, byte value) {
        data.put(index, value);
    }

    void writePayloadInt(int index, int value) {
        data.putInt(index, value);
    }

    void writePayloadLong(int index, long value) {
        data.putLong(index, value);
    }

    void readPayload(int index, byte[] dst, int dstOffset, int length) {
        data.get(index, dst, dstOffset, length);
    }

    void readPayload(int index, ByteBuffer dst, int dstOffset, int length) {
        dst.put(dstOffset, data, index, length);
    }

    byte readPayloadByte(int index) {
        return data.get(index);
    }

    int readPayloadInt(int index) {
        return data.getInt(index);
    }

    long readPayloadLong(int index) {
        return data.getLong(index);
    }
}
