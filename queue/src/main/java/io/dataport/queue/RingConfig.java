package io.dataport.queue;

/**
 * The two sizes that define a ring: {@code capacity}, the bytes of the data region (a power of two
 * in [{@value RingLayout#MIN_CAPACITY}, 2^30]), and {@code maxRecordLength}, the largest payload
 * accepted, at most {@link RingLayout#maxRecordLengthFor(int) capacity / 2 - 8}.
 */
public record RingConfig(int capacity, int maxRecordLength) {

    public RingConfig {
        String problem = problem(capacity, maxRecordLength);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** A ring whose max record length is the largest its capacity allows. */
    public static RingConfig of(int capacity) {
        if (!RingLayout.isPowerOfTwo(capacity)) {
            throw new IllegalArgumentException(problem(capacity, 0));
        }
        return new RingConfig(capacity, RingLayout.maxRecordLengthFor(capacity));
    }

    /** Total bytes of a ring file: header page plus data region. */
    public long fileLength() {
        return (long) RingLayout.HEADER_LENGTH + capacity;
    }

    /** Why these sizes are not a valid ring, or {@code null} when they are. */
    static String problem(long capacity, long maxRecordLength) {
        if (!RingLayout.isPowerOfTwo(capacity)) {
            return "capacity " + capacity + " is not a power of two";
        }
        if (capacity < RingLayout.MIN_CAPACITY || capacity > RingLayout.MAX_CAPACITY) {
            return "capacity " + capacity + " is outside [" + RingLayout.MIN_CAPACITY + ", "
                    + RingLayout.MAX_CAPACITY + "]";
        }
        int limit = RingLayout.maxRecordLengthFor((int) capacity);
        if (maxRecordLength < 0 || maxRecordLength > limit) {
            return "max record length " + maxRecordLength + " is outside [0, " + limit
                    + "] (a record may take at most half of the capacity " + capacity + ")";
        }
        return null;
    }
}
