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
 *
 * <p>Since fencing (docs/decisions/0901) the words are published by compare-and-set from the value
 * last written ({@code publish*Position(expected, value)}, {@code writeRecordHeader} and
 * {@code writePadding} from the header word read at the claim). A broken publish keeps that
 * contract where the real ends rely on it (it reports success exactly when the word held
 * {@code expected}, so the ends' fencing checks stay quiet in these one-producer, one-consumer
 * scenarios) and breaks only the ordering it is named after.
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
     * The commit is a plain store instead of a compare-and-set (the consumer still loads with
     * acquire): a plain load of the word, compared with {@code expected}, then a plain store of
     * {@code value}. Java allows the payload and header stores to become visible after the position;
     * on x86 the hardware keeps stores in order, so only a JIT reordering could expose it.
     */
    static final class PlainCommitStore extends Broken {
        PlainCommitStore(RingConfig config) {
            super(config);
        }

        @Override
        boolean publishProducerPosition(long expected, long value) {
            return plainPublish(region(), PRODUCER_POSITION_OFFSET, expected, value);
        }
    }

    /** A publish without any ordering: true, after a plain store of {@code value}, when a plain load saw {@code expected}. */
    private static boolean plainPublish(ByteBuffer region, int offset, long expected, long value) {
        if (region.getLong(offset) != expected) {
            return false;
        }
        region.putLong(offset, value);
        return true;
    }

    /** As {@link PlainCommitStore}, and the consumer reads the producer position with a plain load too. */
    static final class PlainCommitStoreAndLoad extends Broken {
        PlainCommitStoreAndLoad(RingConfig config) {
            super(config);
        }

        @Override
        boolean publishProducerPosition(long expected, long value) {
            return plainPublish(region(), PRODUCER_POSITION_OFFSET, expected, value);
        }

        @Override
        long readProducerPosition() {
            return region().getLong(PRODUCER_POSITION_OFFSET);
        }
    }

    /**
     * Publish before write: the producer's padding, payload and record-header writes are held back
     * and done just after the compare-and-set of the position (what a reordering compiler or CPU
     * would do to a plain commit store, done here for sure). A held header or padding CAS reports
     * success at once; it is done later from the same expected value (the header word read at the
     * claim), which nothing else writes in these scenarios, so it then succeeds too.
     */
    static final class PublishBeforeWrite extends Broken {
        private final List<Runnable> held = new ArrayList<>();

        PublishBeforeWrite(RingConfig config) {
            super(config);
        }

        @Override
        boolean publishProducerPosition(long expected, long value) {
            boolean published = super.publishProducerPosition(expected, value);
            for (Runnable write : held) {
                write.run();
            }
            held.clear();
            return published;
        }

        @Override
        boolean writePadding(int index, long expected, int length) {
            held.add(() -> super.writePadding(index, expected, length));
            return true;
        }

        @Override
        boolean writeRecordHeader(int index, long expected, int length, int type) {
            held.add(() -> super.writeRecordHeader(index, expected, length, type));
            return true;
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

    /**
     * The producer position word is stored as two 32-bit halves (release stores), low then high,
     * when it holds {@code expected}: a torn position.
     */
    static final class SplitPositionStore extends Broken {
        private static final VarHandle INTS =
                MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

        SplitPositionStore(RingConfig config) {
            super(config);
        }

        @Override
        boolean publishProducerPosition(long expected, long value) {
            if (readProducerPosition() != expected) {
                return false;
            }
            INTS.setRelease(region(), PRODUCER_POSITION_OFFSET, (int) value);
            INTS.setRelease(region(), PRODUCER_POSITION_OFFSET + 4, (int) (value >>> 32));
            return true;
        }
    }

    /**
     * The consumer releases a record before its handler has read it: reading a record header
     * publishes the consumer position past that record at once (a CAS keeping the word's epoch).
     * After the batch the real consumer publishes, by CAS from the position it started the batch
     * at, the position the word already holds: that publish reports success without a store. The
     * producer may then reuse bytes a handler is reading.
     */
    static final class ReleaseBeforeHandler extends Broken {
        private long released;

        ReleaseBeforeHandler(RingConfig config, long start) {
            super(config);
            this.released = start;
        }

        @Override
        long readRecordHeader(int index) {
            long header = super.readRecordHeader(index);
            released += recordSize(headerLength(header));   // a record or a padding: its header and length
            long word = readConsumerPosition();
            super.publishConsumerPosition(word, packPosition(wordEpoch(word), released));
            return header;
        }

        @Override
        boolean publishConsumerPosition(long expected, long value) {
            return readConsumerPosition() == value || super.publishConsumerPosition(expected, value);
        }
    }

    /**
     * The consumer position is published with a plain store (after a plain load compared with
     * {@code expected}) instead of a compare-and-set, and read by the producer with a plain load.
     * Java allows the handler's reads to move after the store; x86 never moves a load after a
     * later store, so only the JIT could expose it.
     */
    static final class PlainConsumerPosition extends Broken {
        PlainConsumerPosition(RingConfig config) {
            super(config);
        }

        @Override
        boolean publishConsumerPosition(long expected, long value) {
            return plainPublish(region(), CONSUMER_POSITION_OFFSET, expected, value);
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
