package io.dataport.queue;

/**
 * What the producer and consumer ends share: the accessor, the validated sizes (taken from our own
 * validated copy, never re-read from shared memory), the poisoned state and closing.
 */
abstract class RingEnd implements AutoCloseable {
    final SharedRing ring;
    final int capacity;
    final int mask;
    final int maxRecordLength;
    private final Runnable release;
    private String poison;
    private boolean closed;

    RingEnd(SharedRing ring, RingConfig config, Runnable release) {
        this.ring = ring;
        this.capacity = config.capacity();
        this.mask = config.capacity() - 1;
        this.maxRecordLength = config.maxRecordLength();
        this.release = release;
    }

    /** The largest payload this ring accepts. */
    public int maxRecordLength() {
        return maxRecordLength;
    }

    /** Bytes of the data region. */
    public int capacity() {
        return capacity;
    }

    final int indexOf(long position) {
        return (int) position & mask;
    }

    /** Throws if this end was closed or poisoned. */
    final void checkUsable() {
        if (poison != null) {
            throw new RingCorruptedException(poison);
        }
        if (closed) {
            throw new IllegalStateException("this ring end is closed");
        }
    }

    /** Poisons this end: this and every later call throws {@link RingCorruptedException}. */
    final RingCorruptedException poison(String problem) {
        if (poison == null) {
            poison = "ring corrupted: " + problem;
        }
        throw new RingCorruptedException(poison);
    }

    /** Whether a corrupt shared region poisoned this end. */
    public boolean isPoisoned() {
        return poison != null;
    }

    /** Detaches this end (releasing its role so another process may attach). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (release != null) {
            release.run();
        }
    }

    /** Validates positions read at attach: aligned, and the producer at most one capacity ahead. */
    static String checkPositions(long producerPosition, long consumerPosition, int capacity) {
        long used = producerPosition - consumerPosition;
        if (((producerPosition | consumerPosition) & (RingLayout.RECORD_ALIGNMENT - 1)) != 0) {
            return "positions are not 8-byte aligned (producer " + producerPosition + ", consumer "
                    + consumerPosition + ")";
        }
        if (used < 0 || used > capacity) {
            return "producer position " + producerPosition + " is not within [consumer position "
                    + consumerPosition + ", + capacity " + capacity + "]";
        }
        return null;
    }
}
