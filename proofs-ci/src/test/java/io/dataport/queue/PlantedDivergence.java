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
     * The producer writes the end marker one slot too far, after the slot where the next record
     * starts (an off-by-one in where "the next record" is): the consumer would then read the stale
     * bytes of that slot as the next header. The spec writes the end marker exactly at the slot
     * after the record (or the padding), so the misplaced WriteEndMarker is the first event it
     * cannot match.
     */
    static final class EndMarkerMisplaced extends TracingSharedRing implements Planted {
        private int plantedAt = -1;

        EndMarkerMisplaced(ByteBuffer region) {
            super(region);
        }

        @Override
        void writeEndMarker(int index, long value) {
            if (isTracing()) {
                super.writeEndMarker((index + RingLayout.RECORD_ALIGNMENT) & (peekCapacity() - 1), value);
                if (plantedAt < 0) {
                    plantedAt = events() - 1; // the write just logged
                }
                return;
            }
            super.writeEndMarker(index, value);
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
