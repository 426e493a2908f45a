package io.dataport.queue;

import io.dataport.queue.TraceEvent.Side;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Trace validation (issue 4, part 3): a {@link SharedRing} that logs every shared-memory access as
 * a {@link TraceEvent} named after the TLA+ action that performs it: the action of
 * {@code spec/DataportRing.tla}, or for the accesses of fencing (decision 0901), which DataportRing
 * does not know, the action of {@code spec/RingFencing.tla} (ReadSlot, Reserve, FenceReservation,
 * FencePosition, RecordHole, ...). A store is logged, then made; a load or a compare-and-set is made,
 * then logged with what it read or whether it succeeded; nothing runs in between (one thread).
 * Which DataportRing event each access is checked as, and why some are not checked, is decided in
 * one place: {@link TraceEvent#inDataportRing()}. The Java ring code is unchanged:
 * {@link RingProducer} and {@link RingConsumer} are handed this object instead of a plain
 * {@code SharedRing}.
 *
 * <p>The ring is driven by one thread ({@link RandomRingRun}), which says before each call whose
 * end is acting ({@link #actor}), so every access is attributed to the producer or the consumer.
 * Two test hooks run before each access, never inside one:
 * <ul>
 *   <li>a crash: a side can be killed at its n-th next access ({@link #armCrash}) or at once
 *       ({@link #crashNow}). The access does not happen, a {@code Crash...} event is logged and
 *       {@link Crashed} is thrown; every later access of the dead side (for example the
 *       {@code finally} of {@code RingConsumer.poll}) throws again without touching memory, as if
 *       the process were gone, until the driver attaches a new end ({@link #revive}).</li>
 *   <li>an interleaving: the {@link Interleaver} may run whole operations of the other side first,
 *       so the other end acts between any two shared accesses of this one (never nested deeper).</li>
 * </ul>
 */
class TracingSharedRing extends SharedRing {

    /** The driver's view of "the process of this side died here". */
    static final class Crashed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final Side side;

        Crashed(Side side) {
            super(side + " crashed", null, false, false);
            this.side = side;
        }
    }

    /** Runs operations of the other side before an access of {@code side}. */
    interface Interleaver {
        void beforeAccess(Side side);
    }

    private final List<TraceEvent> log = new ArrayList<>();
    private boolean tracing;
    private Side actor = Side.PRODUCER;
    private final boolean[] dead = new boolean[2];
    private final int[] crashIn = new int[2];
    private Interleaver interleaver;
    private boolean interleaving;
    /** The action of each side's last logged event (set-up included): CheckProducerEpoch follows ReadSlot. */
    private final String[] lastAction = new String[2];
    /** Logged events that are steps of DataportRingTrace ({@link TraceEvent#inDataportRing()} not null). */
    private int steps;
    /**
     * The 64-bit counters rebuilt from the producer and consumer position words and from the
     * reservation word's end: each access rebuilds the word's 48-bit position relative to the
     * previous value of that word ({@link RingLayout#positionNear}).
     */
    private long producerPosition;
    private long consumerPosition;
    private long reservationEnd;

    TracingSharedRing(ByteBuffer region) {
        super(region);
    }

    /** From now on every access is logged (the set-up before it, the initial attach, is not). */
    void startTracing(Interleaver interleaver) {
        this.interleaver = interleaver;
        this.tracing = true;
    }

    void stopTracing() {
        this.tracing = false;
        this.interleaver = null;
    }

    boolean isTracing() {
        return tracing;
    }

    List<TraceEvent> log() {
        return Collections.unmodifiableList(log);
    }

    int events() {
        return log.size();
    }

    /** Logged events that the trace module checks against DataportRing (the others have no counterpart there). */
    int steps() {
        return steps;
    }

    /**
     * Where the 64-bit counters start: the driver planted {@code position} (mod 2^48) in both
     * position words and the reservation word before the first attach.
     */
    void positionsStartAt(long position) {
        producerPosition = position;
        consumerPosition = position;
        reservationEnd = position;
    }

    /** The producer position word's position as a 64-bit counter, as last read or published. */
    long producerPosition() {
        return producerPosition;
    }

    /** The end whose code runs now; the driver sets it before every call into a ring end. */
    void actor(Side side) {
        this.actor = side;
    }

    Side actor() {
        return actor;
    }

    boolean isDead(Side side) {
        return dead[side.ordinal()];
    }

    /** Logs an application-level event of the current actor (a local-only step of the spec). */
    void note(TraceEvent event) {
        if (tracing) {
            if (event.side() != actor) {
                throw new IllegalStateException("event " + event + " logged while the actor is " + actor);
            }
        }
        record(event);
    }

    /** The side dies at its {@code accesses}-th next shared access (1 = the next one). */
    void armCrash(Side side, int accesses) {
        if (crashIn[side.ordinal()] == 0) {
            crashIn[side.ordinal()] = accesses;
        }
    }

    /** The current actor dies now, between two accesses. */
    void crashNow(Side side) {
        crashIn[side.ordinal()] = 0;
        dead[side.ordinal()] = true;
        note(TraceEvent.of(side, side == Side.PRODUCER ? "CrashProducer" : "CrashConsumer"));
        throw new Crashed(side);
    }

    /** A new process of this side is about to attach. */
    void revive(Side side) {
        dead[side.ordinal()] = false;
        crashIn[side.ordinal()] = 0;
    }

    /** Before every access: the dead do not act; an armed crash fires; the other side may act first. */
    private void step(Side expected) {
        if (!tracing) {
            return;
        }
        Side side = actor;
        if (expected != null && side != expected) {
            throw new IllegalStateException("a " + expected + " access made while the actor is " + side);
        }
        if (dead[side.ordinal()]) {
            throw new Crashed(side);
        }
        int i = side.ordinal();
        if (crashIn[i] > 0 && --crashIn[i] == 0) {
            crashNow(side);
        }
        if (interleaver != null && !interleaving) {
            interleaving = true;
            try {
                interleaver.beforeAccess(side);
            } finally {
                interleaving = false;
                actor = side;
            }
        }
    }

    private void record(TraceEvent event) {
        lastAction[event.side().ordinal()] = event.action();
        if (tracing) {
            log.add(event);
            if (event.inDataportRing() != null) {
                steps++;
            }
        }
    }

    /** The producer position word (epoch and 48-bit position), read without logging (for test-only variants). */
    final long peekProducerPosition() {
        return region().getLong(RingLayout.PRODUCER_POSITION_OFFSET);
    }

    /** The consumer position word (epoch and 48-bit position), read without logging (for test-only variants). */
    final long peekConsumerPosition() {
        return region().getLong(RingLayout.CONSUMER_POSITION_OFFSET);
    }

    final int peekCapacity() {
        return (int) region().getLong(RingLayout.CAPACITY_OFFSET);
    }

    // ---- header page (not modelled by DataportRing: logged, skipped by the trace spec) ----

    @Override
    long readMagic() {
        step(null);
        record(TraceEvent.of(actor, "ReadMagic"));
        return super.readMagic();
    }

    @Override
    int readLayoutVersion() {
        step(null);
        record(TraceEvent.of(actor, "ReadLayoutVersion"));
        return super.readLayoutVersion();
    }

    @Override
    int readHeaderLength() {
        step(null);
        record(TraceEvent.of(actor, "ReadHeaderLength"));
        return super.readHeaderLength();
    }

    @Override
    long readCapacity() {
        step(null);
        record(TraceEvent.of(actor, "ReadCapacity"));
        return super.readCapacity();
    }

    @Override
    int readMaxRecordLength() {
        step(null);
        record(TraceEvent.of(actor, "ReadMaxRecordLength"));
        return super.readMaxRecordLength();
    }

    @Override
    long readCreationEpoch() {
        step(null);
        record(TraceEvent.of(actor, "ReadCreationEpoch"));
        return super.readCreationEpoch();
    }

    @Override
    long readTag() {
        step(null);
        record(TraceEvent.of(actor, "ReadTag"));
        return super.readTag();
    }

    // ---- positions (Refresh*, Publish*, Attach*, the fences) and epochs ----
    // A position word is epoch16 << 48 | position mod 2^48. What is logged is the 48-bit position
    // rebuilt as a 64-bit counter, RingLayout.positionNear relative to the previous value of the
    // same word (the driver sets the first, positionsStartAt), and the word's epoch; DataportRing's
    // positions are plain counters and it has no epochs. A CAS is logged after it ran, with its
    // outcome; a failed one gets the suffix "Failed", which DataportRingTrace rejects (an honest run
    // has no takeover, so every CAS it makes succeeds).

    /**
     * The consumer's RefreshProducerPosition, either end's attach (the producer's ReadPosition), or
     * the producer's check of the word's epoch right after ReadSlot (CheckProducerEpoch: RingProducer
     * reads the word there only for its epoch, see {@link TraceEvent#inDataportRing()}).
     */
    @Override
    long readProducerPosition() {
        step(null);
        boolean epochCheck = actor == Side.PRODUCER && "ReadSlot".equals(lastAction[Side.PRODUCER.ordinal()]);
        long word = super.readProducerPosition();
        producerPosition = RingLayout.positionNear(word, producerPosition);
        record(TraceEvent.of(actor, epochCheck ? "CheckProducerEpoch" : "ReadProducerPosition", producerPosition,
                RingLayout.wordEpoch(word)));
        return word;
    }

    /**
     * PublishProducerPosition (the CAS moves the position), or the attach's FencePosition (the CAS
     * keeps the position and puts the attaching end's epoch in the word).
     */
    @Override
    boolean publishProducerPosition(long expected, long value) {
        step(Side.PRODUCER);
        boolean ok = super.publishProducerPosition(expected, value);
        long position = RingLayout.positionNear(value, producerPosition);
        if (ok) {
            producerPosition = position;
        }
        record(TraceEvent.of(Side.PRODUCER, casAction(isFence(expected, value) ? "FenceProducerPosition"
                : "PublishProducerPosition", ok), position, RingLayout.wordEpoch(value)));
        return ok;
    }

    /** The producer's RefreshConsumerPosition, or either end's attach. */
    @Override
    long readConsumerPosition() {
        step(null);
        long word = super.readConsumerPosition();
        consumerPosition = RingLayout.positionNear(word, consumerPosition);
        record(TraceEvent.of(actor, "ReadConsumerPosition", consumerPosition, RingLayout.wordEpoch(word)));
        return word;
    }

    /** PublishConsumerPosition (the CAS moves the position), or the consumer's fence at attach (it does not). */
    @Override
    boolean publishConsumerPosition(long expected, long value) {
        step(Side.CONSUMER);
        boolean ok = super.publishConsumerPosition(expected, value);
        long position = RingLayout.positionNear(value, consumerPosition);
        if (ok) {
            consumerPosition = position;
        }
        record(TraceEvent.of(Side.CONSUMER, casAction(isFence(expected, value) ? "FenceConsumerPosition"
                : "PublishConsumerPosition", ok), position, RingLayout.wordEpoch(value)));
        return ok;
    }

    /** A CAS of a position or reservation word that keeps the 48-bit position: only the epoch changes. */
    private static boolean isFence(long expected, long value) {
        return ((expected ^ value) & RingLayout.POSITION_MASK) == 0;
    }

    private static String casAction(String action, boolean ok) {
        return ok ? action : action + TraceEvent.FAILED;
    }

    // ---- the reservation word and the hole table (spec/RingFencing.tla; not in DataportRing) ----

    @Override
    long readReservation() {
        step(Side.PRODUCER);
        long word = super.readReservation();
        reservationEnd = RingLayout.positionNear(word, reservationEnd);
        record(TraceEvent.of(Side.PRODUCER, "ReadReservation", reservationEnd, RingLayout.wordEpoch(word)));
        return word;
    }

    /**
     * FenceReservation at attach (same end, the attaching end's epoch), Reserve during a claim (the
     * end moves forward), or the shrink of a region producer's close (the end moves back).
     */
    @Override
    boolean casReservation(long expected, long value) {
        step(Side.PRODUCER);
        boolean ok = super.casReservation(expected, value);
        long from = RingLayout.positionNear(expected, reservationEnd);
        long to = RingLayout.positionNear(value, reservationEnd);
        if (ok) {
            reservationEnd = to;
        }
        String action = to == from ? "FenceReservation" : to - from > 0 ? "Reserve" : "ShrinkReservation";
        record(TraceEvent.of(Side.PRODUCER, casAction(action, ok), to, RingLayout.wordEpoch(value)));
        return ok;
    }

    @Override
    long readHole(int slot) {
        step(Side.PRODUCER);
        long word = super.readHole(slot);
        record(TraceEvent.of(Side.PRODUCER, "ReadHole", slot, word));
        return word;
    }

    /** RecordHole (a taker, from 0) or ReleaseHole (to 0). */
    @Override
    boolean casHole(int slot, long expected, long value) {
        step(Side.PRODUCER);
        boolean ok = super.casHole(slot, expected, value);
        record(TraceEvent.of(Side.PRODUCER, casAction(value != 0 ? "RecordHole" : "ReleaseHole", ok), slot,
                value != 0 ? value : expected));
        return ok;
    }

    // ---- epochs, leases and heartbeats: not DataportRing's. A ring file's ends move the epoch at
    //      attach (left out of the trace module, see TraceEvent.inDataportRing) and may read it
    //      (DataportRingTrace skips Read*Epoch). The lease and heartbeat words and the control-state
    //      check belong to Lease and Region, which the driver does not use: logged so that the log
    //      holds every access, and sent to TLC, which rejects them (no such action) ----

    @Override
    long advanceProducerEpoch() {
        step(Side.PRODUCER);
        record(TraceEvent.of(Side.PRODUCER, "AdvanceProducerEpoch"));
        return super.advanceProducerEpoch();
    }

    @Override
    long advanceConsumerEpoch() {
        step(Side.CONSUMER);
        record(TraceEvent.of(Side.CONSUMER, "AdvanceConsumerEpoch"));
        return super.advanceConsumerEpoch();
    }

    @Override
    long readProducerEpoch() {
        step(null);
        record(TraceEvent.of(actor, "ReadProducerEpoch"));
        return super.readProducerEpoch();
    }

    @Override
    long readConsumerEpoch() {
        step(null);
        record(TraceEvent.of(actor, "ReadConsumerEpoch"));
        return super.readConsumerEpoch();
    }

    @Override
    long readLease(Role role) {
        step(null);
        record(TraceEvent.state(actor, "ReadLease", role.name()));
        return super.readLease(role);
    }

    @Override
    boolean casLease(Role role, long expected, long value) {
        step(null);
        record(TraceEvent.state(actor, "CasLease", role.name()));
        return super.casLease(role, expected, value);
    }

    @Override
    long readHeartbeat(Role role) {
        step(null);
        record(TraceEvent.state(actor, "ReadHeartbeat", role.name()));
        return super.readHeartbeat(role);
    }

    @Override
    void writeHeartbeat(Role role, long value) {
        step(null);
        record(TraceEvent.state(actor, "WriteHeartbeat", role.name()));
        super.writeHeartbeat(role, value);
    }

    @Override
    boolean hasControlState() {
        step(null);
        record(TraceEvent.of(actor, "ReadControlState"));
        return super.hasControlState();
    }

    // ---- wake-up flags (spec/DataportWakeup.tla, not DataportRing: skipped by the trace spec) ----

    @Override
    void writeConsumerNeedsWakeup(int value) {
        step(Side.CONSUMER);
        record(TraceEvent.of(Side.CONSUMER, "WriteConsumerNeedsWakeup", value));
        super.writeConsumerNeedsWakeup(value);
    }

    @Override
    int readConsumerNeedsWakeup() {
        step(null);
        record(TraceEvent.of(actor, "ReadConsumerNeedsWakeup"));
        return super.readConsumerNeedsWakeup();
    }

    @Override
    void writeProducerNeedsWakeup(int value) {
        step(Side.PRODUCER);
        record(TraceEvent.of(Side.PRODUCER, "WriteProducerNeedsWakeup", value));
        super.writeProducerNeedsWakeup(value);
    }

    @Override
    int readProducerNeedsWakeup() {
        step(null);
        record(TraceEvent.of(actor, "ReadProducerNeedsWakeup"));
        return super.readProducerNeedsWakeup();
    }

    @Override
    void fence() {
        step(null);
        record(TraceEvent.of(actor, "Fence"));
        super.fence();
    }

    // ---- records (ReadSlot, WriteEndMarker, WritePadding, WriteRecordHeader, ReadRecordHeader, ScanForEnd) ----

    /** ReadSlot (RingFencing): the header word at a claim's index, the expected value of its CAS. */
    @Override
    long readSlot(int index) {
        step(Side.PRODUCER);
        long word = super.readSlot(index);
        record(headerEvent(Side.PRODUCER, "ReadSlot", index, word));
        return word;
    }

    @Override
    boolean writePadding(int index, long expected, int length) {
        step(Side.PRODUCER);
        boolean ok = super.writePadding(index, expected, length);
        record(TraceEvent.of(Side.PRODUCER, casAction("WritePadding", ok), index, length));
        return ok;
    }

    @Override
    boolean writeRecordHeader(int index, long expected, int length, int type) {
        step(Side.PRODUCER);
        boolean ok = super.writeRecordHeader(index, expected, length, type);
        record(TraceEvent.of(Side.PRODUCER, casAction("WriteRecordHeader", ok), index, length, type));
        return ok;
    }

    /** WritePadding of a ring file's producer: a release store (decision 1703); the same action. */
    @Override
    void releasePadding(int index, int length) {
        step(Side.PRODUCER);
        super.releasePadding(index, length);
        record(TraceEvent.of(Side.PRODUCER, "WritePadding", index, length));
    }

    /** WriteRecordHeader of a ring file's producer: a release store; the same action. */
    @Override
    void releaseRecordHeader(int index, int length, int type) {
        step(Side.PRODUCER);
        super.releaseRecordHeader(index, length, type);
        record(TraceEvent.of(Side.PRODUCER, "WriteRecordHeader", index, length, type));
    }

    @Override
    long readRecordHeader(int index) {
        step(Side.CONSUMER);
        long header = super.readRecordHeader(index);
        record(headerEvent(Side.CONSUMER, "ReadRecordHeader", index, header));
        return header;
    }

    /** WriteEndMarker: the end marker where the next record will start. */
    @Override
    void writeEndMarker(int index, long value) {
        step(Side.PRODUCER);
        super.writeEndMarker(index, value);
        record(TraceEvent.of(Side.PRODUCER, "WriteEndMarker", index));
    }

    /** WriteEndMarker at the first slot of a lap: a CAS (RingFencing); DataportRing's is a store. */
    @Override
    boolean casEndMarker(int index, long expected, long value) {
        step(Side.PRODUCER);
        boolean ok = super.casEndMarker(index, expected, value);
        record(TraceEvent.of(Side.PRODUCER, casAction("WriteEndMarker", ok), index));
        return ok;
    }

    /** ScanForEnd: one header of a restarted producer's scan for its frontier. */
    @Override
    long scanForEnd(int index) {
        step(Side.PRODUCER);
        long header = super.scanForEnd(index);
        record(headerEvent(Side.PRODUCER, "ScanForEnd", index, header));
        return header;
    }

    /** A read of a header word, logged as its index, length and type. */
    private static TraceEvent headerEvent(Side side, String action, int index, long word) {
        return TraceEvent.of(side, action, index, RingLayout.headerLength(word), RingLayout.headerType(word));
    }

    // ---- payload (WritePayload, ReadPayload): data-region index and byte count ----

    @Override
    void writePayload(int index, byte[] src, int srcOffset, int length) {
        step(Side.PRODUCER);
        record(TraceEvent.of(Side.PRODUCER, "WritePayload", index, length));
        super.writePayload(index, src, srcOffset, length);
    }

    @Override
    void writePayload(int index, ByteBuffer src, int srcOffset, int length) {
        step(Side.PRODUCER);
        record(TraceEvent.of(Side.PRODUCER, "WritePayload", index, length));
        super.writePayload(index, src, srcOffset, length);
    }

    @Override
    void writePayloadByte(int index, byte value) {
        step(Side.PRODUCER);
        record(TraceEvent.of(Side.PRODUCER, "WritePayload", index, Byte.BYTES));
        super.writePayloadByte(index, value);
    }

    @Override
    void writePayloadInt(int index, int value) {
        step(Side.PRODUCER);
        record(TraceEvent.of(Side.PRODUCER, "WritePayload", index, Integer.BYTES));
        super.writePayloadInt(index, value);
    }

    @Override
    void writePayloadLong(int index, long value) {
        step(Side.PRODUCER);
        record(TraceEvent.of(Side.PRODUCER, "WritePayload", index, Long.BYTES));
        super.writePayloadLong(index, value);
    }

    @Override
    void readPayload(int index, byte[] dst, int dstOffset, int length) {
        step(Side.CONSUMER);
        super.readPayload(index, dst, dstOffset, length);
        record(TraceEvent.of(Side.CONSUMER, "ReadPayload", index, length));
    }

    @Override
    void readPayload(int index, ByteBuffer dst, int dstOffset, int length) {
        step(Side.CONSUMER);
        super.readPayload(index, dst, dstOffset, length);
        record(TraceEvent.of(Side.CONSUMER, "ReadPayload", index, length));
    }

    @Override
    byte readPayloadByte(int index) {
        step(Side.CONSUMER);
        byte value = super.readPayloadByte(index);
        record(TraceEvent.of(Side.CONSUMER, "ReadPayload", index, Byte.BYTES));
        return value;
    }

    @Override
    int readPayloadInt(int index) {
        step(Side.CONSUMER);
        int value = super.readPayloadInt(index);
        record(TraceEvent.of(Side.CONSUMER, "ReadPayload", index, Integer.BYTES));
        return value;
    }

    @Override
    long readPayloadLong(int index) {
        step(Side.CONSUMER);
        long value = super.readPayloadLong(index);
        record(TraceEvent.of(Side.CONSUMER, "ReadPayload", index, Long.BYTES));
        return value;
    }
}
