package io.dataport.queue;

import static io.dataport.queue.RingLayout.*;

import java.nio.ByteBuffer;

/**
 * The consuming end of a ring: the only reader of records and the only writer of the consumer position.
 *
 * <h2>Algorithm (layout version 3: commit in the record)</h2>
 * The consumer owns {@code head}, the position of the next record to read. {@link #poll} works on
 * one batch:
 * <ol>
 *   <li>Skip: a position inside the lap prefix (a region ring's first bytes, which hold no record)
 *       moves past it, without touching memory.</li>
 *   <li>ReadRecordHeader: the 8-byte header at {@code head mod capacity} is read once, with an
 *       acquire load, into a local and validated against our own copy of the sizes. The
 *       {@link RingLayout#END_MARKER end marker} means no record yet: the batch ends. A padding
 *       record is skipped (it does not count toward the limit).</li>
 *   <li>ReadPayload: the handler reads the payload in place; {@code head} moves past the record.</li>
 *   <li>PublishConsumerPosition: once per batch, after the last handler call, {@code head} is
 *       published (CAS from the word we published last). The producer may then reuse those bytes.</li>
 * </ol>
 * The consumer never reads the producer position: one cache line (the record's) moves per record.
 *
 * <h2>Why it is correct</h2>
 * The producer stores a header (by CAS, a release) only after the payload and after the end marker
 * of the slot that follows, so a header read with acquire shows a complete record, and the next
 * slot we read holds the end marker or a header written for it in this lap: never stale bytes of
 * an earlier lap nor payload bytes that imitate a header ({@code spec/DataportRing.tla},
 * NeverFooled, from arbitrary initial bytes over three laps). The producer never writes below the
 * consumer position we published; publishing only after the batch means no byte a handler is
 * still reading can be overwritten. Each iteration moves {@code head} forward by at least 8 bytes,
 * and a batch never passes the published position + capacity, so it always ends. Every record
 * delivered lies inside the data region; anything else poisons this end
 * ({@link RingCorruptedException}).
 *
 * <p>Delivery is exactly once while the consumer lives. A consumer that dies in the middle of a
 * batch did not publish it, so after re-attaching it is handed that batch again (the abstract queue
 * of {@code spec/BoundedFifo.tla} dequeues at PublishConsumerPosition). Not thread-safe: one
 * consumer thread at a time.
 */
public final class RingConsumer extends RingEnd {
    private final RecordView view;
    /** Our epoch in the consumer position word: the low 16 bits of the lease epoch. */
    private final int epoch16;
    private long head;
    private ByteBuffer copyTarget;
    private int copiedLength;
    private final RecordHandler copier = this::copyOut;

    /** AttachConsumer of a ring file or an in-memory ring (under its lock): moves the epoch in the lease word. */
    RingConsumer(SharedRing ring, RingConfig config, Runnable release) {
        this(ring, config, release, ring.advanceConsumerEpoch());
    }

    /**
     * AttachConsumer with the lease epoch {@code epoch}: fences the consumer position word with it
     * (a stalled predecessor's next publish fails), then resumes from the positions in shared
     * memory, validated like any peer input.
     */
    RingConsumer(SharedRing ring, RingConfig config, Runnable release, long epoch) {
        super(ring, config, release);
        this.view = new RecordView(ring);
        this.epoch16 = (int) epoch & EPOCH_MASK;
        long word;
        do {
            word = ring.readConsumerPosition();
            if (isNewerEpoch(wordEpoch(word), epoch16)) {
                throw loseRole("the consumer position word has a newer epoch at attach");
            }
        } while (!ring.publishConsumerPosition(word, packPosition(epoch16, word)));
        long consumerPosition = word & POSITION_MASK;
        if ((consumerPosition & (RECORD_ALIGNMENT - 1)) != 0) {
            poison("the consumer position " + consumerPosition + " is not 8-byte aligned");
        }
        this.head = consumerPosition;
    }

    /**
     * Hands up to {@code limit} records to {@code handler}, in order, reading them in place, then
     * publishes the consumer position once. Returns the number of records handled (0 when empty).
     */
    public int poll(RecordHandler handler, int limit) {
        checkUsable();
        if (limit <= 0) {
            throw new IllegalArgumentException("limit " + limit + " must be positive");
        }
        try {
            return pollRecords(handler, limit);
        } catch (InternalError e) {
            throw mappingFault(e);
        }
    }

