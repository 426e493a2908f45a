package io.dataport.queue;

import java.util.ArrayDeque;

/**
 * The sequential reference model of one ring, for the Lincheck tests ({@link RingLincheckTest}).
 *
 * <p>It knows nothing of shared memory: the ring is a FIFO of entries (records and padding), each
 * with the bytes it occupies, and two byte counters (the producer's position and the consumer's).
 * It follows the byte accounting of layout version 3 ("commit in the record", {@code docs/layout.md},
 * {@code RingProducer.stepBytes}) literally, so its answers to "is there room", "how many bytes are
 * free" and "where is the consumer now" must match the ring exactly:
 * <ul>
 *   <li>a record of {@code length} payload bytes occupies {@code align8(8 + length)} bytes;</li>
 *   <li>the first {@code lapPrefix} bytes of every lap hold no record: a position inside them moves
 *       past them (Skip) before anything is placed or read there;</li>
 *   <li>a record that does not fit in the bytes left before the region end is preceded by a padding
 *       entry covering exactly those bytes; a record that fills them exactly is not;</li>
 *   <li>a claim needs, counted from the position the consumer last published: the skipped prefix,
 *       the padding if any, the next lap's prefix after a padding or after a step that ends a lap,
 *       the record, and 8 more bytes for the end marker the producer keeps after it (so a ring of
 *       capacity C holds records whose sizes, prefixes and that marker fit in C);</li>
 *   <li>a padding entry is written (and counted) at claim time, even if the claim is then aborted;</li>
 *   <li>visibility: the first record committed after a publish is held back (its slot keeps the end
 *       marker) until the next publish, and everything after it waits with it; a padding written
 *       while nothing is held is visible at once;</li>
 *   <li>the consumer reads header after header up to the end marker (where the visible part ends)
 *       or its limit, skipping paddings, and publishes where it stopped: every poll sees every
 *       visible record (the producer position is only a recovery hint; no cached copy of it).</li>
 * </ul>
 *
 * <p>A padding is visible as soon as it is written when no batch is held (by design,
 * {@code spec/DataportRing.tla} WritePadding: a padding is no record, and the end marker at the
 * record's slot stops the consumer there). A concurrent poll may then skip it, read the end marker
 * after it and answer "no record", and only later publish the position it moved to: its answer
 * belongs before the producer's next record, its position after the producer's next look at the
 * consumer position (free space, room), and no sequential order of whole operations shows both
 * (Lincheck found it, in stress and model checking). Behind a held batch a padding becomes visible
 * with the batch, by one store, always followed by a record. So {@link NoLonePadding}, the model of
 * the concurrent scenarios, refuses every claim that would write a padding while no batch is held:
 * nothing happens and the answer is {@link #LONE_PADDING}. The sequential scenarios, where no poll
 * runs inside another operation, write every padding.
 *
 * Positions here count from 0; the ring under test starts at {@link #START} (close to the wrap of
 * the 48-bit position field of the position words, at data offset {@link #START_OFFSET}), so the
 * tests also cover wrapping arithmetic. The no-argument model is the Lincheck tests' ring
 * ({@link #CAPACITY}, no lap prefix); {@link #RingModel(int, int)} models a ring with a lap prefix.
 * Every method answers exactly like the operation of the same name in {@link RingLincheckTest}.
 */
public class RingModel {
    /** Small, so that a scenario of a few operations wraps the region several times. */
    public static final int CAPACITY = 64;
    /** The largest the capacity allows ({@link RingLayout#maxRecordLengthFor}): a record of this length takes half the ring. */
    public static final int MAX_LENGTH = CAPACITY / 2 - 8;
    /** Where the ring under test starts: 24 bytes before the end of the region and of the 48-bit position field. */
    public static final long START = RingLayout.POSITION_MASK - 23;
    public static final int START_OFFSET = (int) (START & (CAPACITY - 1));
    /** What a claiming operation answers in the concurrent scenarios instead of writing a padding no batch holds back. */
    public static final String LONE_PADDING = "lone padding refused";

    /** The model of the concurrent scenarios: no padding is written while no batch is held (see the class comment). */
    public static final class NoLonePadding extends RingModel {
        public NoLonePadding() {
            super(CAPACITY, 0, true);
        }
    }

    private record Entry(long at, int size, boolean padding, int length, int type, long seq) {
    }

    private final int capacity;
    private final int lapPrefix;
    private final int maxLength;
    /** Whether claims that would write a padding while no batch is held are refused (the concurrent scenarios). */
    private final boolean noLonePadding;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    /** The producer's position: every committed record, every padding and every skipped prefix so far. */
    private long tail;
    /** Whether the first record of the current batch is held back, and where it starts. */
    private boolean held;
    private long heldAt;
    /** The consumer's position (published at the end of every poll that moved it). */
    private long head;
    /** Sequence number of the next committed record: it determines the payload and the type. */
    private long nextSeq;

    public RingModel() {
        this(CAPACITY, 0);
    }

    /** A ring of {@code capacity} bytes whose laps start with {@code lapPrefix} unused bytes, max length the largest allowed. */
    RingModel(int capacity, int lapPrefix) {
        this(capacity, lapPrefix, false);
    }

