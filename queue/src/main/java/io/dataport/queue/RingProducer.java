package io.dataport.queue;

import static io.dataport.queue.RingLayout.*;

import java.nio.ByteBuffer;

/**
 * The producing end of a ring: the only writer of records and of the producer position.
 *
 * <h2>Algorithm (layout version 3: commit in the record)</h2>
 * The producer owns {@code tail}, the position after the last record it committed. Bytes in
 * [consumer position, tail) belong to the consumer or are committed; bytes in
 * [tail, consumer position + capacity) are free. The slot at the frontier holds the
 * {@link RingLayout#END_MARKER end marker}. A claim of a record of {@code size} bytes
 * ({@link RingLayout#recordSize}) at {@code index = tail mod capacity}:
 * <ol>
 *   <li>{@link #tryClaim}: needs the record's bytes, the lap prefix after it if it ends a lap, and
 *       8 more for the end marker after it; or a padding to the region end first when the record
 *       does not fit before it ({@code size > toEnd}: a record that exactly fills to the end needs
 *       no padding). The check uses {@code cachedConsumerPosition}; only when it fails is the shared
 *       consumer position re-read ({@link #refreshConsumerPosition}). If there is still no room the
 *       claim fails and nothing was written.</li>
 *   <li>Reserve: the bytes must lie below the end of this holder's reservation; when they do not,
 *       the reservation word is extended by CAS (a chunk at a time), and the producer position
 *       word, a recovery hint, is moved to the frontier.</li>
 *   <li>ReadSlot: the header word at the index is read (the end marker: the expected value of the
 *       header CAS), then the epoch of the producer position word is checked: another one means we
 *       lost the role.</li>
 *   <li>WritePadding: when the record does not fit before the end (or the index lies in a hole), the
 *       end marker goes where the padding ends (WriteEndMarker), then the padding header by CAS,
 *       and {@code tail} advances past it.</li>
 *   <li>WritePayload: the caller writes the payload through {@link ClaimedRecord}.</li>
 *   <li>WriteEndMarker, WriteRecordHeader ({@link #commitBatched}): the end marker goes after the
 *       record, then the record header (length, type) by CAS from the value ReadSlot saw (by a
 *       release store in a ring file, see below), and {@code tail} advances. The header of the
 *       first record of a batch is held back (its slot keeps the end marker, which stops the
 *       consumer there).</li>
 *   <li>Publish ({@link #publish}, also done by {@link #commit}): the held header is stored the
 *       same way: the whole batch becomes visible at once.</li>
 * </ol>
 *
 * <h2>Why it is correct</h2>
 * Every write lands in [tail, cachedConsumerPosition + capacity); the cached consumer position is
 * never ahead of the real one (the consumer only moves forward), so no unread byte is overwritten.
 * A header is stored (a CAS or a release store: both release) after its payload and after the
 * end marker that follows it, so the consumer, which reads headers with acquire, never reads an
 * uncommitted byte, and the next slot it reads holds the end marker or a header written for it in
 * this lap. A record is committed exactly when its batch's first header is stored: a crash before
 * that loses only uncommitted records. A restarted producer finds its frontier by a bounded,
 * validated scan of the headers from the later of the hint and the consumer position
 * ({@link #findEnd}). These are the invariants TLC checks in {@code spec/DataportRing.tla}.
 *
 * <h2>Fencing a stalled holder</h2>
 * Between VMs a holder may stall (a paused VM) past its lease and resume between any two of its
 * stores. On attach, a producer takes the role over in the order {@code spec/RingFencing.tla}
 * checks: FenceReservation (the reservation word gets our epoch: the old holder can no longer
 * extend it), ReadPosition (the hint {@code P}), RecordHole (the old holder's reserved range
 * {@code [P, R)} becomes a hole, see {@link Holes}), FencePosition (the position word gets our
 * epoch), then the scan for the frontier. A resumed old holder's payload and end-marker stores then
 * land in the hole, which every holder pads over; its next header CAS, reservation CAS or hint CAS
 * fails, or its next ReadSlot sees another epoch in the position word, and it throws
 * {@link RegionException} after freeing its own holes. One commit of the old holder may still be in
 * flight (it passed ReadSlot before the fence): it races with our padding CAS at the same slot; if
 * it wins, we find its record there and pad after it.
 *
 * <p>Only a region's producer needs the header and padding CASes: a ring file's lock proves every
 * earlier holder gone, so no late commit can race with ours and a release store commits
 * ({@link #storeHeader}; decision 1703: the CAS's locked instruction cost a quarter of the
 * throughput at 64 B). The lap-start end marker stays a CAS in both (once per lap).
 *
 * <p>The consumer position is shared memory and untrusted: it must be 8-byte aligned, never move
 * backwards and never pass what we made visible; otherwise this end is poisoned
 * ({@link RingCorruptedException}). Not thread-safe: one producer thread at a time.
 */
