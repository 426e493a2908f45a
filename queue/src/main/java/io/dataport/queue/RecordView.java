package io.dataport.queue;

import java.nio.ByteBuffer;

/**
 * A record delivered to a {@link RecordHandler}, read in place in shared memory (zero copy). One
 * instance per consumer is reused (no allocation); it is valid only during
 * {@link RecordHandler#onRecord(RecordView)}. The length and type were read once and validated; the
 * payload bytes are shared memory, so a hostile producer could still change them while you read:
 * copy them out first ({@link RingConsumer#read(ByteBuffer)}) when the peer is not trusted.
 */
public final class RecordView {
    private final SharedRing ring;
    private int payloadIndex;
    private int length = -1;
    private int type;

    RecordView(SharedRing ring) {
        this.ring = ring;
    }

    void wrap(int payloadIndex, int length, int type) {
        this.payloadIndex = payloadIndex;
        this.length = length;
        this.type = type;
    }

    void clear() {
        this.length = -1;
    }

    /** Payload bytes of this record. */
    public int length() {
        checkOpen();
        return length;
    }

    /** The application type given to {@link RingProducer#tryClaim(int, int)} ({@code >= 0}). */
    public int type() {
        checkOpen();
        return type;
    }

    public byte getByte(int offset) {
        check(offset, Byte.BYTES);
        return ring.readPayloadByte(payloadIndex + offset);
    }

    public int getInt(int offset) {
        check(offset, Integer.BYTES);
        return ring.readPayloadInt(payloadIndex + offset);
    }

    public long getLong(int offset) {
        check(offset, Long.BYTES);
        return ring.readPayloadLong(payloadIndex + offset);
    }

    public void getBytes(int offset, byte[] dst, int dstOffset, int count) {
        Checks.checkSource(dstOffset, count, dst.length);
        check(offset, count);
        ring.readPayload(payloadIndex + offset, dst, dstOffset, count);
    }

    /** Copies {@code count} bytes into {@code dst} at its absolute index {@code dstIndex}; dst's position is unchanged. */
    public void getBytes(int offset, ByteBuffer dst, int dstIndex, int count) {
        Checks.checkSource(dstIndex, count, dst.limit());
        check(offset, count);
        ring.readPayload(payloadIndex + offset, dst, dstIndex, count);
    }

    private void check(int offset, int size) {
        checkOpen();
        Checks.checkRange(offset, size, length);
    }

    private void checkOpen() {
        if (length < 0) {
            throw new IllegalStateException("record view used outside RecordHandler.onRecord");
        }
    }
}
