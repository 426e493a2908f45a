package io.dataport.queue;

import java.nio.ByteBuffer;

/**
 * Test-only variants of the ring that do something {@code spec/DataportRing.tla} does not allow,
 * so that trace validation can be shown to reject them. They change only this test's
 * {@link SharedRing} subclass; the real {@link RingProducer} / {@link RingConsumer} run unchanged.
 * Each remembers the log index of its first planted access ({@link #plantedAt()}).
 */
final class PlantedDivergence {
    private PlantedDivergence() {
    }

    interface Planted {
        /** Index in the log of the first planted access, -1 while none happened. */
        int plantedAt();
    }

    /**
     * The producer publishes its position (past the record) <b>before</b> writing the record
     * header, i.e. {@code commit()} with its two halves swapped: a consumer that acquires the new
     * position may read a header slot that is not written yet. The spec publishes only from
     * {@code "idle"} / {@code "full"}, so the early {@code PublishProducerPosition} (made while the
     * claim is open) is the first event it cannot match.
     */
    static final class PublishBeforeHeader extends TracingSharedRing implements Planted {
        private int plantedAt = -1;

        PublishBeforeHeader(ByteBuffer region) {
            super(region);
        }

        @Override
        boolean writeRecordHeader(int index, long expected, int length, int type) {
            if (isTracing()) {
                long word = peekProducerPosition();
                long published = word & RingLayout.POSITION_MASK;
                int mask = peekCapacity() - 1;
                // the record's position: the first position at or after the published one with this index
                long start = published + ((index - (int) published) & mask);
                // a CAS from the word as it is, with the holder's epoch: it succeeds, like commit's own
                // publish would (which then fails: the word no longer holds what the producer published)
                publishProducerPosition(word, RingLayout.packPosition(RingLayout.wordEpoch(word),
                        start + RingLayout.recordSize(length)));
                if (plantedAt < 0) {
                    plantedAt = events() - 1; // the publish just logged (the interleaver logs before it)
                }
            }
            return super.writeRecordHeader(index, expected, length, type);
        }

        @Override
        public int plantedAt() {
            return plantedAt;
        }
    }

    /**
     * The consumer publishes its position past a record as soon as it has read the record's header,
     * before the handler reads the payload (the spec's mutant {@code ConsumerReleaseEarly}, done by
     * the code): the producer may then overwrite bytes the handler is still reading.
     */
    static final class ReleaseBeforeRead extends TracingSharedRing implements Planted {
        private int plantedAt = -1;

        ReleaseBeforeRead(ByteBuffer region) {
            super(region);
        }

        @Override
        long readRecordHeader(int index) {
            long header = super.readRecordHeader(index);
            int length = RingLayout.headerLength(header);
            int type = RingLayout.headerType(header);
            if (isTracing() && type >= 0 && length > 0) {
                long word = peekConsumerPosition();
                long published = word & RingLayout.POSITION_MASK;
                int mask = peekCapacity() - 1;
                long start = published + ((index - (int) published) & mask);
                publishConsumerPosition(word, RingLayout.packPosition(RingLayout.wordEpoch(word),
                        start + RingLayout.recordSize(length)));
                if (plantedAt < 0) {
                    plantedAt = events() - 1;
                }
            }
            return header;
        }

        @Override
        public int plantedAt() {
            return plantedAt;
        }
    }
}