    private RingModel(int capacity, int lapPrefix, boolean noLonePadding) {
        this.capacity = capacity;
        this.lapPrefix = lapPrefix;
        this.maxLength = RingLayout.maxRecordLengthFor(capacity, lapPrefix);
        this.noLonePadding = noLonePadding;
    }

    int maxLength() {
        return maxLength;
    }

    // ---- producer ----

    public Object offer(int length) {
        return lonePadding(length) ? LONE_PADDING : claimThenCommit(length, true);
    }

    public Object claimCommit(int length) {
        return lonePadding(length) ? LONE_PADDING : claimThenCommit(length, true);
    }

    public Object claimCommitBatched(int length) {
        return lonePadding(length) ? LONE_PADDING : claimThenCommit(length, false);
    }

    public Object claimAbort(int length) {
        return lonePadding(length) ? LONE_PADDING : claim(length);
    }

    public Object offerNearEnd(int shape) {
        return offer(nearEndLength(offset(tail), shape, capacity, maxLength));
    }

    public void publish() {
        held = false;
    }

    /** Free bytes as the producer would count them against the consumer's published position. */
    public long freeSpace() {
        return capacity - (tail - head);
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

    /** Where the consumer finds the end marker: the held record's slot, or the producer's frontier. */
    private long visibleEnd() {
        return skip(held ? heldAt : tail);
    }

    private String take(int limit, boolean withType) {
        long end = visibleEnd();
        long position = head;
        StringBuilder out = new StringBuilder();
        int count = 0;
        while (count < limit) {
            position = skip(position);
            if (position == end) {
                break;                                   // the end marker: no record yet
            }
            Entry entry = entries.removeFirst();
            if (entry.at != position) {
                throw new AssertionError("model broken: entry at " + entry.at + ", consumer at " + position);
            }
            position += entry.size;
            if (!entry.padding) {
                count++;
                out.append(Payloads.describe(entry.length, withType ? entry.type : -1,
                        Payloads.hash(Payloads.pattern(entry.seq, entry.length))));
            }
        }
        head = position;
        return Payloads.pollResult(count, out, head);
    }

    // ---- the rules ----

    /**
     * Whether a claim of {@code length} is refused in the concurrent scenarios: no batch is held and
     * the record does not fit between the producer's next slot and the region end (a padding first).
     */
    private boolean lonePadding(int length) {
        return noLonePadding && !held && RingLayout.recordSize(length) > capacity - offset(skip(tail));
    }

    private boolean claimThenCommit(int length, boolean publish) {
        if (!claim(length)) {
            return false;
        }
        int size = RingLayout.recordSize(length);
        entries.addLast(new Entry(tail, size, false, length, Payloads.typeOf(nextSeq), nextSeq));
        nextSeq++;
        if (!held) {
            held = true;                                 // the batch's first header waits for publish
            heldAt = tail;
        }
        tail += size;
        if (publish) {
            held = false;
        }
        return true;
    }

    /**
     * Room check, Skip and padding, as layout version 3 states them: the step from the tail up to
     * and including the end marker's slot after it, with the lap prefixes it passes.
     */
    private boolean claim(int length) {
        if (length < 0 || length > maxLength) {
            throw new IllegalArgumentException("length " + length);
        }
        int size = RingLayout.recordSize(length);
        long at = skip(tail);
        int toEnd = capacity - offset(at);
        int pad = size > toEnd ? toEnd : 0;
        long stepEnd = at + (pad == 0 ? size : pad + lapPrefix + size);
        long needed = skip(stepEnd) + RingLayout.RECORD_HEADER_LENGTH - tail;
        if (tail + needed - head > capacity) {
            return false;
        }
        tail = at;
        if (pad > 0) {
            entries.addLast(new Entry(tail, pad, true, pad - RingLayout.RECORD_HEADER_LENGTH, -1, -1));
            tail = skip(tail + pad);
        }
        return true;
    }

    /** Skip: a position inside a lap's prefix moves to the first byte after it. */
    private long skip(long position) {
        int offset = offset(position);
        return offset < lapPrefix ? position + (lapPrefix - offset) : position;
    }

    private int offset(long position) {
        return (int) ((START + position) & (capacity - 1));
    }

    /** {@link #nearEndLength(int, int, int, int)} for the Lincheck tests' ring. */
    static int nearEndLength(int offset, int shape) {
        return nearEndLength(offset, shape, CAPACITY, MAX_LENGTH);
    }

    /**
     * The length that makes a record end exactly at the region end ({@code shape == 0}), one byte
     * longer (it then needs padding, {@code shape == 1}), or one alignment step shorter
     * ({@code shape == 2}), clamped to [0, max]. Shared by the model and the test.
     */
    static int nearEndLength(int offset, int shape, int capacity, int max) {
        int exact = capacity - offset - RingLayout.RECORD_HEADER_LENGTH;
        int length = switch (shape) {
            case 0 -> exact;
            case 1 -> exact + 1;
            default -> exact - RingLayout.RECORD_ALIGNMENT;
        };
        return Math.max(0, Math.min(max, length));
    }
}