    private int pollRecords(RecordHandler handler, int limit) {
        long position = head;
        int count = 0;
        try {
            while (count < limit) {
                position = skipPrefix(position);                // Skip: the lap prefix, no load
                int index = indexOf(position);
                long header = ring.readRecordHeader(index);     // ReadRecordHeader: one acquire load
                if (isEndMarker(header)) {
                    break;
                }
                int length = headerLength(header);
                int type = headerType(header);
                if (type == PADDING_TYPE) {
                    position += checkPadding(position, index, length);
                    continue;
                }
                int size = checkRecord(position, index, length, type);
                position += size;
                count++;
                records++;
                bytes += length;
                view.wrap(index + RECORD_HEADER_LENGTH, length, type);
                handler.onRecord(view);
            }
        } finally {
            view.clear();
            if (position != head) {
                long from = head;
                head = position;
                if (!ring.publishConsumerPosition(packPosition(epoch16, from), packPosition(epoch16, position))) {
                    lostOrCorrupt();
                }
                wakeup.afterPublish();
            }
        }
        return count;
    }

    /**
     * Blocking poll: {@link #poll}, waiting with {@code wait} while the ring is empty. Returns the
     * number of records handled (at least 1); throws {@link PeerTimeoutException} when nothing
     * arrived within {@code timeoutNanos}.
     */
    public int take(RecordHandler handler, int limit, WaitStrategy wait, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        int count;
        while ((count = poll(handler, limit)) == 0) {
            if (System.nanoTime() - deadline >= 0) {
                throw timeout("no record arrived", timeoutNanos);
            }
            wait.idle(this, deadline);
        }
        wait.reset();
        return count;
    }

    /** Re-check for records (the wake-up protocol's Recheck): one acquire load of the next header. */
    @Override
    boolean hasWork() {
        try {
            return !isEndMarker(ring.readRecordHeader(indexOf(skipPrefix(head))));
        } catch (InternalError e) {
            throw mappingFault(e);
        }
    }

    /**
     * Copying read, for peers you do not trust: copies the next record's payload into {@code dst} at
     * its position (advancing it) and consumes the record. Returns the payload length, or -1 when the
     * ring is empty. {@code dst} must have room for {@link #maxRecordLength()} bytes, so a record is
     * never consumed without being delivered.
     */
    public int read(ByteBuffer dst) {
        if (dst.remaining() < maxRecordLength) {
            throw new IllegalArgumentException("destination has " + dst.remaining()
                    + " bytes remaining; it needs room for the max record length " + maxRecordLength);
        }
        copyTarget = dst;
        try {
            return poll(copier, 1) == 1 ? copiedLength : -1;
        } finally {
            copyTarget = null;
        }
    }

    private void copyOut(RecordView record) {
        copiedLength = record.length();
        int at = copyTarget.position();
        record.getBytes(0, copyTarget, at, copiedLength);
        copyTarget.position(at + copiedLength);
    }

    /** The consumer position word did not hold what we published: a new consumer fenced us, or a peer scribbled. */
    private void lostOrCorrupt() {
        if (wordEpoch(ring.readConsumerPosition()) != epoch16) {
            throw loseRole("the consumer position word has another holder's epoch");
        }
        throw poison("the consumer position word changed under us, yet it still holds our epoch " + epoch16);
    }

    /**
     * ReadRecordHeader, padding case: it runs to the region end, or ends before it (over a hole),
     * and stays inside the region and within one capacity of our published position.
     */
    private int checkPadding(long position, int index, int length) {
        int toEnd = capacity - index;
        if (length < 0 || length > toEnd - RECORD_HEADER_LENGTH || pastLap(position, recordSize(length))) {
            poison("padding at position " + position + " has length " + length + " but the region end is "
                    + (toEnd - RECORD_HEADER_LENGTH) + " bytes after its header, or it passes the consumer position "
                    + head + " + the capacity " + capacity);
        }
        return recordSize(length);
    }

    /** ReadRecordHeader, record case: sane length and type, inside the region and within one lap. */
    private int checkRecord(long position, int index, int length, int type) {
        if (type < 0 || length < 0 || length > maxRecordLength) {
            poison("record at position " + position + " has length " + length + " and type " + type
                    + " (length must be in [0, " + maxRecordLength + "], type >= 0, padding or the end marker)");
        }
        int size = recordSize(length);
        if (size > capacity - index || pastLap(position, size)) {
            poison("record at position " + position + " of " + size + " bytes crosses the region end or"
                    + " passes the consumer position " + head + " + the capacity " + capacity);
        }
        return size;
    }

    /**
     * Whether {@code size} bytes at {@code position} and the end marker after them pass our published
     * position + capacity: an honest producer never writes there, so no batch runs for ever.
     */
    private boolean pastLap(long position, int size) {
        return position + size + RECORD_HEADER_LENGTH - head > capacity;
    }

    /** The consumer's own position: the start of the next record to read (published after each batch). */
    public long position() {
        return head;
    }
}
