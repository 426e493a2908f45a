package io.dataport.queue;

import static io.dataport.queue.RingLayout.*;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Deliberately broken accessors, for the negative controls only ({@link NegativeControls}): each
 * is a subclass of the real {@link SharedRing} that breaks one ordering rule of layout version 3
 * (docs/layout.md, {@link SharedRing}'s class comment), and everything else (producer, consumer,
 * validation) is the real code. They show that the jcstress tests can fail, and which broken
 * orderings this machine (x86-64, TSO) and the JIT expose. They are never run by the bounded run of
 * {@code mvn verify} (its test filter excludes them).
 *
 * <p>The rules of layout version 3 (commit in the record): the producer stores a record's payload
 * (plain), then the end marker at the next record's slot (opaque), then the header, the commit: a
 * release store here, as in every ring file (a region's producer uses a compare-and-set, which
 * orders at least as much; decision 1703); the first header of a batch is held back until {@code publish()};
 * the consumer reads each header once, as one 8-byte acquire load; the position words (the
 * consumer's, and the producer's recovery hint) are 64-bit words written by CAS; the consumer
 * publishes its position only after its handlers returned; the wake-up protocol fences between a
 * side's store and its load of the other side's word.
 *
 * <p>The position words and the lap-start end marker are compare-and-sets from the value read
 * before ({@code publish*Position(expected, value)}, {@code casEndMarker}). A broken variant keeps that contract where the real ends rely on it (it reports success
 * exactly when the word held, or will hold, {@code expected}, so the ends' fencing checks stay quiet
 * in these one-producer, one-consumer scenarios) and breaks only the ordering it is named after.
 * Variants that hold stores back forward them to the producer's own {@link #readSlot} (as a CPU's
 * store buffer forwards a core's own stores to its loads), so the producer sees its own end markers.
 */
final class BrokenOrderingRings {
    private BrokenOrderingRings() {
    }

    private static final VarHandle INTS =
            MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    /** A broken accessor over a fresh region whose header is initialised as {@link SharedRing#allocate} does. */
    private abstract static class Broken extends SharedRing {
        Broken(RingConfig config) {
            super(StressRing.newRegion(config));
            initialiseHeader(config, 1, StressRing.TAG);
        }

        /** Offset in {@link #region()} of data-region index {@code index}. */
        static int data(int index) {
            return HEADER_LENGTH + index;
        }
    }

    /**
     * An accessor that can hold the producer's stores back and do them later, in program order
     * ({@link #flush}): a store buffer that drains late. Which stores it holds, and when it drains,
     * is up to the subclass. Held header words (end markers, headers, paddings) are forwarded to the
     * producer's own {@link #readSlot}.
     */
    private abstract static class Holding extends Broken {
        private final List<Runnable> held = new ArrayList<>();
        private final Map<Integer, Long> heldWords = new HashMap<>();
        private final boolean holdPayload;
        private final boolean holdEndMarkers;

        Holding(RingConfig config, boolean holdPayload, boolean holdEndMarkers) {
            super(config);
            this.holdPayload = holdPayload;
            this.holdEndMarkers = holdEndMarkers;
        }

        /** Does every held store, in the order the producer made them. */
        final void flush() {
            for (Runnable store : held) {
                store.run();
            }
            held.clear();
            heldWords.clear();
        }

        /** Holds a header-word store (an end marker, a header, a padding) of {@code word} at {@code index}. */
        final void holdWord(int index, long word, Runnable store) {
            held.add(store);
            heldWords.put(index, word);
        }

        /** A held compare-and-set, done at the flush: it must succeed there, or the harness is wrong. */
        static void mustSucceed(boolean succeeded, String what) {
            if (!succeeded) {
                throw new IllegalStateException("a held " + what + " failed when it was done at last");
            }
        }

        @Override
        long readSlot(int index) {
            Long word = heldWords.get(index);
            return word != null ? word : super.readSlot(index);
        }

        @Override
        void writeEndMarker(int index, long value) {
            if (holdEndMarkers) {
                holdWord(index, value, () -> super.writeEndMarker(index, value));
            } else {
                super.writeEndMarker(index, value);
            }
        }

        /** The end marker at a lap's first slot is a CAS (layout version 3, fencing): held the same way. */
        @Override
        boolean casEndMarker(int index, long expected, long value) {
            if (holdEndMarkers) {
                holdWord(index, value, () -> mustSucceed(super.casEndMarker(index, expected, value), "end marker"));
                return true;
            }
            return super.casEndMarker(index, expected, value);
        }

        @Override
        void writePayload(int index, byte[] src, int srcOffset, int length) {
            if (holdPayload) {
                byte[] copy = Arrays.copyOfRange(src, srcOffset, srcOffset + length);
                held.add(() -> super.writePayload(index, copy, 0, length));
            } else {
                super.writePayload(index, src, srcOffset, length);
            }
        }

