package io.dataport.queue;

/**
 * What the producer and consumer ends share: the accessor, the validated sizes (taken from our own
 * validated copy, never re-read from shared memory), the poisoned state and closing.
 */
abstract class RingEnd implements AutoCloseable {
    final SharedRing ring;
    final RingConfig config;
    final int capacity;
    final int mask;
    final int maxRecordLength;
    /** Bytes at the start of every lap that hold no record (0 for a ring file). */
    final int lapPrefix;
    private final Runnable release;
    private String poison;
    /** Why this end lost its role (a fenced word showed a newer holder), or null. */
    private String lost;
    private boolean closed;
    private String name = "in-memory ring";
    private java.util.function.BooleanSupplier peerAttached;
    /** The lease this end holds its role by (a region's ring), or null (a ring file's lock). */
    private Lease lease;
    /** This end's half of the wake-up protocol: its need-wake-up flag, its kicks, its sleeps. */
    final Wakeup wakeup;

    // Counters: written by this end's thread only, read by anyone (a statistic, not a protocol word).
    long records;
    long bytes;
    long idles;

    RingEnd(SharedRing ring, RingConfig config, Runnable release) {
        this.ring = ring;
        this.config = config;
        this.capacity = config.capacity();
        this.mask = config.capacity() - 1;
        this.maxRecordLength = config.maxRecordLength();
        this.lapPrefix = config.lapPrefix();
        this.release = release;
        this.wakeup = new Wakeup(this, ring, this instanceof RingProducer);
    }

    /** Names this end in messages, and gives it a way to tell whether the peer is attached. */
    final void describe(String name, java.util.function.BooleanSupplier peerAttached) {
        this.name = name;
        this.peerAttached = peerAttached;
    }

    /** Holds this end's role by {@code lease}: once it is lost, every call fails. */
    final void holdWith(Lease lease) {
        this.lease = lease;
    }

    /** The lease itself, for tests that play the keeper. */
    final Lease leaseForTest() {
        return lease;
    }

    /** The epoch of the lease this end holds its role by, or -1 (a ring file's end). */
    public long leaseEpoch() {
        return lease == null ? -1 : lease.epoch();
    }

    /** Whether another holder took this end's role over (its lease or a fenced word said so): every call now fails. */
    public boolean lostRole() {
        return lost != null || lease != null && lease.isLost();
    }

    /**
     * Wakes the peer through {@code notifier} when it sleeps (its kicking side is used). From now on
     * every publication of this end's position is followed by a full fence and a read of the peer's
     * need-wake-up flag, unless the notifier is a polling one ({@link Notifier#kicks()} false).
     */
    public void wakePeerWith(Notifier notifier) {
        wakeup.wakePeerWith(notifier);
    }

    /** The re-check after the fence (Recheck): re-reads the peer's position; true when there is work. */
    abstract boolean hasWork();

    final void countIdle() {
        idles++;
    }

    final PeerTimeoutException timeout(String what, long timeoutNanos) {
        String peer = peerAttached == null ? ""
                : peerAttached.getAsBoolean() ? "; the peer is attached but did nothing"
                : "; the peer is not attached (its process is gone or never came)";
        return new PeerTimeoutException(name + ": " + what + " within " + timeoutNanos / 1_000_000 + " ms" + peer);
    }

    /** Records committed (producer) or consumed (consumer) by this end. */
    public long records() {
        return records;
    }

    /** Payload bytes of those records. */
    public long bytes() {
        return bytes;
    }

    /** Times this end found nothing to do and waited (spun, yielded, parked or slept). */
    public long idles() {
        return idles;
    }

    /** Times this end slept on its notifier (announced a sleep and found nothing on the re-check). */
    public long sleeps() {
        return wakeup.sleeps;
    }

    /** Publications after which the sleeping peer was kicked. */
    public long kicksSent() {
        return wakeup.kicksSent;
    }

    /** Publications after which no kick was needed because the peer was awake. */
    public long kicksSuppressed() {
        return wakeup.kicksSuppressed;
    }

