package io.dataport.queue;

import static io.dataport.queue.RingLayout.*;

import java.util.Arrays;

/**
 * The hole table of a ring and the producer's copy of it (docs/decisions/0901,
 * {@code spec/RingFencing.tla}: RecordHole, ReleaseHoles, TryClaim's padding over holes).
 *
 * <h2>What a hole is</h2>
 * When a producer's role is taken over, the old holder may still be running (a paused VM) and may
 * still store payload bytes anywhere in the range it had reserved but not published, {@code [P, R)}.
 * The taker records that range as a hole, tagged with the epoch of the holder that may still write
 * there, and every holder writes a padding over every hole on every lap, so no record ever lives
 * where a late store may land. A hole is removed only by the holder it fenced, once that holder
 * learned it lost (every store it makes comes before). A holder that never comes back leaves its
 * hole: that costs capacity, never data; a region reset clears it.
 *
 * <h2>Encoding</h2>
 * One 64-bit word per hole, 0 when the slot is free: {@code epoch16 << 48 | start << 24 | length},
 * start and length in units of {@link #unit} bytes (8 up to 128 MiB of capacity, more above).
 * A hole is rounded outwards to units: a larger hole is only conservative. Slots are taken with a
 * compare-and-set from 0 and freed with a compare-and-set to 0. The words are peer input: a hole
 * outside the data region poisons the producer that reads it.
 *
 * <h2>The largest gap (decision 1801)</h2>
 * A hole lives until the holder it fenced comes back, which may be never (a paused VM may resume at
 * any time, so no hole can expire). A record can only be placed in a gap between holes; one larger
 * than every gap would make the producer pad round the ring for ever. {@link #load} therefore also
 * computes {@link #largestGap}, and the producer refuses a claim of a record larger than it.
 */
final class Holes {
    private static final int FIELD_BITS = 24;
    private static final int FIELD_MASK = (1 << FIELD_BITS) - 1;

    private final SharedRing ring;
    private final int capacity;
    private final int mask;
    private final int lapPrefix;
    private final int unitShift;
    private final int[] starts = new int[HOLE_SLOTS];
    private final int[] lengths = new int[HOLE_SLOTS];
    /** Scratch for {@link #computeLargestGap}: a hole's piece before the region end, {@code from << 32 | to}. */
    private final long[] pieces = new long[HOLE_SLOTS];
    private int count;
    private int largestGap;

    /** The hole copy of a ring without a lap prefix (a ring file, an in-memory ring). */
    Holes(SharedRing ring, int capacity) {
        this(ring, capacity, 0);
    }

    /** The hole copy of a ring whose laps start with {@code lapPrefix} bytes that hold no record. */
    Holes(SharedRing ring, int capacity, int lapPrefix) {
        this.ring = ring;
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.lapPrefix = lapPrefix;
        this.unitShift = unitShift(capacity);
    }

    /** log2 of the unit of hole starts and lengths: 8 bytes, or capacity / 2^24 when that is larger. */
    static int unitShift(int capacity) {
        return Math.max(3, Integer.numberOfTrailingZeros(capacity) - FIELD_BITS);
    }

    /** The unit of hole starts and lengths, in bytes. */
    static int unit(int capacity) {
        return 1 << unitShift(capacity);
    }

    static int epochOf(long word) {
        return (int) (word >>> 48);
    }

    /**
     * RecordHole: adds {@code [index, index + length)} (wrapping at the region end) as a hole that
     * the holder of {@code epoch16} may still write into. Returns false when it covers the whole
     * ring once rounded to units, or when every slot is taken.
     */
    static boolean record(SharedRing ring, int capacity, int epoch16, int index, long length) {
        int shift = unitShift(capacity);
        long start = index >>> shift;
        long end = (index + length + (1L << shift) - 1) >>> shift;
        long units = end - start;
        if (units << shift >= capacity) {
            return false;
        }
        long word = (long) (epoch16 & EPOCH_MASK) << 48 | start << FIELD_BITS | units;
        for (int slot = 0; slot < HOLE_SLOTS; slot++) {
            if (ring.readHole(slot) == 0 && ring.casHole(slot, 0, word)) {
                return true;
            }
        }
        return false;
    }

    /** ReleaseHoles: frees every hole of {@code epoch16}; its holder made its last store before. */
    static void release(SharedRing ring, int epoch16) {
        releaseWhere(ring, epoch16);
    }

