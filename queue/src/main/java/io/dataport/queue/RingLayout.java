package io.dataport.queue;

/**
 * The byte layout of a ring file: every offset and size of the shared region, named once.
 * This class is the code side of {@code docs/layout.md}; the two must say the same thing.
 *
 * <pre>
 * file offset  size  field                      written by        access
 * ---------------------------------------------------------------------------------------
 *   0          8     magic "DATAPORT"           creator, last      release / acquire
 *   8          4     layout version (1)         creator            plain, before magic
 *  12          4     header length (4096)       creator            plain, before magic
 *  16          8     capacity (bytes)           creator            plain, before magic
 *  24          4     max record length          creator            plain, before magic
 *  28          4     reserved (0)
 *  32          8     creation epoch             creator            plain, before magic
 *  40          8     tag (application's id)     creator            plain, before magic
 * 128          8     producer position          producer           release / acquire
 * 136          8     producer lease word        producer (attach)  CAS / volatile (epoch:32 | holder:32)
 * 144          8     producer heartbeat         producer's keeper  release / acquire
 * 256          8     consumer position          consumer           release / acquire
 * 264          8     consumer lease word        consumer (attach)  CAS / volatile (epoch:32 | holder:32)
 * 272          8     consumer heartbeat         consumer's keeper  release / acquire
 * 384          4     consumer needs wake-up     consumer           release / acquire + full fence
 * 512          4     producer needs wake-up     producer           release / acquire + full fence
 * 4096         cap   data region: records
 * </pre>
 *
 * Each group that one side writes starts on its own 128-byte boundary (two cache lines, because
 * adjacent-line prefetch makes 64 too few), so the producer and consumer never write the same line.
 * All multi-byte values are little-endian.
 *
 * <p>A record is an 8-byte header, {@code int32 length} then {@code int32 type}, followed by
 * {@code length} payload bytes, padded to a multiple of {@link #RECORD_ALIGNMENT}. A record never
 * wraps: when it does not fit before the end of the data region, the producer first writes a
 * padding record (type {@link #PADDING_TYPE}) whose length runs exactly to the end.
 */
public final class RingLayout {
    private RingLayout() {
    }

    /** "DATAPORT" in ASCII, read as a little-endian 64-bit word. */
    public static final long MAGIC = 0x54524F5041544144L;
    /** Version 2: the epoch words became lease words and the heartbeats are used (docs/layout.md). */
    public static final int LAYOUT_VERSION = 2;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int HEADER_LENGTH_OFFSET = 12;
    public static final int CAPACITY_OFFSET = 16;
    public static final int MAX_RECORD_LENGTH_OFFSET = 24;
    public static final int CREATION_EPOCH_OFFSET = 32;
    public static final int TAG_OFFSET = 40;

    public static final int PRODUCER_POSITION_OFFSET = 128;
    public static final int PRODUCER_LEASE_OFFSET = 136;
    public static final int PRODUCER_HEARTBEAT_OFFSET = 144;
    public static final int CONSUMER_POSITION_OFFSET = 256;
    public static final int CONSUMER_LEASE_OFFSET = 264;
    public static final int CONSUMER_HEARTBEAT_OFFSET = 272;
    public static final int CONSUMER_NEEDS_WAKEUP_OFFSET = 384;
    public static final int PRODUCER_NEEDS_WAKEUP_OFFSET = 512;

    /** Length of the header page; the data region starts here. */
    public static final int HEADER_LENGTH = 4096;

    public static final int RECORD_HEADER_LENGTH = 8;
    public static final int RECORD_ALIGNMENT = 8;
    /** Type of a padding record. Application types are {@code >= 0}; every other negative type is corrupt. */
    public static final int PADDING_TYPE = -1;

    public static final int MIN_CAPACITY = 64;
    public static final int MAX_CAPACITY = 1 << 30;

    /** Bytes a record with {@code length} payload bytes occupies in the data region. */
    public static int recordSize(int length) {
        return (RECORD_HEADER_LENGTH + length + RECORD_ALIGNMENT - 1) & -RECORD_ALIGNMENT;
    }

    /**
     * The largest max record length a ring of {@code capacity} bytes accepts: a record of that
     * length takes at most half the ring, so an empty ring always has room for it even after a
     * padding record (see docs/decisions/0002-max-record-length.md).
     */
    public static int maxRecordLengthFor(int capacity) {
        return capacity / 2 - RECORD_HEADER_LENGTH;
    }

    /** The record header as one 64-bit little-endian word: length in the low half, type in the high half. */
    static long packHeader(int length, int type) {
        return (length & 0xFFFF_FFFFL) | ((long) type << 32);
    }

    static int headerLength(long header) {
        return (int) header;
    }

    static int headerType(long header) {
        return (int) (header >>> 32);
    }

    static boolean isPowerOfTwo(long value) {
        return value > 0 && (value & (value - 1)) == 0;
    }
}
