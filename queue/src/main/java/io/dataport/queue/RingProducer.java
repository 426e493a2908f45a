package io.dataport.queue;

import static io.dataport.queue.RingLayout.*;

import java.nio.ByteBuffer;

/**
 * The producing end of a ring: the only writer of records and of the producer position.
 *
 * <h2>Algorithm</h2>
 * The producer owns {@code tail}, the position after the last record it committed, and
 * {@code publishedTail}, the last value it stored in the shared producer position. Bytes in
 * [consumer position, tail) belong to the consumer or are committed; bytes in
 * [tail, consumer position + capacity) are free. A claim of a record of {@code size} bytes
 * ({@link RingLayout#recordSize}) at {@code index = tail mod capacity}:
 * <ol>
 *   <li>{@link #tryClaim}: needs {@code size} bytes, or {@code toEnd + size} when the record does not
 *       fit before the region end ({@code size > toEnd}: a record that exactly fills to the end needs
 *       no padding). The check uses {@code cachedConsumerPosition}; only when it fails is the shared
 *       consumer position re-read ({@link #refreshConsumerPosition}). If there is still no room the
 *       claim fails and nothing was written.</li>
 *   <li>WritePadding: when the record does not fit before the end, a padding record is written
 *       covering [index, capacity) and {@code tail} advances to the start of the region.</li>
 *   <li>WritePayload: the caller writes the payload through {@link ClaimedRecord}.</li>
 *   <li>WriteRecordHeader ({@link #commitBatched}): the record header (length, type) is written and
 *       {@code tail} advances by {@code size}.</li>
 *   <li>PublishProducerPosition ({@link #publish}, also done by {@link #commit}): {@code tail} is
 *       stored with release semantics.</li>
 * </ol>
 *
 * <h2>Why it is correct</h2>
 * Every write lands in [tail, cachedConsumerPosition + capacity); the cached consumer position is
 * never ahead of the real one (the consumer only moves forward), so no unread byte is overwritten.
 * The consumer reads only below the producer position it acquired, and the release store of that
 * position orders every payload, header and padding write before it, so it never reads an
 * uncommitted byte. A record header is written before the position that covers it, hence a record
 * is committed exactly when it is published: a crash before that loses only an uncommitted record.
 * These are the invariants TLC checks in {@code spec/DataportRing.tla}.
 *
 * <p>The consumer position is shared memory and untrusted: it must be 8-byte aligned, never move
 * backwards and never pass what we published; otherwise this end is poisoned
 * ({@link RingCorruptedException}). Not thread-safe: one producer thread at a time.
 */
public final class RingProducer extends RingEnd {
    private final ClaimedRecord claim;
    private long tail;
    private long publishedTail;
    private long cachedConsumerPosition;
    /** Index of the open claim's header, or -1 when no claim is open. */
    private int claimIndex = -1;
    private int claimLength;
    private int claimType;
    /** Size of the record a blocked {@link #claim} waits to fit. */
    private int waitingFor;

    /** AttachProducer: resumes from the positions in shared memory, validated like any peer input. */
    RingProducer(SharedRing ring, RingConfig config, Runnable release) {
        this(ring, config, release, true);
    }

    /** {@code advanceEpoch} false: the role's lease already moved the epoch ({@link Region}). */
    RingProducer(SharedRing ring, RingConfig config, Runnable release, boolean advanceEpoch) {
        super(ring, config, release);
        this.claim = new ClaimedRecord(ring, this);
        long producerPosition = ring.readProducerPosition();
        long consumerPosition = ring.readConsumerPosition();
        String problem = checkPositions(producerPosition, consumerPosition, capacity);
        if (problem != null) {
            poison(problem);
        }
        this.tail = producerPosition;
        this.publishedTail = producerPosition;
        this.cachedConsumerPosition = consumerPosition;
        if (advanceEpoch) {
            ring.advanceProducerEpoch();
        }
    }

    /** Claims room for a record of {@code length} payload bytes and type 0; see {@link #tryClaim(int, int)}. */
    public ClaimedRecord tryClaim(int length) {
        return tryClaim(length, 0);
    }

    /**
     * TryClaim: reserves room for a record of {@code length} payload bytes and application
     * {@code type} ({@code >= 0}). Returns the record to write in place, or {@code null} when the
     * ring is full. Exactly one of {@link #commit}, {@link #commitBatched} or {@link #abort} must follow.
     * A full ring can be full of our own batched records: {@link #publish} before waiting for room.
     */
    public ClaimedRecord tryClaim(int length, int type) {
        checkUsable();
        if (claimIndex >= 0) {
            throw new IllegalStateException("a claim is already open: commit or abort it first");
        }
        if (length < 0 || length > maxRecordLength) {
            throw new IllegalArgumentException("record length " + length + " is outside [0, "
                    + maxRecordLength + "]");
        }
        if (type < 0) {
            throw new IllegalArgumentException("record type " + type + " is negative (reserved)");
        }
        try {
            return claimRoom(length, type);
        } catch (InternalError e) {
            throw mappingFault(e);
        }
    }

    private ClaimedRecord claimRoom(int length, int type) {
        int size = recordSize(length);
        int index = indexOf(tail);
        int toEnd = capacity - index;
        boolean pad = size > toEnd;
        if (!hasRoom(needed(size))) {
            return null;
        }
        if (pad) {
            ring.writePadding(index, toEnd - RECORD_HEADER_LENGTH);
            tail += toEnd;
            index = 0;
        }
        claimIndex = index;
        claimLength = length;
        claimType = type;
        claim.wrap(index + RECORD_HEADER_LENGTH, length);
        return claim;
    }

