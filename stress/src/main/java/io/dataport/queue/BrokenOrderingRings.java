package io.dataport.queue;

import static io.dataport.queue.RingLayout.*;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Deliberately broken accessors, for the negative controls only ({@link NegativeControls}): each
 * is a subclass of the real {@link SharedRing} that breaks one ordering rule of docs/layout.md, and
 * everything else (producer, consumer, validation) is the real code. They show that the jcstress
 * tests can fail, and which broken orderings this machine (x86-64, TSO) and the JIT expose.
 * They are never run by the bounded run of {@code mvn verify} (its test filter excludes them).
 */
final class BrokenOrderingRings {
    private BrokenOrderingRings() {
    }

    /** A broken accessor over a fresh region whose header is initialised as {@link SharedRing#allocate} does. */
    private abstract static class Broken extends SharedRing {
        Broken(RingConfig config) {
            super(StressRing.newRegion(config));
            initialiseHeader(config, 1, StressRing.TAG);
        }
    }

    /**
     * The commit is a plain store instead of a release store (the consumer still loads with acquire).
     * Java allows the payload and header stores to become visible after the position; on x86 the
     * hardware keeps stores in order, so only a JIT reordering could expose it.
     */
    static final class PlainCommitStore extends Broken {
        PlainCommitStore(RingConfig config) {
            super(config);
        }

        @Override
        void publishProducerPosition(long position) {
            region().putLong(PRODUCER_POSITION_OFFSET, position);
        }
    }

    /** As {@link PlainCommitStore}, and the consumer reads the producer position with a plain load too. */
    static final class PlainCommitStoreAndLoad extends Broken {
        PlainCommitStoreAndLoad(RingConfig config) {
            super(config);
        }

        @Override
        void publishProducerPosition(long position) {
            region().putLong(PRODUCER_POSITION_OFFSET, position);
        }

        @Override
        long readProducerPosition() {
            return region().getLong(PRODUCER_POSITION_OFFSET);
        }
    }

    /**
     * Publish before write: the producer's padding, payload and record-header writes are held back
     * and done just after the release store of the position (what a reordering compiler or CPU
     * would do to a plain commit store, done here for sure).
     */
    static final class PublishBeforeWrite extends Broken {
        private final List<Runnable> held = new ArrayList<>();

        PublishBeforeWrite(RingConfig config) {
            super(config);
        }

        @Override
        void publishProducerPosition(long position) {
            super.publishProducerPosition(position);
            for (Runnable write : held) {
                write.run();
            }
            held.clear();
        }

        @Override
        void writePadding(int index, int length) {
            held.add(() -> super.writePadding(index, length));
        }

        @Override
        void writeRecordHeader(int index, int length, int type) {
            held.add(() -> super.writeRecordHeader(index, length, type));
        }

        @Override
        void writePayload(int index, byte[] src, int srcOffset, int length) {
            byte[] copy = Arrays.copyOfRange(src, srcOffset, srcOffset + length);
            held.add(() -> super.writePayload(index, copy, 0, length));
        }

        @Override
        void writePayload(int index, ByteBuffer src, int srcOffset, int length) {
            byte[] copy = new byte[length];
            src.get(srcOffset, copy, 0, length);
            held.add(() -> super.writePayload(index, copy, 0, length));
        }

        @Override
        void writePayloadByte(int index, byte value) {
            held.add(() -> super.writePayloadByte(index, value));
        }

        @Override
        void writePayloadInt(int index, int value) {
            held.add(() -> super.writePayloadInt(index, value));
        }

        @Override
        void writePayloadLong(int index, long value) {
            held.add(() -> super.writePayloadLong(index, value));
        }
    }

    /** The producer position is stored as two 32-bit halves, low then high: a torn position. */
    static final class SplitPositionStore extends Broken {
        private static final VarHandle INTS =
                MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

        SplitPositionStore(RingConfig config) {
            super(config);
        }

        @Override
        void publishProducerPosition(long position) {
            INTS.setRelease(region(), PRODUCER_POSITION_OFFSET, (int) position);
            INTS.setRelease(region(), PRODUCER_POSITION_OFFSET + 4, (int) (position >>> 32));
        }
    }

    /**
     * The consumer releases a record before its handler has read it: reading a record header
     * publishes the consumer position past that record at once (the real consumer publishes the
     * same position again after the batch). The producer may then reuse bytes a handler is reading.
     */
    static final class ReleaseBeforeHandler extends Broken {
        private final int capacity;
        private long released;

        ReleaseBeforeHandler(RingConfig config, long start) {
            super(config);
            this.capacity = config.capacity();
            this.released = start;
        }

        @Override
        long readRecordHeader(int index) {
            long header = super.readRecordHeader(index);
            released += headerType(header) == PADDING_TYPE ? capacity - index : recordSize(headerLength(header));
            super.publishConsumerPosition(released);
            return header;
        }
    }

    /**
     * The consumer position is published with a plain store and read by the producer with a plain
     * load. Java allows the handler's reads to move after the store; x86 never moves a load after a
     * later store, so only the JIT could expose it.
     */
    static final class PlainConsumerPosition extends Broken {
        PlainConsumerPosition(RingConfig config) {
            super(config);
        }

        @Override
        void publishConsumerPosition(long position) {
            region().putLong(CONSUMER_POSITION_OFFSET, position);
        }

        @Override
        long readConsumerPosition() {
            return region().getLong(CONSUMER_POSITION_OFFSET);
        }
    }

    /**
     * The wake-up protocol without its full fence: the sleeper's need-wake-up store and the waker's
     * position store (both release stores) may each be passed by the same side's next load of the
     * other's word. This is the Dekker reordering x86 (TSO) itself performs through its store buffer,
     * so the hardware alone can lose a wake-up (TLC: spec/mutants/WakeupNoFence).
     */
    static final class NoWakeupFence extends Broken {
        NoWakeupFence(RingConfig config) {
            super(config);
        }

        @Override
        void fence() {
        }
    }
}
