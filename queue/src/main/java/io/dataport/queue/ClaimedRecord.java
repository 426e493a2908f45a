package io.dataport.queue;

import java.nio.ByteBuffer;

/**
 * The payload of a record claimed by {@link RingProducer#tryClaim(int, int)}, written in place in
 * shared memory. One instance per producer is reused for every claim (no allocation); it is valid
 * until the claim is committed or aborted, or until its producer fails (poisoned or fenced out: every
 * write then throws that failure). Offsets are relative to the payload's first byte and
 * every write is checked against the claimed length. Multi-byte values are little-endian.
 */
public final class ClaimedRecord {
    private final SharedRing ring;
    /** The producer that owns this claim: a fault of the mapping poisons it. */
    private final RingEnd owner;
    private int payloadIndex;
    private int length = -1;

    ClaimedRecord(SharedRing ring, RingEnd owner) {
        this.ring = ring;
        this.owner = owner;
    }

    void wrap(int payloadIndex, int length) {
        this.payloadIndex = payloadIndex;
        this.length = length;
    }

    void clear() {
        this.length = -1;
    }

    /** Payload bytes claimed. */
    public int length() {
        checkOpen();
        return length;
    }

    public ClaimedRecord putByte(int offset, byte value) {
        check(offset, Byte.BYTES);
        try {
            ring.writePayloadByte(payloadIndex + offset, value);
        } catch (InternalError e) {
            throw owner.mappingFault(e);
        }
        return this;
    }

    public ClaimedRecord putInt(int offset, int value) {
        check(offset, Integer.BYTES);
        try {
            ring.writePayloadInt(payloadIndex + offset, value);
        } catch (InternalError e) {
            throw owner.mappingFault(e);
        }
        return this;
    }

    public ClaimedRecord putLong(int offset, long value) {
        check(offset, Long.BYTES);
        try {
            ring.writePayloadLong(payloadIndex + offset, value);
        } catch (InternalError e) {
            throw owner.mappingFault(e);
        }
        return this;
    }

    public ClaimedRecord putBytes(int offset, byte[] src, int srcOffset, int count) {
        Checks.checkSource(srcOffset, count, src.length);
        check(offset, count);
        try {
            ring.writePayload(payloadIndex + offset, src, srcOffset, count);
        } catch (InternalError e) {
            throw owner.mappingFault(e);
        }
        return this;
    }

    /** Copies {@code count} bytes of {@code src} from its absolute index {@code srcIndex}; src's position is unchanged. */
    public ClaimedRecord putBytes(int offset, ByteBuffer src, int srcIndex, int count) {
        Checks.checkSource(srcIndex, count, src.limit());
        check(offset, count);
        try {
            ring.writePayload(payloadIndex + offset, src, srcIndex, count);
        } catch (InternalError e) {
            throw owner.mappingFault(e);
        }
        return this;
    }

    private void check(int offset, int size) {
        checkOpen();
        Checks.checkRange(offset, size, length);
    }

    /** No open claim: the producer's failure if it failed (it closes its claim then), else a misuse. */
    private void checkOpen() {
        if (length < 0) {
            owner.checkUsable();
            throw new IllegalStateException("no open claim: the record was already committed or aborted");
        }
    }
}
