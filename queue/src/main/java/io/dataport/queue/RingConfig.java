package io.dataport.queue;

/**
 * The sizes that define a ring: {@code capacity}, the bytes of the data region (a power of two
 * in [{@value RingLayout#MIN_CAPACITY}, 2^30]); {@code maxRecordLength}, the largest payload
 * accepted, at most {@link RingLayout#maxRecordLengthFor(int, int) (capacity - lapPrefix) / 2 - 8};
 * and {@code lapPrefix}, the bytes at the start of every lap that hold no record (0 for a ring
 * file; a region ring's header page, {@link RingLayout#LAP_PREFIX_OFFSET}), a multiple of 8 of at
 * most a quarter of the capacity.
 */
public record RingConfig(int capacity, int maxRecordLength, int lapPrefix) {

    public RingConfig {
        String problem = problem(capacity, maxRecordLength, lapPrefix);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** A ring with no lap prefix (a ring file, an in-memory ring). */
    public RingConfig(int capacity, int maxRecordLength) {
        this(capacity, maxRecordLength, 0);
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

    /** Why these sizes are not a valid ring with no lap prefix, or {@code null} when they are. */
    static String problem(long capacity, long maxRecordLength) {
        return problem(capacity, maxRecordLength, 0);
    }

    /** Why these sizes are not a valid ring, or {@code null} when they are. */
    static String problem(long capacity, long maxRecordLength, long lapPrefix) {
        if (!RingLayout.isPowerOfTwo(capacity)) {
            return "capacity " + capacity + " is not a power of two";
        }
        if (capacity < RingLayout.MIN_CAPACITY || capacity > RingLayout.MAX_CAPACITY) {
            return "capacity " + capacity + " is outside [" + RingLayout.MIN_CAPACITY + ", "
                    + RingLayout.MAX_CAPACITY + "]";
        }
        if (lapPrefix < 0 || lapPrefix > capacity / 4 || lapPrefix % RingLayout.RECORD_ALIGNMENT != 0) {
            return "lap prefix " + lapPrefix + " is not a multiple of " + RingLayout.RECORD_ALIGNMENT
                    + " in [0, capacity / 4 = " + capacity / 4 + "]";
        }
        int limit = RingLayout.maxRecordLengthFor((int) capacity, (int) lapPrefix);
        if (maxRecordLength < 0 || maxRecordLength > limit) {
            return "max record length " + maxRecordLength + " is outside [0, " + limit
                    + "] (a record may take at most half of the capacity " + capacity
                    + (lapPrefix == 0 ? ")" : " less its lap prefix " + lapPrefix + ")");
        }
        return null;
    }
}
