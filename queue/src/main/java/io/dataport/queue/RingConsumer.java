package io.dataport.queue;

import static io.dataport.queue.RingLayout.*;

import java.nio.ByteBuffer;

/**
 * The consuming end of a ring: the only reader of records and the only writer of the consumer position.
 *
 * <h2>Algorithm</h2>
 * The consumer owns {@code head}, the position of the next record to read, and caches the
 * producer position in {@code cachedProducerPosition}. {@link #poll} works on one batch:
 * <ol>
 *   <li>RefreshProducerPosition: only when the cache says the ring is empty is the shared producer
 *       position read (acquire) and validated.</li>
 *   <li>Skip: a position inside the lap prefix (a region ring's first bytes, which hold no record)
 *       moves past it, without touching memory.</li>
 *   <li>ReadRecordHeader: the 8-byte header at {@code head mod capacity} is read once into a local and
 *       validated against our own copy of the sizes and the cached producer position. A padding record
 *       is skipped (it does not count toward the limit).</li>
 *   <li>ReadPayload: the handler reads the payload in place; {@code head} moves past the record.</li>
 *   <li>PublishConsumerPosition: once per batch, after the last handler call, {@code head} is stored
 *       with release semantics. The producer may then reuse those bytes.</li>
 * </ol>
 *
 * <h2>Why it is correct</h2>
 * The acquire load of the producer position makes every byte below it visible, and the producer
 * never writes below the consumer position we published; publishing only after the batch means no
 * byte a handler is still reading can be overwritten. Each loop iteration moves {@code head}
 * forward by at least 8 bytes and never past the cached producer position, which is at most one
 * capacity ahead, so a batch always ends. Every record delivered lies inside the data region and
 * inside what the producer published; anything else poisons this end ({@link RingCorruptedException}).
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
    private long cachedProducerPosition;
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
        long producerPosition = positionNear(ring.readProducerPosition(), consumerPosition);
        String problem = checkPositions(producerPosition, consumerPosition, capacity);
        if (problem != null) {
            poison(problem);
        }
        this.head = consumerPosition;
        this.cachedProducerPosition = consumerPosition;
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
        if (head == cachedProducerPosition || skipPrefix(head) == cachedProducerPosition) {
            refreshProducerPosition();
        }
        long position = head;
        int count = 0;
        try {
            while (count < limit && position != cachedProducerPosition) {
                long at = skipPrefix(position);                 // Skip: the lap prefix, no load
                if (at == cachedProducerPosition) {
                    break;
                }
                if (cachedProducerPosition - at < 0) {
                    poison("producer position " + cachedProducerPosition + " lies inside the lap prefix ("
                            + lapPrefix + " bytes) after position " + position);
                }
                position = at;
                int index = indexOf(position);
                long header = ring.readRecordHeader(index);
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

    /** Re-check for records: re-reads the producer position. */
    @Override
    boolean hasWork() {
        if (head != cachedProducerPosition && skipPrefix(head) != cachedProducerPosition) {
            return true;
        }
        refreshProducerPosition();
        return head != cachedProducerPosition && skipPrefix(head) != cachedProducerPosition;
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

    /** RefreshProducerPosition: re-reads the producer position and validates it. */
    void refreshProducerPosition() {
        long producerPosition = positionNear(ring.readProducerPosition(), cachedProducerPosition);
        if ((producerPosition & (RECORD_ALIGNMENT - 1)) != 0
                || producerPosition - cachedProducerPosition < 0
                || producerPosition - head > capacity) {
            poison("producer position " + producerPosition + " is misaligned, moved back from "
                    + cachedProducerPosition + " or is more than the capacity " + capacity
                    + " ahead of the consumer position " + head);
        }
        cachedProducerPosition = producerPosition;
    }

    /**
     * ReadRecordHeader, padding case: it runs to the region end, or ends before it (over a hole),
     * and stays inside the region and what was published.
     */
    private int checkPadding(long position, int index, int length) {
        int toEnd = capacity - index;
        if (length < 0 || length > toEnd - RECORD_HEADER_LENGTH
                || cachedProducerPosition - position < recordSize(length)) {
            poison("padding at position " + position + " has length " + length + " but the region end is "
                    + (toEnd - RECORD_HEADER_LENGTH) + " bytes after its header, or it passes the producer position "
                    + cachedProducerPosition);
        }
        return recordSize(length);
    }

    /** ReadRecordHeader, record case: sane length and type, inside the region and what was published. */
    private int checkRecord(long position, int index, int length, int type) {
        if (type < 0 || length < 0 || length > maxRecordLength) {
            poison("record at position " + position + " has length " + length + " and type " + type
                    + " (length must be in [0, " + maxRecordLength + "], type >= 0 or padding)");
        }
        int size = recordSize(length);
        if (size > capacity - index || cachedProducerPosition - position < size) {
            poison("record at position " + position + " of " + size + " bytes crosses the region end or"
                    + " the producer position " + cachedProducerPosition);
        }
        return size;
    }

    /** The consumer's own position: the start of the next record to read (published after each batch). */
    public long position() {
        return head;
    }
}