        @Override
        void writePayload(int index, ByteBuffer src, int srcOffset, int length) {
            if (holdPayload) {
                byte[] copy = new byte[length];
                src.get(srcOffset, copy, 0, length);
                held.add(() -> super.writePayload(index, copy, 0, length));
            } else {
                super.writePayload(index, src, srcOffset, length);
            }
        }

        @Override
        void writePayloadByte(int index, byte value) {
            if (holdPayload) {
                held.add(() -> super.writePayloadByte(index, value));
            } else {
                super.writePayloadByte(index, value);
            }
        }

        @Override
        void writePayloadInt(int index, int value) {
            if (holdPayload) {
                held.add(() -> super.writePayloadInt(index, value));
            } else {
                super.writePayloadInt(index, value);
            }
        }

        @Override
        void writePayloadLong(int index, long value) {
            if (holdPayload) {
                held.add(() -> super.writePayloadLong(index, value));
            } else {
                super.writePayloadLong(index, value);
            }
        }
    }

    /**
     * The header before the payload (TLA+ mutant {@code PublishBeforePayload}): the payload stores
     * are held back and done just after the next header store (the commit). The end
     * marker is still stored before it. What a reordering compiler or CPU could do to a commit
     * without release semantics, done here for sure.
     */
    static final class HeaderBeforePayload extends Holding {
        HeaderBeforePayload(RingConfig config) {
            super(config, true, false);
        }

        @Override
        void releaseRecordHeader(int index, int length, int type) {
            super.releaseRecordHeader(index, length, type);
            flush();
        }
    }

    /**
     * The end marker after the header (TLA+ mutant {@code EndMarkerAfterHeader}; with a padding, the
     * ordering form of {@code PaddingWithoutEndMarker}): each end marker is held back and stored
     * just after the next header or padding store, the one that lets the consumer reach
     * its slot. Until it lands, that slot holds whatever a previous lap left there.
     */
    static final class EndMarkerAfterHeader extends Holding {
        EndMarkerAfterHeader(RingConfig config) {
            super(config, false, true);
        }

        @Override
        void releaseRecordHeader(int index, int length, int type) {
            super.releaseRecordHeader(index, length, type);
            flush();
        }

        @Override
        void releasePadding(int index, int length) {
            super.releasePadding(index, length);
            flush();
        }
    }

    /**
     * The publish overtakes its batch: every store the producer makes since its last commit became
     * visible (payloads, end markers, the batch's later headers and its paddings) is held back; the
     * header or padding store at the slot of the first claim since then (the held header that
     * {@code publish()} stores, or a padding committed on its own) is done first, and the held
     * stores just after it. A batch's first header, stored without release semantics, would allow
     * exactly this.
     */
    static final class PublishBeforeBatch extends Holding {
        /** Index of the first slot the producer claimed since the last flush, or -1. */
        private int batchStart = -1;

        PublishBeforeBatch(RingConfig config) {
            super(config, true, true);
        }

        @Override
        long readSlot(int index) {
            if (batchStart < 0) {
                batchStart = index;
            }
            return super.readSlot(index);
        }

        @Override
        void releaseRecordHeader(int index, int length, int type) {
            if (index != batchStart) {
                holdWord(index, packHeader(length, type), () -> super.releaseRecordHeader(index, length, type));
                return;
            }
            super.releaseRecordHeader(index, length, type);
            batchStart = -1;
            flush();
        }

        @Override
        void releasePadding(int index, int length) {
            if (index != batchStart) {
                holdWord(index, packHeader(length, PADDING_TYPE), () -> super.releasePadding(index, length));
                return;
            }
            super.releasePadding(index, length);
            batchStart = -1;
            flush();
        }
    }

    /**
     * No end marker (TLA+ mutant {@code NoEndMarker}): the producer never stores one, so after a
     * record the consumer reads whatever a previous lap left in the next slot. Not an ordering the
     * hardware must reorder: every sample shows it (the arbiter reads on after the record), which
     * shows that the tests look at the slot after a record at all. Only for scenarios with a single
     * claim: the producer's next claim would find no end marker at its frontier and throw.
     */
    static final class NoEndMarker extends Broken {
        NoEndMarker(RingConfig config) {
            super(config);
        }

        @Override
        void writeEndMarker(int index, long value) {
        }

        @Override
        boolean casEndMarker(int index, long expected, long value) {
            return true;                                  // "stored": nothing is
        }
    }

    /**
     * The consumer reads a header in two halves (TLA+ mutant {@code TornHeaderRead}): two 4-byte
     * acquire loads, the length and then the type, instead of one 8-byte load. Between them the
     * producer's header store may replace the end marker (length 0, type -2) by the header, and
     * the consumer sees length 0 with the record's type: a record no writer wrote.
     */
    static final class TornHeaderRead extends Broken {
        TornHeaderRead(RingConfig config) {
            super(config);
        }

