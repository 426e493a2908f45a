package io.dataport.mesh;

import io.dataport.queue.RecordView;
import java.nio.ByteBuffer;

/**
 * A received packet, read in place in the link's ring (zero copy). One instance per node is reused;
 * it is valid only during {@link PacketHandler#onPacket(Packet)}. Offsets are relative to the
 * packet's first byte (the mesh header is hidden). Multi-byte values are little-endian.
 *
 * <p>The bytes are shared memory that the sending process could still change while you read: copy
 * them out ({@link #getBytes}) before you trust them, as the perf server does before it checks a
 * checksum.
 */
public final class Packet {
    private RecordView record;
    private int from;
    private long seq;
    private int length;

    Packet() {
    }

    void wrap(int from, long seq, RecordView record) {
        this.from = from;
        this.seq = seq;
        this.record = record;
        this.length = record.length() - MeshConfig.HEADER_LENGTH;
    }

    void clear() {
        this.record = null;
    }

    /** The node that sent this packet. */
    public int from() {
        check();
        return from;
    }

    /**
     * The packet's sequence number on its link: strictly increasing for the life of the link's ring
     * file (it is the byte position of the packet's record in the ring, so it has gaps), and the same
     * when a restarted receiver is handed an unacknowledged packet again. An application that keeps
     * state across its own restarts drops a packet whose {@code seq} is not above the last it handled.
     */
    public long seq() {
        check();
        return seq;
    }

    /** The record type the sender gave ({@code >= 0}). */
    public int type() {
        check();
        return record.type();
    }

    /** Bytes of the packet. */
    public int length() {
        check();
        return length;
    }

    public byte getByte(int offset) {
        check(offset, Byte.BYTES);
        return record.getByte(MeshConfig.HEADER_LENGTH + offset);
    }

    public int getInt(int offset) {
        check(offset, Integer.BYTES);
        return record.getInt(MeshConfig.HEADER_LENGTH + offset);
    }

    public long getLong(int offset) {
        check(offset, Long.BYTES);
        return record.getLong(MeshConfig.HEADER_LENGTH + offset);
    }

    public void getBytes(int offset, byte[] dst, int dstOffset, int count) {
        check(offset, count);
        record.getBytes(MeshConfig.HEADER_LENGTH + offset, dst, dstOffset, count);
    }

    /** Copies {@code count} bytes into {@code dst} at its absolute index {@code dstIndex}; dst's position is unchanged. */
    public void getBytes(int offset, ByteBuffer dst, int dstIndex, int count) {
        check(offset, count);
        record.getBytes(MeshConfig.HEADER_LENGTH + offset, dst, dstIndex, count);
    }

    /** A copy of the whole packet. */
    public byte[] toByteArray() {
        byte[] copy = new byte[length()];
        getBytes(0, copy, 0, copy.length);
        return copy;
    }

    private void check() {
        if (record == null) {
            throw new IllegalStateException("packet used outside PacketHandler.onPacket");
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
