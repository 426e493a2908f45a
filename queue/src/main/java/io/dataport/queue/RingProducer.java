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
 *   <li>Reserve: the bytes must lie below the end of this holder's reservation; when they do not,
 *       the reservation word is extended by CAS (a chunk at a time).</li>
 *   <li>ReadSlot: the header word at the index is read (the expected value of the header CAS), then
 *       the epoch of the producer position word is checked: another one means we lost the role.</li>
 *   <li>WritePadding: when the record does not fit before the end (or the index lies in a hole), a
 *       padding is written by CAS and {@code tail} advances past it.</li>
 *   <li>WritePayload: the caller writes the payload through {@link ClaimedRecord}.</li>
 *   <li>WriteRecordHeader ({@link #commitBatched}): the record header (length, type) is written by
 *       CAS from the value ReadSlot saw, and {@code tail} advances by {@code size}.</li>
 *   <li>PublishProducerPosition ({@link #publish}, also done by {@link #commit}): the position word
 *       goes from (our epoch, {@code publishedTail}) to (our epoch, {@code tail}) by CAS.</li>
 * </ol>
 *
 * <h2>Why it is correct</h2>
 * Every write lands in [tail, cachedConsumerPosition + capacity); the cached consumer position is
 * never ahead of the real one (the consumer only moves forward), so no unread byte is overwritten.
 * The consumer reads only below the producer position it acquired, and the CAS that publishes it
 * orders every payload, header and padding write before it, so it never reads an uncommitted byte.
 * A record header is written before the position that covers it, hence a record is committed
 * exactly when it is published: a crash before that loses only an uncommitted record. These are
 * the invariants TLC checks in {@code spec/DataportRing.tla}.
 *
 * <h2>Fencing a stalled holder</h2>
 * Between VMs a holder may stall (a paused VM) past its lease and resume between any two of its
 * stores. On attach, a producer takes the role over in the order {@code spec/RingFencing.tla}
 * checks: FenceReservation (the reservation word gets our epoch: the old holder can no longer
 * extend it), ReadPosition, RecordHole (the old holder's reserved but unpublished range
 * {@code [P, R)} becomes a hole, see {@link Holes}), FencePosition (the position word gets our
 * epoch). A resumed old holder's payload stores then land in a hole, which every holder pads over;
 * its next header CAS, reservation CAS or publish CAS fails, or its next ReadSlot sees another
 * epoch in the position word, and it throws {@link RegionException} after freeing its own holes.
 *
 * <p>The consumer position is shared memory and untrusted: it must be 8-byte aligned, never move
 * backwards and never pass what we published; otherwise this end is poisoned
 * ({@link RingCorruptedException}). Not thread-safe: one producer thread at a time.
 */
public final class RingProducer extends RingEnd {
    private final ClaimedRecord claim;
    private final Holes holes;
    /** Our epoch in fenced words: the low 16 bits of the lease epoch. */
    private final int epoch16;
    /** Bytes a Reserve adds at a time (at least what the claim needs). */
    private final int chunk;
    /** Whether earlier holders may still be running (a region's ring): then closing shrinks the reservation. */
    private final boolean fenced;
    private long tail;
    private long publishedTail;
    /** The end of our reservation: we write only below it. */
    private long reservedEnd;
    private long cachedConsumerPosition;
    /** The lap of {@code tail} when the hole copy was last read. */
    private long holesLap;
    /** Index of the open claim's header, or -1 when no claim is open. */
    private int claimIndex = -1;
    private int claimLength;
    private int claimType;
    /** The header word ReadSlot saw at the open claim's index: the expected value of its CAS. */
    private long claimSeen;
    /** Size of the record a blocked {@link #claim} waits to fit. */
    private int waitingFor;

    /**
     * AttachProducer of a ring file or an in-memory ring, under a lock that proves every earlier
     * holder gone: moves the epoch in the lease word, frees every hole, then takes the role over.
     */
    RingProducer(SharedRing ring, RingConfig config, Runnable release) {
        this(ring, config, release, ring.advanceProducerEpoch(), true);
    }

    /**
     * AttachProducer of a region's ring: {@code epoch} is the one the lease claim moved to. Earlier
     * holders may still be running: their unpublished reservation becomes a hole.
     */
    RingProducer(SharedRing ring, RingConfig config, Runnable release, long epoch) {
        this(ring, config, release, epoch, false);
    }

    private RingProducer(SharedRing ring, RingConfig config, Runnable release, long epoch, boolean predecessorsGone) {
        super(ring, config, release);
        this.claim = new ClaimedRecord(ring, this);
        this.holes = new Holes(ring, capacity);
        this.epoch16 = (int) epoch & EPOCH_MASK;
        this.chunk = Math.max(RECORD_ALIGNMENT, Math.min(capacity / 16, 64 * 1024));
        this.fenced = !predecessorsGone;
        if (predecessorsGone) {
            Holes.releaseAll(ring);
        }
        takeOver(!predecessorsGone);
    }

    /** FenceReservation, ReadPosition, RecordHole, FencePosition: see the class comment. */
    private void takeOver(boolean recordHole) {
        long reservation;
        do {                                                              // FenceReservation
            reservation = ring.readReservation();
            if (isNewerEpoch(wordEpoch(reservation), epoch16)) {
                throw loseRole("the reservation word has a newer epoch at attach");
            }
        } while (!ring.casReservation(reservation, packPosition(epoch16, reservation)));
        long word = ring.readProducerPosition();                          // ReadPosition
        long position = word & POSITION_MASK;
        long reservedTo = positionNear(reservation, position);
        if (recordHole && reservedTo - position > 0) {                    // RecordHole
            if (reservedTo - position > capacity) {
                poison("the reservation end " + reservedTo + " is more than the capacity " + capacity
                        + " past the producer position " + position);
            }
            if (!Holes.record(ring, capacity, wordEpoch(word), indexOf(position), reservedTo - position)) {
                throw new RegionException("cannot take the producer role over: the hole table is full or the"
                        + " previous holder's unpublished range (" + (reservedTo - position) + " bytes) covers the"
                        + " ring; stop every peer of this ring and reset its region (dataport region zero)");
            }
        }
        while (true) {                                                    // FencePosition
            if (isNewerEpoch(wordEpoch(word), epoch16)) {
                throw loseRole("the producer position word has a newer epoch at attach");
            }
            if (ring.publishProducerPosition(word, packPosition(epoch16, word))) {
                break;
            }
            word = ring.readProducerPosition();
        }
        long producerPosition = positionNear(word, position);
        long consumerPosition = positionNear(ring.readConsumerPosition(), producerPosition);
        String problem = checkPositions(producerPosition, consumerPosition, capacity);
        if (problem != null) {
            poison(problem);
        }
        this.tail = producerPosition;
        this.publishedTail = producerPosition;
        this.reservedEnd = positionNear(reservation, producerPosition);   // the word holds (our epoch, R) now
        this.cachedConsumerPosition = consumerPosition;
        loadHoles();
    }

    private void loadHoles() {
        String problem = holes.load();
        if (problem != null) {
            poison(problem);
        }
        holesLap = tail / capacity;
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
        for (int paddings = 0; ; paddings++) {
            int skip = (int) (skipPrefix(tail) - tail);                  // Skip: the lap prefix, no store
            int index = indexOf(tail) + skip;
            int toEnd = capacity - index;
            if (!holes.isEmpty()) {
                if (tail / capacity != holesLap) {
                    loadHoles();                          // once per lap: holes freed since are dropped
                }
                if (paddings > 2 * HOLE_SLOTS + 2) {
                    poison("the hole table leaves no room for a record of " + size + " bytes");
                }
            }
            int pad = paddingAt(index, size, toEnd);
            int needed = stepBytes(skip, pad, size, toEnd);
            if (!hasRoom(needed)) {
                return null;
            }
            tail += skip;
            if (tail + (pad == 0 ? size : pad) - reservedEnd > 0) {
                reserve(tail - skip + needed);
            }
            long seen = readSlot(index);
            if (pad == 0) {
                claimIndex = index;
                claimLength = length;
                claimType = type;
                claimSeen = seen;
                claim.wrap(index + RECORD_HEADER_LENGTH, length);
                return claim;
            }
            if (!ring.writePadding(index, seen, pad - RECORD_HEADER_LENGTH)) {
                throw lostOrCorrupt("the header word at index " + index + " changed under our padding");
            }
            tail += pad;
        }
    }

    /**
     * ReadSlot: the header word at {@code index} (the expected value of the CAS that will write it),
     * then the epoch of the producer position word: another one means a taker fenced us before we
     * read the slot, and may have padded it since, so the CAS alone could not tell.
     */
    private long readSlot(int index) {
        long seen = ring.readSlot(index);
        if (wordEpoch(ring.readProducerPosition()) != epoch16) {
            throw loseRole("the producer position word has another holder's epoch");
        }
        return seen;
    }

    /** Reserve: extends our reservation to cover {@code needEnd}, by CAS from the word we last wrote. */
    private void reserve(long needEnd) {
        long end = Math.max(needEnd, Math.min(tail + chunk, cachedConsumerPosition + capacity));
        if (!ring.casReservation(packPosition(epoch16, reservedEnd), packPosition(epoch16, end))) {
            throw lostOrCorrupt("the reservation word changed under us");
        }
        reservedEnd = end;
    }

    /** A fenced word did not hold what we wrote: another holder fenced us, or a peer scribbled on it. */
    private RuntimeException lostOrCorrupt(String what) {
        if (wordEpoch(ring.readProducerPosition()) != epoch16 || wordEpoch(ring.readReservation()) != epoch16) {
            throw loseRole(what);
        }
        throw poison(what + ", yet the position and reservation words still hold our epoch " + epoch16);
    }

    /** A lost holder frees the holes recorded for it: every store it made came before. */
    @Override
    void afterLoss() {
        closeClaimQuietly();
        try {
            Holes.release(ring, epoch16);
        } catch (InternalError e) {
            // the mapping is gone: nothing to free
        }
    }

    /**
     * Closing a region's producer: the reservation shrinks back to what we published, so the next
     * holder records no hole. (A ring file's next holder frees every hole under its lock.)
     */
    @Override
    void beforeRelease() {
        if (fenced) {
            ring.casReservation(packPosition(epoch16, reservedEnd), packPosition(epoch16, publishedTail));
        }
    }

    /** Bytes the next step of a claim of {@code size} needs at the current tail (see {@link #claimRoom}). */
    private int needed(int size) {
        int skip = (int) (skipPrefix(tail) - tail);
        int index = indexOf(tail) + skip;
        int toEnd = capacity - index;
        return stepBytes(skip, paddingAt(index, size, toEnd), size, toEnd);
    }

    /**
     * The padding due at {@code index} before a record of {@code size} ({@code toEnd} bytes before
     * the region end): to the end when it does not fit, or over a hole ({@link Holes#paddingAt}).
     */
    private int paddingAt(int index, int size, int toEnd) {
        return holes.isEmpty() ? (size > toEnd ? toEnd : 0) : holes.paddingAt(index, size, toEnd);
    }

    /**
     * The room the next step needs: the skipped lap prefix, then the record; or a padding to the end,
     * the next lap's prefix and the record; or a hole's padding alone (a step of its own).
     */
    private int stepBytes(int skip, int pad, int size, int toEnd) {
        return skip + (pad == 0 ? size : size > toEnd ? pad + lapPrefix + size : pad);
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

    /** Re-check for room for the record a blocked {@link #claim} waits to fit. */
    @Override
    boolean hasWork() {
        refreshConsumerPosition();
        return tail + needed(waitingFor) - cachedConsumerPosition <= capacity;
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
        long consumerPosition = positionNear(ring.readConsumerPosition(), cachedConsumerPosition);
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
            if (!ring.writeRecordHeader(claimIndex, claimSeen, claimLength, claimType)) {
                throw lostOrCorrupt("the header word at index " + claimIndex + " changed under our claim");
            }
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
                if (!ring.publishProducerPosition(packPosition(epoch16, publishedTail), packPosition(epoch16, tail))) {
                    throw lostOrCorrupt("the producer position word changed under us");
                }
                publishedTail = tail;
                wakeup.afterPublish();
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

    private void closeClaimQuietly() {
        if (claimIndex >= 0) {
            closeClaim();
        }
    }
}