    /** Kicks that could not be delivered (the peer's notifier was gone). */
    public long kickFailures() {
        return wakeup.kickFailures;
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

    /**
     * Skip (spec/DataportRing.tla): a position inside the lap prefix moves to the first byte after
     * it. Local computation, no store; both ends do it, so neither ever touches the prefix.
     */
    final long skipPrefix(long position) {
        int index = (int) position & mask;
        return index < lapPrefix ? position + (lapPrefix - index) : position;
    }

    /** Throws if this end was closed, poisoned or fenced out. */
    final void checkUsable() {
        if (poison != null) {
            throw new RingCorruptedException(poison);
        }
        if (lost != null) {
            throw new RegionException(lost);
        }
        if (closed) {
            throw new IllegalStateException("this ring end is closed");
        }
        if (lease != null && lease.isLost()) {
            throw loseRole("its lease was taken over (its keeper's beat saw it)");
        }
    }

    /**
     * LoseRole: a fenced word (a position word, the reservation word, a record header) showed that
     * another holder took this end's role over while it was stalled. This end makes no further
     * store except {@link #afterLoss} (the producer frees its holes: every store it made came
     * before), and this and every later call throws {@link RegionException} (or, for an end that
     * a corrupt peer poisoned before, its {@link RingCorruptedException}).
     */
    final RegionException loseRole(String what) {
        if (lost == null) {
            lost = name + ": this end lost its role: " + what + "; another holder took it over while this"
                    + " process stalled for longer than the lease timeout";
            afterLoss();
        }
        if (poison != null) {
            throw new RingCorruptedException(poison); // poisoned first: every call keeps saying so
        }
        throw new RegionException(lost);
    }

    /** What an end does once, when it learns it lost its role. */
    void afterLoss() {
    }

    /** Poisons this end: this and every later call throws {@link RingCorruptedException}. */
    final RingCorruptedException poison(String problem) {
        if (poison == null) {
            poison = "ring corrupted: " + problem;
            afterPoison();
        }
        throw new RingCorruptedException(poison);
    }

    /** What an end does once, when it is poisoned (the producer closes its open claim). */
    void afterPoison() {
    }

    /**
     * A fault of the mapping itself becomes this end's poison. A peer that truncates the ring file
     * under our mapping makes the next access beyond the new end raise SIGBUS, which the JVM turns
     * into an {@link InternalError} ("a fault occurred in a (recent) unsafe memory access
     * operation"), thrown at or a little after the access. The entry points of both ends catch it
     * here, so a hostile peer still gets nothing but {@link RingCorruptedException}; any other
     * {@code InternalError} is rethrown unchanged.
     */
    final RingCorruptedException mappingFault(InternalError error) {
        if (!isMappingFault(error)) {
            throw error;
        }
        if (poison == null) {
            poison = "ring corrupted: " + MAPPING_FAULT;
            afterPoison();
        }
        return new RingCorruptedException(poison, error);
    }

    static final String MAPPING_FAULT = "an access to the shared memory faulted: the ring file was truncated"
            + " or removed from under the mapping";

    static boolean isMappingFault(InternalError error) {
        String message = error.getMessage();
        return message != null && message.contains("unsafe memory access");
    }

    /** Whether a corrupt shared region poisoned this end. */
    public boolean isPoisoned() {
        return poison != null;
    }

    /** Whether this end may still write: not closed, poisoned or fenced out. */
    final boolean isLive() {
        return !closed && poison == null && lost == null && (lease == null || !lease.isLost());
    }

    /** Detaches this end (releasing its role so another process may attach). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (isLive()) {
            try {
                beforeRelease();
            } catch (RuntimeException | InternalError e) {
                // a truncated or hostile mapping: the role is released anyway
            }
        }
        closed = true;
        if (release != null) {
            release.run();
        }
    }

    /** What a live end does before it releases its role on close. */
    void beforeRelease() {
    }

    /**
     * Validates positions read at attach: aligned, and within one capacity of each other. The
     * producer position is a lazy hint (layout version 3): it may lag behind the consumer's. Ahead
     * of it, it is at most the capacity minus the end marker's slot: the frontier's end marker lies
     * within one capacity of the consumer position (a hint exactly one capacity ahead would leave
     * a producer that waits for room for ever while the consumer sees nothing).
     */
    static String checkPositions(long producerPosition, long consumerPosition, int capacity) {
        long used = producerPosition - consumerPosition;
        if (((producerPosition | consumerPosition) & (RingLayout.RECORD_ALIGNMENT - 1)) != 0) {
            return "positions are not 8-byte aligned (producer " + producerPosition + ", consumer "
                    + consumerPosition + ")";
        }
        if (used > capacity - RingLayout.RECORD_HEADER_LENGTH || used < -capacity) {
            return "producer position " + producerPosition + " is not within the capacity " + capacity
                    + " of the consumer position " + consumerPosition + " (ahead of it: at most "
                    + (capacity - RingLayout.RECORD_HEADER_LENGTH) + ", the end marker's slot included)";
        }
        return null;
    }
}
