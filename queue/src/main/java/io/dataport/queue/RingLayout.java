package io.dataport.queue;

/**
 * The byte layout of a ring file: every offset and size of the shared region, named once.
 * This class is the code side of {@code docs/layout.md}; the two must say the same thing.
 *
 * <pre>
 * file offset  size  field                      written by        access
 * ---------------------------------------------------------------------------------------
 *   0          8     magic "DATAPORT"           creator, last      release / acquire
 *   8          4     layout version (3)         creator            plain, before magic
 *  12          4     header length (4096)       creator            plain, before magic
 *  16          8     capacity (bytes)           creator            plain, before magic
 *  24          4     max record length          creator            plain, before magic
 *  28          4     lap prefix (bytes)         creator            plain, before magic
 *  32          8     creation epoch             creator            plain, before magic
 *  40          8     tag (application's id)     creator            plain, before magic
 * 128          8     producer position word     producer           CAS / acquire  (epoch:16 | position:48), a hint
 * 136          8     producer lease word        producer (attach)  CAS / volatile (epoch:32 | holder:32)
 * 144          8     producer heartbeat         producer's keeper  release / acquire
 * 152          8     reservation word           producer           CAS / acquire  (epoch:16 | end:48)
 * 256          8     consumer position word     consumer           CAS / acquire  (epoch:16 | position:48)
 * 264          8     consumer lease word        consumer (attach)  CAS / volatile (epoch:32 | holder:32)
 * 272          8     consumer heartbeat         consumer's keeper  release / acquire
 * 384          4     consumer needs wake-up     consumer           release / acquire + full fence
 * 512          4     producer needs wake-up     producer           release / acquire + full fence
 * 3072       512     hole table: 64 words       producer takers    CAS / acquire  (epoch:16 | start:24 | length:24)
 * 4096         cap   data region: records       producer           headers: CAS / acquire; end marker: opaque
 * </pre>
 *
 * Each group that one side writes starts on its own 128-byte boundary (two cache lines, because
 * adjacent-line prefetch makes 64 too few), so the producer and consumer never write the same line.
 * All multi-byte values are little-endian.
 *
 * <p>A record is an 8-byte header, {@code int32 length} then {@code int32 type}, followed by
 * {@code length} payload bytes, padded to a multiple of {@link #RECORD_ALIGNMENT}. A record never
 * wraps: when it does not fit before the end of the data region, the producer first writes a
 * padding record (type {@link #PADDING_TYPE}) that runs to the end. A padding may also end before
 * the region end: it covers a hole (below).
 *
 * <p><b>Commit in the record</b> (layout version 3, docs/decisions/1701, {@code spec/DataportRing.tla}):
 * the consumer learns that a record is complete from its header alone. The producer keeps the
 * {@link #END_MARKER} at its frontier: before the header of a record (or padding) is stored, the
 * end marker goes where the next one will start, and a claim needs room for it. So the header slot
 * the consumer reads next holds the end marker or a header written for it in this lap, never
 * stale bytes of an earlier lap nor payload bytes that imitate a header. The producer position is
 * only a recovery hint: a restarted producer scans the headers from it (or from the consumer
 * position, if later) to the end marker.
 *
 * <p><b>Fencing</b> (docs/decisions/0901, {@code spec/RingFencing.tla}): a holder that resumes after
 * its role was taken over must never write where a live record is. The words that decide what the
 * consumer reads carry the 16-bit epoch of the holder that wrote them and are written by
 * compare-and-set, so a stale holder's write fails: the position words and the reservation word
 * ({@code epoch << 48 | position mod 2^48}; a reader rebuilds the 64-bit position from its own,
 * {@link #positionNear}), and the record and padding headers (CAS from the value read at the
 * claim, after which the producer checks that the position word still holds its epoch). A taker
 * records the range the old holder had reserved but not published as a hole; every holder pads
 * over every hole on every lap.
 */
public final class RingLayout {
    private RingLayout() {
    }