    /** Frees every hole: only when the kernel proves that no earlier holder can store again (a ring file's lock). */
    static void releaseAll(SharedRing ring) {
        releaseWhere(ring, -1);
    }

    /** Frees the holes of {@code epoch16}, or all of them for -1, each by CAS to 0. */
    private static void releaseWhere(SharedRing ring, int epoch16) {
        for (int slot = 0; slot < HOLE_SLOTS; slot++) {
            long word = ring.readHole(slot);
            if (word != 0 && (epoch16 < 0 || epochOf(word) == epoch16)) {
                ring.casHole(slot, word, 0);
            }
        }
    }

    /**
     * Re-reads the table into this copy (at attach, and once per lap: a stale copy only pads more)
     * and computes the {@link #largestGap} of the holes read. Returns the problem with a word that is
     * not a hole of this ring, or null.
     */
    String load() {
        count = 0;
        for (int slot = 0; slot < HOLE_SLOTS; slot++) {
            long word = ring.readHole(slot);
            if (word == 0) {
                continue;
            }
            long start = (word >>> FIELD_BITS & FIELD_MASK) << unitShift;
            long length = (word & FIELD_MASK) << unitShift;
            if (start >= capacity || length == 0 || length >= capacity) {
                return String.format("hole table slot %d holds 0x%016x: start %d, length %d do not fit a data"
                        + " region of %d bytes", slot, word, start, length, capacity);
            }
            starts[count] = (int) start;
            lengths[count] = (int) length;
            count++;
        }
        largestGap = computeLargestGap();
        return null;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** The number of holes in this copy. */
    int count() {
        return count;
    }

    /**
     * The largest gap of the last {@link #load}: the length of the largest range of data indices
     * {@code [a, b)} inside {@code [lapPrefix, capacity)} that holds no index any hole covers. It
     * may end at the region end ({@code b = capacity}: a record may end there) or at a hole's start.
     * With no holes it is {@code capacity - lapPrefix}. A record of at most this many bytes (its
     * {@link RingLayout#recordSize}) fits in it; a larger one fits nowhere, on any lap.
     */
    int largestGap() {
        return largestGap;
    }

    /**
     * Computes {@link #largestGap}. A hole covers the indices {@code start .. start + length - 1}
     * modulo the capacity: a piece before the region end, clipped to {@code [lapPrefix, capacity)},
     * and, when it wraps, a part {@code [0, start + length - capacity)} at the lap's start, which
     * covers the lap from the prefix up to its end when that lies past the prefix. The sweep thus
     * starts at the prefix or past the farthest wrapped part, then takes the pieces in order of
     * start: a gap runs from the farthest end seen so far to the next piece's start, and the last
     * one to the region end. (A piece inside the prefix ends at or before the sweep's start.)
     */
    private int computeLargestGap() {
        long cursor = lapPrefix;
        for (int i = 0; i < count; i++) {
            long end = (long) starts[i] + lengths[i];
            pieces[i] = (long) Math.max(starts[i], lapPrefix) << 32 | Math.min(end, capacity);
            cursor = Math.max(cursor, end - capacity);           // the part that wraps into the lap's start
        }
        Arrays.sort(pieces, 0, count);
        long largest = 0;
        for (int i = 0; i < count; i++) {
            largest = Math.max(largest, (pieces[i] >>> 32) - cursor);
            cursor = Math.max(cursor, pieces[i] & 0xFFFF_FFFFL);
        }
        return (int) Math.max(largest, capacity - cursor);
    }

    /**
     * The padding due at {@code index} before a record of {@code size} bytes may be written there
     * ({@code toEnd} bytes before the region end), 0 when none: to the end of the hole that holds
     * {@code index} (or the region end, if sooner); else to the region end when the record does not
     * fit before it; else to the start of a hole the record would overlap. A padding, like a record,
     * never crosses the region end; its length is a multiple of 8 because units are.
     */
    int paddingAt(int index, int size, int toEnd) {
        for (int i = 0; i < count; i++) {
            int into = (index - starts[i]) & mask;
            if (into < lengths[i]) {
                return Math.min(lengths[i] - into, toEnd);
            }
        }
        if (size > toEnd) {
            return toEnd;
        }
        int pad = 0;
        for (int i = 0; i < count; i++) {
            int before = (starts[i] - index) & mask;
            if (before < size && (pad == 0 || before < pad)) {
                pad = before;
            }
        }
        return pad;
    }
}
