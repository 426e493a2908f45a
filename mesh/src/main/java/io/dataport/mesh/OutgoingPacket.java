package io.dataport.mesh;

import io.dataport.queue.ClaimedRecord;
import java.nio.ByteBuffer;

/**
 * A packet being written in place into a link's ring by a {@link PacketWriter} (zero copy). One
 * instance per link is reused; valid only during {@link PacketWriter#write(OutgoingPacket)}.
 * Offsets are relative to the packet's first byte; multi-byte values are little-endian.
 */
public final class OutgoingPacket {
    private ClaimedRecord record;
    private int length;

    OutgoingPacket() {
    }

    void wrap(ClaimedRecord record, int length) {
        this.record = record;
        this.length = length;
    }

    void clear() {
        this.record = null;
    }

    /** Bytes of the packet. */
    public int length() {
        check();
        return length;
    }

    public OutgoingPacket putByte(int offset, byte value) {
        check(offset, Byte.BYTES);
        record.putByte(MeshConfig.HEADER_LENGTH + offset, value);
        return this;
    }

    public OutgoingPacket putInt(int offset, int value) {
        check(offset, Integer.BYTES);
        record.putInt(MeshConfig.HEADER_LENGTH + offset, value);
        return this;
    }

    public OutgoingPacket putLong(int offset, long value) {
        check(offset, Long.BYTES);
        record.putLong(MeshConfig.HEADER_LENGTH + offset, value);
        return this;
    }

    public OutgoingPacket putBytes(int offset, byte[] src, int srcOffset, int count) {
        check(offset, count);
        record.putBytes(MeshConfig.HEADER_LENGTH + offset, src, srcOffset, count);
        return this;
    }

    /** Copies {@code count} bytes of {@code src} from its absolute index {@code srcIndex}; src's position is unchanged. */
    public OutgoingPacket putBytes(int offset, ByteBuffer src, int srcIndex, int count) {
        check(offset, count);
        record.putBytes(MeshConfig.HEADER_LENGTH + offset, src, srcIndex, count);
        return this;
    }

    private void check() {
        if (record == null) {
            throw new IllegalStateException("outgoing packet used outside PacketWriter.write");
        }
    }

    private void check(int offset, int size) {
        check();
        if (offset < 0 || size < 0 || offset > length - size) {
            throw new IndexOutOfBoundsException("bytes [" + offset + ", " + offset + " + " + size
                    + ") are outside the packet of " + length + " bytes");
        }
    }
}
