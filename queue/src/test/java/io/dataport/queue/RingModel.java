package io.dataport.queue;

import java.util.ArrayDeque;

/**
 * The sequential reference model of one ring, for the Lincheck tests ({@link RingLincheckTest}).
 *
 * <p>It knows nothing of shared memory: the ring is a FIFO of entries (records and padding), each
 * with the bytes it occupies, and two byte counters (the producer's position and the consumer's).
 * It follows the byte accounting of {@code docs/layout.md} literally, so its answers to "is there
 * room", "how many bytes are free" and "where is the consumer now" must match the ring exactly:
 * <ul>
 *   <li>a record of {@code length} payload bytes occupies {@code align8(8 + length)} bytes;</li>
 *   <li>a record that does not fit in the bytes left before the region end is preceded by a padding
 *       entry covering exactly those bytes; a record that fills them exactly is not;</li>
 *   <li>a claim needs the record's bytes plus any padding free, counted from the position the
 *       consumer last published;</li>
 *   <li>a padding entry is written (and counted) at claim time, even if the claim is then
 *       aborted;</li>
 *   <li>the consumer re-reads the producer position only when its cached copy says "empty", and a
 *       batch never goes past that cached copy (so a batch may return fewer records than are
 *       published: that is the design, decision 5 of the brief).</li>
 * </ul>
 *
 * Positions here count from 0; the ring under test starts at {@link #START} (close to the wrap of
 * the 48-bit position field of the position words, at data offset {@link #START_OFFSET}), so the
 * tests also cover wrapping arithmetic.
 * Every method answers exactly like the operation of the same name in {@link RingLincheckTest}.
 */
public final class RingModel {
    /** Small, so that a scenario of a few operations wraps the region several times. */
    public static final int CAPACITY = 64;
    /** The largest the capacity allows ({@link RingLayout#maxRecordLengthFor}): a record of this length takes half the ring. */
    public static final int MAX_LENGTH = CAPACITY / 2 - 8;
    /** Where the ring under test starts: 24 bytes before the end of the region and of the 48-bit position field. */
    public static final long START = RingLayout.POSITION_MASK - 23;
    public static final int START_OFFSET = (int) (START & (CAPACITY - 1));

    private record Entry(long at, int size, boolean padding, int length, int type, long seq) {
    }

    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    /** The producer's position: every committed record and every padding written so far. */
    private long tail;
    /** The producer position as last published. */
    private long published;
    /** The consumer's position (published at the end of every poll that moved it). */
    private long head;
    /** The consumer's cached copy of the producer position. */
    private long cached;
    /** Sequence number of the next committed record: it determines the payload and the type. */
    private long nextSeq;

    public RingModel() {
    }

    // ---- producer ----

    public boolean offer(int length) {
        return claimThenCommit(length, true);
    }

    public boolean claimCommit(int length) {
        return claimThenCommit(length, true);
    }

    public boolean claimCommitBatched(int length) {
        return claimThenCommit(length, false);
    }

    public boolean claimAbort(int length) {
        if (!claim(length)) {
            return false;
        }
        return true;
    }

    public boolean offerNearEnd(int shape) {
        return offer(nearEndLength(offset(tail), shape));
    }

    public void publish() {
        published = tail;
    }

    /** Free bytes as the producer would count them against the consumer's published position. */
    public long freeSpace() {
        return CAPACITY - (tail - head);
    }

    // ---- consumer ----

    public String poll() {
        return pollBatch(1);
    }

    /** The copying read: one record, whose type it does not return (described as -1). */
    public String read() {
        return take(1, false);
    }

    public String pollBatch(int limit) {
        return take(limit, true);
    }

    private String take(int limit, boolean withType) {
        if (head == cached) {
            cached = published;
        }
        StringBuilder out = new StringBuilder();
        int count = 0;
        while (count < limit && head != cached) {
            Entry entry = entries.removeFirst();
            if (entry.at != head) {
                throw new AssertionError("model broken: entry at " + entry.at + ", head " + head);
            }
            head += entry.size;
            if (!entry.padding) {
                count++;
                out.append(Payloads.describe(entry.length, withType ? entry.type : -1,
                        Payloads.hash(Payloads.pattern(entry.seq, entry.length))));
            }
        }
        return Payloads.pollResult(count, out, head);
    }

    // ---- the rules ----

    private boolean claimThenCommit(int length, boolean publish) {
        if (!claim(length)) {
            return false;
        }
        int size = RingLayout.recordSize(length);
        entries.addLast(new Entry(tail, size, false, length, Payloads.typeOf(nextSeq), nextSeq));
        nextSeq++;
        tail += size;
        if (publish) {
            published = tail;
        }
        return true;
    }

    /** Room check and padding, as {@code docs/layout.md} states them. */
    private boolean claim(int length) {
        if (length < 0 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("length " + length);
        }
        int size = RingLayout.recordSize(length);
        int offset = offset(tail);
        int toEnd = CAPACITY - offset;
        boolean fitsBeforeEnd = offset + size <= CAPACITY;
        long needed = fitsBeforeEnd ? size : toEnd + size;
        if (tail + needed - head > CAPACITY) {
            return false;
        }
        if (!fitsBeforeEnd) {
            entries.addLast(new Entry(tail, toEnd, true, toEnd - 8, -1, -1));
            tail += toEnd;
        }
        return true;
    }

    private static int offset(long position) {
        return (int) ((START_OFFSET + position) % CAPACITY);
    }

    /**
     * The length that makes a record end exactly at the region end ({@code shape == 0}), one byte
     * longer (it then needs padding, {@code shape == 1}), or one alignment step shorter
     * ({@code shape == 2}), clamped to [0, max]. Shared by the model and the test.
     */
    static int nearEndLength(int offset, int shape) {
        int exact = CAPACITY - offset - RingLayout.RECORD_HEADER_LENGTH;
        int length = switch (shape) {
            case 0 -> exact;
            case 1 -> exact + 1;
            default -> exact - RingLayout.RECORD_ALIGNMENT;
        };
        return Math.max(0, Math.min(MAX_LENGTH, length));
    }
}