    /** "DATAPORT" in ASCII, read as a little-endian 64-bit word. */
    public static final long MAGIC = 0x54524F5041544144L;
    /**
     * Version 3: commit in the record (an end marker at the producer's frontier, the producer
     * position only a recovery hint); version 2 made the epoch words lease words (docs/layout.md).
     */
    public static final int LAYOUT_VERSION = 3;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int HEADER_LENGTH_OFFSET = 12;
    public static final int CAPACITY_OFFSET = 16;
    public static final int MAX_RECORD_LENGTH_OFFSET = 24;
    /**
     * The lap prefix: bytes at the start of every lap of the data region that hold no record (0 in
     * a ring file; in a region, where the ring's header page and the directory live inside the
     * ring's power-of-two span, decision 0906). Both ends skip them without a store.
     */
    public static final int LAP_PREFIX_OFFSET = 28;
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
    /** The producer's reservation word: it writes records only below the end it reserved. */
    public static final int RESERVATION_OFFSET = 152;
    /** The hole table: {@link #HOLE_SLOTS} words, 0 when free. */
    public static final int HOLE_TABLE_OFFSET = 3072;
    public static final int HOLE_SLOTS = 64;

    /** Bits of a position in a position or reservation word; the 16 bits above hold the epoch. */
    public static final int POSITION_BITS = 48;
    public static final long POSITION_MASK = (1L << POSITION_BITS) - 1;
    /** Epochs in fenced words are the low 16 bits of the lease epoch. */
    public static final int EPOCH_MASK = 0xFFFF;

    /** Length of the header page; the data region starts here. */
    public static final int HEADER_LENGTH = 4096;

    public static final int RECORD_HEADER_LENGTH = 8;
    public static final int RECORD_ALIGNMENT = 8;
    /** Type of a padding record. Application types are {@code >= 0}; every other negative type is corrupt. */
    public static final int PADDING_TYPE = -1;
    /** Type of the end marker: the header word where the next record will start ("no record yet"). */
    public static final int END_TYPE = -2;
    /** The end marker the creator writes (epoch 0): {@link #endMarker(int) endMarker(0)}. */
    public static final long END_MARKER = ((long) END_TYPE << 32);

    /**
     * The end marker of the producer of epoch {@code epoch16}, as one header word: type
     * {@link #END_TYPE}, and the writer's 16-bit epoch in the length field. The producer keeps one
     * at its frontier at all times (it writes the next one before the header that passes this one).
     * The epoch makes an end marker written after a takeover differ from every one the old holder
     * read, so the old holder's late header CAS from that value fails (spec/RingFencing.tla, the
     * mutant FencingEndMarkerWithoutEpoch: an ABA).
     */
    public static long endMarker(int epoch16) {
        return (epoch16 & 0xFFFFL) | END_MARKER;
    }

    /** Whether {@code header} is an end marker: type {@link #END_TYPE}, an epoch of 16 bits in the length. */
    public static boolean isEndMarker(long header) {
        return (header & 0xFFFF_FFFF_FFFF_0000L) == END_MARKER;
    }

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
        return maxRecordLengthFor(capacity, 0);
    }

    /**
     * The largest max record length of a ring whose laps start with {@code lapPrefix} unused bytes:
     * a record, the padding before it and the next lap's prefix always fit in an empty ring.
     */
    public static int maxRecordLengthFor(int capacity, int lapPrefix) {
        return (capacity - lapPrefix) / 2 - RECORD_HEADER_LENGTH;
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

    /** A position or reservation word: {@code epoch16 << 48 | position mod 2^48}. */
    static long packPosition(int epoch16, long position) {
        return (long) epoch16 << POSITION_BITS | (position & POSITION_MASK);
    }

    /** The epoch of a position or reservation word. */
    static int wordEpoch(long word) {
        return (int) (word >>> POSITION_BITS);
    }

    /**
     * The 64-bit position of {@code word} nearest to {@code reference}: positions we compare are
     * always within 2^47 bytes of each other, so the 48-bit difference, sign-extended, is exact.
     */
    static long positionNear(long word, long reference) {
        return reference + ((word - reference) << (64 - POSITION_BITS) >> (64 - POSITION_BITS));
    }

    /** Whether epoch {@code a} is newer than {@code b} (16-bit epochs, compared modulo 2^16). */
    static boolean isNewerEpoch(int a, int b) {
        return (short) (a - b) > 0;
    }

    static boolean isPowerOfTwo(long value) {
        return value > 0 && (value & (value - 1)) == 0;
    }
}