public final class RingProducer extends RingEnd {
    private final ClaimedRecord claim;
    private final Holes holes;
    /** Our epoch in fenced words: the low 16 bits of the lease epoch. */
    private final int epoch16;
    /** The end marker we write: it carries our epoch ({@link RingLayout#endMarker}). */
    private final long ourEndMarker;
    /** Bytes a Reserve adds at a time (at least what the claim needs). */
    private final int chunk;
    /** Whether earlier holders may still be running (a region's ring): then closing shrinks the reservation. */
    private final boolean fenced;
    private long tail;
    /** The last position we stored in the producer position word (the recovery hint). */
    private long hint;
    /**
     * Until {@code tail} reaches this position, the slot at our frontier may hold a record the
     * previous holder committed late, after we took over: the end of its reservation for a region's
     * ring, our starting tail when no predecessor may still run (a ring file, under its lock).
     */
    private long lateCommitsBefore;
    /** The batch's first record, whose header is held back until {@link #publish} (-1: none). */
    private int heldIndex = -1;
    private long heldPosition;
    private long heldHeader;
    /** The end marker ReadSlot saw at the held record's slot: the expected value of its CAS. */
    private long heldSeen;
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
    /** The end marker's slot after the open claim, and (at a lap's first slot) the word read there. */
    private int claimEndIndex;
    private long claimEndSeen;
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
        this.holes = new Holes(ring, capacity, lapPrefix);
        this.epoch16 = (int) epoch & EPOCH_MASK;
        this.ourEndMarker = endMarker(epoch16);
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
        this.hint = producerPosition;
        this.reservedEnd = positionNear(reservation, producerPosition);   // the word holds (our epoch, R) now
        this.cachedConsumerPosition = consumerPosition;
        this.tail = findEnd(producerPosition - consumerPosition >= 0 ? producerPosition : consumerPosition);
        this.lateCommitsBefore = recordHole ? reservedEnd : tail;
        loadHoles();
    }

    /**
     * ScanForEnd ({@link Frontier#find}): the frontier, from {@code from} (the later of the hint and
     * the consumer position); a header that is neither a record, a padding nor the end marker, or
     * records past the consumer position + capacity, poison this end, unless the position word shows
     * that a newer holder took over while we scanned (its stores met our scan): then we lost.
     */
    private long findEnd(long from) {
        long end = Frontier.find(ring, config, from, cachedConsumerPosition);
        if (end < 0) {
            long at = -1 - end;
            if (wordEpoch(ring.readProducerPosition()) != epoch16) {     // a newer taker, not corruption
                throw loseRole("the producer position word has another holder's epoch after the recovery scan");
            }
            poison("the recovery scan from position " + from + " found a header that is neither a record,"
                    + " a padding nor the end marker at position " + at + " (word 0x"
                    + Long.toHexString(ring.scanForEnd(indexOf(skipPrefix(at)))) + "), or the records pass the"
                    + " consumer position " + cachedConsumerPosition + " + the capacity " + capacity);
        }
        return end;
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
     *
     * @throws RegionException when the record fits in no gap between the holes that takeovers of a
     *     region's ring left ({@link RingLayout#recordSize} of {@code length} larger than the largest
     *     gap; decision 1801). Nothing was written, and the end stays usable for smaller records;
     *     the message gives the largest payload that fits. The holes go when their holders come
     *     back, or with a reset of the region when no peer runs ({@code dataport region zero}).
     *     Also when this end lost its role ("lost its role").
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
                // Decision 1801. A record larger than every gap between the holes fits nowhere, on
                // any lap: the steps below would pad round the ring for ever. Refuse it now, on the
                // first pass before any store (and after a reload, which in a ring we hold only
                // drops holes). A record that fits the largest gap [a, b) is placed by the steps
                // below, at a at the latest (from an index past a, paddings reach the region end and
                // the next lap starts at the prefix, at or before a): every padding from an index x
                // before a ends at or before a. Over a hole it ends at the hole's end, and that hole
                // cannot reach past a without covering a; to the region end only when the record
                // does not fit before it, yet it fits before b <= capacity from a > x; to the start
                // of a hole the record would overlap, which lies below x + size < a + (b - a) = b
                // and holds no index of [a, b), so at or before a. At a no hole covers the index
                // or starts within the record, and the record fits before b: no padding is due.
                if (size > holes.largestGap()) {
                    throw noGap(size);
                }
            }
            int pad = paddingAt(index, size, toEnd);
            int needed = stepBytes(tail, skip, pad, size, toEnd);
            if (!hasRoom(needed)) {
                return null;
            }
            if (tail + needed - hint > capacity) {
                publishHint();                            // never a lap behind what we write (HintFresh)
            }
            tail += skip;
            if (tail - skip + needed - reservedEnd > 0) {
                reserve(tail - skip + needed);
            }
            int endIndex = indexOf(skipPrefix(tail + (pad == 0 ? size : pad)));
            long seen = ring.readSlot(index);                              // ReadSlot
            long endSeen = endIndex == lapPrefix ? ring.readSlot(endIndex) : 0; // ReadEndSlot
            checkEpoch();                                                  // CheckEpoch
            if (!isEndMarker(seen)) {
                tail += lateCommit(seen, index);          // the previous holder's record: pad after it
                continue;
            }
            if (pad == 0) {
                claimIndex = index;
                claimLength = length;
                claimType = type;
                claimSeen = seen;
                claimEndIndex = endIndex;
                claimEndSeen = endSeen;
                claim.wrap(index + RECORD_HEADER_LENGTH, length);
                return claim;
            }
            writeEndMarker(endIndex, endSeen);
            if (!storePadding(index, seen, pad - RECORD_HEADER_LENGTH)) {
                tail += lateCommit(ring.readSlot(index), index);
                continue;
            }
            tail += pad;
        }
    }

    /** The refusal of a claim of a record of {@code size} bytes that fits in no gap between the holes. */
    private RegionException noGap(int size) {
        int gap = holes.largestGap();
        return new RegionException("a record of " + size + " bytes fits in no gap between the " + holes.count()
                + " holes takeovers left (largest gap " + gap + " bytes): send records of at most "
                + Math.max(gap - RECORD_HEADER_LENGTH, 0) + " payload bytes, or reset the region when no peer"
                + " runs (dataport region zero)");
    }

    /**
     * The slot at our frontier does not hold the end marker: right after a takeover of a region's
     * ring it may hold a record (or padding) the previous holder committed late, in its reserved
     * range (its commit was in flight when we fenced it); we step over it. Anywhere else a peer
     * scribbled on it. Returns the bytes to step over.
     */
    private int lateCommit(long header, int index) {
        int size = Frontier.committedSize(header, index, capacity, maxRecordLength);
        if (tail - lateCommitsBefore >= 0 || size < 0) {
            throw lostOrCorrupt("the header word at index " + index + " (0x" + Long.toHexString(header)
                    + ") is not the end marker our frontier must hold");
        }
        return size;
    }

    /**
     * CheckEpoch, after ReadSlot (and ReadEndSlot): the producer position word must still hold our
     * epoch; another one means a taker fenced us before we read the slot, and may have padded it
     * since, so the CAS alone could not tell.
     */
    private void checkEpoch() {
        if (wordEpoch(ring.readProducerPosition()) != epoch16) {
            throw loseRole("the producer position word has another holder's epoch");
        }
    }

    /**
     * WriteEndMarker: our end marker at data {@code index}; at the first slot of a lap by CAS from
     * {@code expected}, the word read there before CheckEpoch (a taker may pad there: a plain late
     * store would cut its chain, spec/RingFencing.tla's FencingPlainEndMarkerAtLapStart). If that CAS
     * fails and an end marker is there already, nothing more is needed; anything else: we lost.
     */
    private void writeEndMarker(int index, long expected) {
        if (index != lapPrefix) {
            ring.writeEndMarker(index, ourEndMarker);
        } else if (!ring.casEndMarker(index, expected, ourEndMarker) && !isEndMarker(ring.readSlot(index))) {
            throw lostOrCorrupt("the word at the lap's first slot changed under our end marker");
        }
    }

    /**
     * WriteRecordHeader / Publish: the commit. In a region's ring, by CAS from {@code seen}, the
     * word ReadSlot read: it fails when a taker padded the slot since (we lost the role). In a ring
     * file no earlier holder can still run (its lock), so a release store does, without the CAS's
     * locked instruction on the line the consumer polls (decision 1703).
     */
    private boolean storeHeader(int index, long seen, int length, int type) {
        if (fenced) {
            return ring.writeRecordHeader(index, seen, length, type);
        }
        ring.releaseRecordHeader(index, length, type);
        return true;
    }

    /** WritePadding: by CAS from {@code seen} in a region's ring, a release store in a ring file ({@link #storeHeader}). */
    private boolean storePadding(int index, long seen, int length) {
        if (fenced) {
            return ring.writePadding(index, seen, length);
        }
        ring.releasePadding(index, length);
        return true;
    }

    /**
     * Reserve: extends our reservation to cover {@code needEnd}, by CAS from the word we last wrote,
     * and moves the recovery hint to the frontier (PublishProducerPosition): the hint thus never
     * falls more than a chunk and a record behind.
     */
    private void reserve(long needEnd) {
        long end = Math.max(needEnd, Math.min(tail + chunk, cachedConsumerPosition + capacity));
        if (!ring.casReservation(packPosition(epoch16, reservedEnd), packPosition(epoch16, end))) {
            throw lostOrCorrupt("the reservation word changed under us");
        }
        reservedEnd = end;
        publishHint();
    }

    /** PublishProducerPosition: the hint moves to the frontier the consumer can see (CAS, fenced). */
    private void publishHint() {
        long frontier = visibleEnd();
        if (frontier != hint) {
            if (!ring.publishProducerPosition(packPosition(epoch16, hint), packPosition(epoch16, frontier))) {
                throw lostOrCorrupt("the producer position word changed under us");
            }
            hint = frontier;
        }
    }

    /** The end of what the consumer can read: the held header's position, or the tail. */
    private long visibleEnd() {
        return heldIndex >= 0 ? heldPosition : tail;
    }

    /** A fenced word did not hold what we wrote: another holder fenced us, or a peer scribbled on it. */
    private RuntimeException lostOrCorrupt(String what) {
        if (wordEpoch(ring.readProducerPosition()) != epoch16 || wordEpoch(ring.readReservation()) != epoch16) {
            throw loseRole(what);
        }
        throw poison(what + ", yet the position and reservation words still hold our epoch " + epoch16);
    }

    /** A poisoned producer closes its claim: the claim's writes then throw the poison too. */
    @Override
    void afterPoison() {
        closeClaimQuietly();
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
     * Closing a region's producer: the hint moves to the frontier, then the reservation shrinks
     * back to it, so the next holder records no hole and scans nothing. (A ring file's next holder
     * frees every hole under its lock and scans from the hint; its close touches no shared memory.)
     * A batch never published is dropped.
     */
    @Override
    void beforeRelease() {
        if (fenced) {
            publishHint();
            ring.casReservation(packPosition(epoch16, reservedEnd), packPosition(epoch16, visibleEnd()));
        }
    }

    /** Bytes the next step of a claim of {@code size} needs at the current tail (see {@link #claimRoom}). */
    private int needed(int size) {
        int skip = (int) (skipPrefix(tail) - tail);
        int index = indexOf(tail) + skip;
        int toEnd = capacity - index;
        return stepBytes(tail, skip, paddingAt(index, size, toEnd), size, toEnd);
    }

    /**
     * The padding due at {@code index} before a record of {@code size} ({@code toEnd} bytes before
     * the region end): to the end when it does not fit, or over a hole ({@link Holes#paddingAt}).
     */
    private int paddingAt(int index, int size, int toEnd) {
        return holes.isEmpty() ? (size > toEnd ? toEnd : 0) : holes.paddingAt(index, size, toEnd);
    }

    /**
     * The room the next step at {@code at} needs, up to and including the end marker's slot after
     * it: the skipped lap prefix, then the record; or a padding to the end, the next lap's prefix
     * and the record; or a hole's padding alone (a step of its own); each followed by the next
     * lap's prefix when it ends a lap, and 8 bytes for the end marker.
     */
    private int stepBytes(long at, int skip, int pad, int size, int toEnd) {
        long stepEnd = at + skip + (pad == 0 ? size : size > toEnd ? pad + lapPrefix + size : pad);
        return (int) (skipPrefix(stepEnd) + RECORD_HEADER_LENGTH - at);
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
                || skipPrefix(visibleEnd()) - consumerPosition < 0) {
            poison("consumer position " + consumerPosition + " is misaligned, moved back from "
                    + cachedConsumerPosition + " or passed what we made visible, " + visibleEnd());
        }
        cachedConsumerPosition = consumerPosition;
    }

    /** Commits the claimed record and publishes it (and any batched records) to the consumer. */
    public void commit() {
        commitBatched();
        publish();
    }

    /**
     * WriteEndMarker and WriteRecordHeader: commits the claimed record without telling the consumer
     * yet; a later {@link #publish} or {@link #commit} makes every record committed so far visible
     * with one store (the first one's header, held back until then). A record that is committed but
     * not published is lost if this process dies.
     */
    public void commitBatched() {
        checkClaim();
        int size = recordSize(claimLength);
        try {
            writeEndMarker(claimEndIndex, claimEndSeen);
            if (heldIndex < 0) {
                heldIndex = claimIndex;                   // the batch's first header waits for publish
                heldPosition = tail;
                heldHeader = packHeader(claimLength, claimType);
                heldSeen = claimSeen;
            } else if (!storeHeader(claimIndex, claimSeen, claimLength, claimType)) {
                throw lostOrCorrupt("the header word at index " + claimIndex + " changed under our claim");
            }
        } catch (InternalError e) {
            throw mappingFault(e);
        }
        tail += size;
        records++;
        bytes += claimLength;
        closeClaim();
    }

    /** Publish: makes every committed record visible to the consumer (the held header's store). */
    public void publish() {
        checkUsable();
        if (heldIndex >= 0) {
            try {
                if (!storeHeader(heldIndex, heldSeen, headerLength(heldHeader), headerType(heldHeader))) {
                    throw lostOrCorrupt("the header word at index " + heldIndex + " changed under our held header");
                }
                heldIndex = -1;
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