    /** Bytes a record of {@code size} needs at the current tail: itself, plus padding when it does not fit before the end. */
    private int needed(int size) {
        int toEnd = capacity - indexOf(tail);
        return size > toEnd ? toEnd + size : size;
    }

    /**
     * Blocking claim: {@link #tryClaim(int, int)}, waiting with {@code wait} while the ring is full.
     * Throws {@link PeerTimeoutException} when no room appeared within {@code timeoutNanos}.
     */
    public ClaimedRecord claim(int length, int type, WaitStrategy wait, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        ClaimedRecord record;
        while ((record = tryClaim(length, type)) == null) {
            publish(); // the room we wait for may be held by our own batched records (TLC: BatchNotFlushed)
            if (System.nanoTime() - deadline >= 0) {
                throw timeout("no room for a record of " + length + " bytes", timeoutNanos);
            }
            waitingFor = recordSize(length);
            wait.idle(this, deadline);
        }
        wait.reset();
        return record;
    }

    @Override
    int peerNeedsWakeup() {
        return ring.readConsumerNeedsWakeup();
    }

    @Override
    void announceSleep() {
        ring.writeProducerNeedsWakeup(nextSleepNumber());
    }

    /** Re-check for room for the record a blocked {@link #claim} waits to fit. */
    @Override
    boolean hasWork() {
        refreshConsumerPosition();
        return tail + needed(waitingFor) - cachedConsumerPosition <= capacity;
    }

    @Override
    void finishSleep() {
        ring.writeProducerNeedsWakeup(0);
    }

    private boolean hasRoom(int needed) {
        if (tail + needed - cachedConsumerPosition <= capacity) {
            return true;
        }
        refreshConsumerPosition();
        return tail + needed - cachedConsumerPosition <= capacity;
    }

    /** RefreshConsumerPosition: re-reads the consumer position and validates it. */
    void refreshConsumerPosition() {
        long consumerPosition = ring.readConsumerPosition();
        if ((consumerPosition & (RECORD_ALIGNMENT - 1)) != 0
                || consumerPosition - cachedConsumerPosition < 0
                || publishedTail - consumerPosition < 0) {
            poison("consumer position " + consumerPosition + " is misaligned, moved back from "
                    + cachedConsumerPosition + " or passed the producer position " + publishedTail);
        }
        cachedConsumerPosition = consumerPosition;
    }

    /** Commits the claimed record and publishes it (and any batched records) to the consumer. */
    public void commit() {
        commitBatched();
        publish();
    }

    /**
     * WriteRecordHeader: commits the claimed record without telling the consumer yet; a later
     * {@link #publish} or {@link #commit} publishes every record committed so far in one store.
     * A record that is committed but not published is lost if this process dies.
     */
    public void commitBatched() {
        checkClaim();
        try {
            ring.writeRecordHeader(claimIndex, claimLength, claimType);
        } catch (InternalError e) {
            throw mappingFault(e);
        }
        tail += recordSize(claimLength);
        records++;
        bytes += claimLength;
        closeClaim();
    }

    /** PublishProducerPosition: makes every committed record visible to the consumer. */
    public void publish() {
        checkUsable();
        if (tail != publishedTail) {
            try {
                ring.publishProducerPosition(tail);
                publishedTail = tail;
                if (peerDoorbell != null) {
                    wakePeer();
                }
            } catch (InternalError e) {
                throw mappingFault(e);
            }
        }
    }

    /** Abort: drops the claimed record; nothing of it is ever delivered. */
    public void abort() {
        checkClaim();
        closeClaim();
    }

    /** Copies {@code src} into one record of type 0 and publishes it; false when the ring is full. */
    public boolean offer(byte[] src) {
        return offer(src, 0, src.length, 0);
    }

    /** Copies {@code src[offset, offset + length)} into one record and publishes it; false when full. */
    public boolean offer(byte[] src, int offset, int length, int type) {
        Checks.checkSource(offset, length, src.length);
        ClaimedRecord record = tryClaim(length, type);
        if (record == null) {
            return false;
        }
        record.putBytes(0, src, offset, length);
        commit();
        return true;
    }

    /** Copies the remaining bytes of {@code src} into one record of type 0; src's position is unchanged. */
    public boolean offer(ByteBuffer src) {
        return offer(src, 0);
    }

    /** Copies the remaining bytes of {@code src} into one record; src's position is unchanged. */
    public boolean offer(ByteBuffer src, int type) {
        int length = src.remaining();
        ClaimedRecord record = tryClaim(length, type);
        if (record == null) {
            return false;
        }
        record.putBytes(0, src, src.position(), length);
        commit();
        return true;
    }

    /** Whether a claim is open. */
    public boolean hasOpenClaim() {
        return claimIndex >= 0;
    }

    /** The producer's own position: the end of the last committed record (published or not). */
    public long position() {
        return tail;
    }

    private void checkClaim() {
        checkUsable();
        if (claimIndex < 0) {
            throw new IllegalStateException("no open claim: call tryClaim first");
        }
    }

    private void closeClaim() {
        claimIndex = -1;
        claim.clear();
    }
}
