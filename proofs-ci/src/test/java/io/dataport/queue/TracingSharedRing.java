package io.dataport.queue;

import io.dataport.queue.TraceEvent.Side;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Trace validation (issue 4, part 3): a {@link SharedRing} that logs every shared-memory access as
 * a {@link TraceEvent} named after the TLA+ action of {@code spec/DataportRing.tla} that performs
 * it, then performs it. The Java ring code is unchanged: {@link RingProducer} and
 * {@link RingConsumer} are handed this object instead of a plain {@code SharedRing}.
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
            log.add(event);
        }
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
        if (tracing) {
            log.add(event);
        }
    }

    /** The producer position word, read without logging (for test-only variants). */
    final long peekProducerPosition() {
        return region().getLong(RingLayout.PRODUCER_POSITION_OFFSET);
    }

    /** The consumer position word, read without logging (for test-only variants). */
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

    // ---- positions (Refresh*, Publish*, Attach*) and epochs ----

    @Override
    long readProducerPosition() {
        step(null); // the consumer's RefreshProducerPosition, or either end's attach
        long value = super.readProducerPosition();
        record(TraceEvent.of(actor, "ReadProducerPosition", value));
        return value;
    }

    @Override
    void publishProducerPosition(long position) {
        step(Side.PRODUCER);
        record(TraceEvent.of(Side.PRODUCER, "PublishProducerPosition", position));
        super.publishProducerPosition(position);
    }

    @Override
    long readConsumerPosition() {
        step(null); // the producer's RefreshConsumerPosition, or either end's attach
        long value = super.readConsumerPosition();
        record(TraceEvent.of(actor, "ReadConsumerPosition", value));
        return value;
    }

    @Override
    void publishConsumerPosition(long position) {
        step(Side.CONSUMER);
        record(TraceEvent.of(Side.CONSUMER, "PublishConsumerPosition", position));
        super.publishConsumerPosition(position);
    }

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

    // ---- records (WritePadding, WriteRecordHeader, ReadRecordHeader) ----

    @Override
    void writePadding(int index, int length) {
        step(Side.PRODUCER);
        record(TraceEvent.of(Side.PRODUCER, "WritePadding", index, length));
        super.writePadding(index, length);
    }

    @Override
    void writeRecordHeader(int index, int length, int type) {
        step(Side.PRODUCER);
        record(TraceEvent.of(Side.PRODUCER, "WriteRecordHeader", index, length, type));
        super.writeRecordHeader(index, length, type);
    }

    @Override
    long readRecordHeader(int index) {
        step(Side.CONSUMER);
        long header = super.readRecordHeader(index);
        record(TraceEvent.of(Side.CONSUMER, "ReadRecordHeader", index,
                RingLayout.headerLength(header), RingLayout.headerType(header)));
        return header;
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
