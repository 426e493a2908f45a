package io.dataport.bench.xproc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The message every system carries, so that every system moves the same bytes: a fixed body
 * pattern, the sequence number in bytes 0..7 and a trailer word derived from it in the last 8
 * bytes (little-endian). A consumer checks in place (sequence + trailer) or copies the whole
 * payload out and checksums it; the expected checksum is computed in O(1) from the sequence number
 * (the checksum is linear in the bytes), so checking costs the consumer the same for every system.
 */
public final class Payload {
    /** The smallest payload: a sequence number and a trailer that do not overlap. */
    public static final int MIN_SIZE = 16;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final int size;
    private final byte[] template;
    private final long baseChecksum;

    public Payload(int size) {
        if (size < MIN_SIZE) {
            throw new IllegalArgumentException("payload size " + size + " is below the minimum " + MIN_SIZE);
        }
        this.size = size;
        this.template = new byte[size];
        for (int i = 8; i < size - 8; i++) {
            template[i] = (byte) (i * 31 + 7);
        }
        this.baseChecksum = checksum(template, size);
    }

    public int size() {
        return size;
    }

    /** The body pattern with zero sequence and trailer: copy it, then write {@link #trailer} and the sequence. */
    public byte[] template() {
        return template;
    }

    /** Offset of the trailer word. */
    public int trailerOffset() {
        return size - 8;
    }

    public static long trailer(long seq) {
        return (seq * 0x9E3779B97F4A7C15L) ^ 0x5DEECE66DL;
    }

    /** Writes a complete message with sequence {@code seq} into {@code dst[0, size)}. */
    public void fill(byte[] dst, long seq) {
        System.arraycopy(template, 0, dst, 0, size);
        LONGS.set(dst, 0, seq);
        LONGS.set(dst, size - 8, trailer(seq));
    }

    /** The little-endian long at {@code offset} of {@code buf}. */
    public static long readLong(byte[] buf, int offset) {
        return (long) LONGS.get(buf, offset);
    }

    /** Sum of the payload's whole longs times odd weights, plus the remaining bytes times their position. */
    public static long checksum(byte[] buf, int size) {
        int longs = size >>> 3;
        long sum = 0;
        for (int i = 0; i < longs; i++) {
            sum += (long) LONGS.get(buf, i << 3) * (2L * i + 1);
        }
        for (int j = longs << 3; j < size; j++) {
            sum += (buf[j] & 0xFFL) * (j + 1);
        }
        return sum;
    }

    /** The checksum of the message with sequence {@code seq}, from the template's and the two words' contributions. */
    public long expectedChecksum(long seq) {
        return baseChecksum + contribution(0, seq) + contribution(size - 8, trailer(seq));
    }

    /** What the 8 bytes of {@code value} at {@code offset} add to {@link #checksum} (it is linear in the bytes). */
    private long contribution(int offset, long value) {
        int wholeLongBytes = (size >>> 3) << 3;
        long sum = 0;
        for (int k = 0; k < 8; k++) {
            long b = (value >>> (8 * k)) & 0xFF;
            int j = offset + k;
            if (j < wholeLongBytes) {
                sum += (b << (8 * (j & 7))) * (2L * (j >>> 3) + 1);
            } else {
                sum += b * (j + 1);
            }
        }
        return sum;
    }
}