        @Override
        long readRecordHeader(int index) {
            int length = (int) INTS.getAcquire(region(), data(index));
            int type = (int) INTS.getAcquire(region(), data(index) + 4);
            return packHeader(length, type);
        }
    }

    /**
     * Spin-waits between the two halves of a split store. Two back-to-back stores to one cache line
     * leave the store buffer almost together, so a reader rarely falls between them (measured with
     * none: 0 torn words in 2.9 million samples of the hint, 2 in 1.1 million of the consumer
     * position, docs/jcstress.md); a real split store can be preempted between its halves for any
     * time. These few spins, well under a microsecond, stand for that.
     */
    static final int SPLIT_WINDOW_SPINS = 16;

    /**
     * A position word stored as two 32-bit halves (release stores), low then high, when it holds
     * {@code expected}: a torn position for a reader between the two.
     */
    private static boolean splitPublish(ByteBuffer region, int offset, long current, long expected, long value) {
        if (current != expected) {
            return false;
        }
        INTS.setRelease(region, offset, (int) value);
        for (int i = 0; i < SPLIT_WINDOW_SPINS; i++) {
            Thread.onSpinWait();
        }
        INTS.setRelease(region, offset + 4, (int) (value >>> 32));
        return true;
    }

    /** The producer position word, the recovery hint, stored in two halves (see {@link #splitPublish}). */
    static final class SplitHintStore extends Broken {
        SplitHintStore(RingConfig config) {
            super(config);
        }

        @Override
        boolean publishProducerPosition(long expected, long value) {
            return splitPublish(region(), PRODUCER_POSITION_OFFSET, readProducerPosition(), expected, value);
        }
    }

    /** The consumer position word stored in two halves (see {@link #splitPublish}). */
    static final class SplitConsumerPositionStore extends Broken {
        SplitConsumerPositionStore(RingConfig config) {
            super(config);
        }

        @Override
        boolean publishConsumerPosition(long expected, long value) {
            return splitPublish(region(), CONSUMER_POSITION_OFFSET, readConsumerPosition(), expected, value);
        }
    }

    /**
     * The consumer releases a record before its handler has read it (TLA+ mutant
     * {@code ConsumerReleaseEarly}): reading a record or padding header publishes the consumer
     * position past it at once (a CAS keeping the word's epoch); the end marker releases nothing.
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
            if (!isEndMarker(header)) {
                released += recordSize(headerLength(header));   // a record or a padding: its header and length
                long word = readConsumerPosition();
                super.publishConsumerPosition(word, packPosition(wordEpoch(word), released));
            }
            return header;
        }

        @Override
        boolean publishConsumerPosition(long expected, long value) {
            return readConsumerPosition() == value || super.publishConsumerPosition(expected, value);
        }
    }

    /** A store without any ordering: true, after a plain store of {@code value}, when a plain load saw {@code expected}. */
    private static boolean plainCompareAndStore(ByteBuffer region, int offset, long expected, long value) {
        if (region.getLong(offset) != expected) {
            return false;
        }
        region.putLong(offset, value);
        return true;
    }

    /**
     * The commit is a plain store instead of a release store (a ring file's commit, decision 1703),
     * the consumer still loading with acquire: the header and padding words are plain stores. Java
     * allows the payload and end-marker stores to become visible after the
     * header; on x86 the hardware keeps stores in order, so only a JIT reordering could expose it.
     */
    static class PlainHeaderStore extends Broken {
        PlainHeaderStore(RingConfig config) {
            super(config);
        }

        @Override
        void releaseRecordHeader(int index, int length, int type) {
            region().putLong(data(index), packHeader(length, type));
        }

        @Override
        void releasePadding(int index, int length) {
            region().putLong(data(index), packHeader(length, PADDING_TYPE));
        }
    }

    /**
     * As {@link PlainHeaderStore}, and the consumer reads the header with a plain load too (still one
     * 8-byte load). Java allows the payload loads to be satisfied before the header load; x86 keeps
     * loads in order, so again only the JIT could expose it.
     */
    static final class PlainHeaderStoreAndLoad extends PlainHeaderStore {
        PlainHeaderStoreAndLoad(RingConfig config) {
            super(config);
        }

        @Override
        long readRecordHeader(int index) {
            return region().getLong(data(index));
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
            return plainCompareAndStore(region(), CONSUMER_POSITION_OFFSET, expected, value);
        }

        @Override
        long readConsumerPosition() {
            return region().getLong(CONSUMER_POSITION_OFFSET);
        }
    }

    /**
     * The wake-up protocol without its full fence: the sleeper's need-wake-up store and the waker's
     * publication (a header CAS, or the consumer position's CAS) may each be passed by the same
     * side's next load of the other's word. This is the Dekker reordering x86 (TSO) itself performs
     * through its store buffer, so the hardware alone can lose a wake-up (TLC: spec/mutants/WakeupNoFence).
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
