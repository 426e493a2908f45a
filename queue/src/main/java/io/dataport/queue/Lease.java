package io.dataport.queue;

/**
 * A role of one ring held through shared memory alone: no lock, no socket, nothing a second kernel
 * cannot see. Checked in {@code spec/LeaseExpiry.tla}; the names of its steps are the TLA+ actions.
 *
 * <h2>How it works</h2>
 * The role's lease word holds {@code epoch << 32 | holder} ({@code holder} 0: free). {@link #claim}
 * takes a free role with one compare-and-set to {@code (epoch + 1, me)}. A role that is held is
 * observed: the claimant reads the lease word and the holder's heartbeat counter and times them with
 * its own clock ({@link LeaseClock}); when either moves, the holder is alive and the claim fails at
 * once with {@link RegionException}; when both stood still for the lease timeout, the claimant takes
 * the role over with a compare-and-set from exactly the value it watched. The claim itself changes
 * the heartbeat (the new holder's first {@link #beat}), so the next observer starts afresh.
 *
 * <h2>Why it is correct</h2>
 * The compare-and-set makes every claim and takeover an atomic step on one word: at most one
 * claimant wins each epoch, and a takeover that raced with a beat fails (the holder is alive). A
 * holder that beats at least every {@code timeout / 4} (the {@link LeaseKeeper}) is never taken over
 * unless it stalls for three quarters of the timeout: the model shows a lease is never taken from a
 * holder that kept its beat ({@code NoFalseTakeover}). A stalled holder that resumes learns it lost
 * at its next beat ({@link #isLost}); what its late stores into the ring may do is the subject of
 * {@code spec/RingFencing.tla} (docs/decisions/0901).
 */
final class Lease implements AutoCloseable {
    private final SharedRing ring;
    private final Role role;
    private final long word;
    private long beats;
    private volatile boolean lost;
    private volatile boolean closed;

    private Lease(SharedRing ring, Role role, long word, long beats) {
        this.ring = ring;
        this.role = role;
        this.word = word;
        this.beats = beats;
    }

    static int holderOf(long lease) {
        return (int) lease;
    }

    static long epochOf(long lease) {
        return lease >>> 32;
    }

    private static long next(long lease, int holder) {
        return ((epochOf(lease) + 1) << 32) | (holder & 0xFFFF_FFFFL);
    }

    /**
     * Claims {@code role} of {@code ring} for {@code options.holder()}: at once when it is free; when
     * it is held, by takeover after the holder's heartbeat stood still for the lease timeout, or
     * not at all ({@link RegionException}) when the heartbeat moves or takeover is off.
     */
    static Lease claim(SharedRing ring, Role role, RegionOptions options, String name) {
        LeaseClock clock = options.clock();
        long timeout = options.leaseTimeoutNanos();
        long pause = options.observationPauseNanos();
        long watched = ring.readLease(role);
        long watchedBeat = ring.readHeartbeat(role);
        long since = clock.nanoTime();
        while (true) {
            long lease = ring.readLease(role);
            long beat = ring.readHeartbeat(role);
            if (holderOf(lease) == 0) {                                   // Claim (free)
                if (ring.casLease(role, lease, next(lease, options.holder()))) {
                    return won(ring, role, lease, beat, options);
                }
                continue;
            }
            if (holderOf(lease) == options.holder()) {
                throw new RegionException(name + ": the " + role + " role is already held by this holder ("
                        + Integer.toHexString(options.holder()) + "): close that end first");
            }
            if (!options.takeOver()) {
                throw held(name, role, lease, "attach with takeover to wait for its lease to expire");
            }
            if (lease != watched || beat != watchedBeat) {                // Observe: it moved
                throw held(name, role, lease, "its heartbeat moved while we watched: it is alive");
            }
            if (clock.nanoTime() - since >= timeout) {                    // Expired: take over
                if (ring.casLease(role, lease, next(lease, options.holder()))) {
                    return won(ring, role, lease, beat, options);
                }
                throw held(name, role, ring.readLease(role), "another claimant took it first");
            }
            clock.pause(pause);
        }
    }

    private static RegionException held(String name, Role role, long lease, String why) {
        return new RegionException(name + ": the " + role + " role is held by holder "
                + Integer.toHexString(holderOf(lease)) + " (epoch " + epochOf(lease) + "); " + why);
    }

    private static Lease won(SharedRing ring, Role role, long old, long beat, RegionOptions options) {
        Lease lease = new Lease(ring, role, next(old, options.holder()), beat);
        lease.beat(); // the claim is the new holder's first beat: observers start afresh
        if (options.keeper()) {
            LeaseKeeper.INSTANCE.keep(lease, options.leaseTimeoutNanos() / 4);
        }
        return lease;
    }

    /** The epoch this holder claimed. */
    long epoch() {
        return epochOf(word);
    }

    /**
     * Beat: moves the heartbeat counter, unless the role was taken over (then this lease is lost
     * and stays lost). Called by the {@link LeaseKeeper}, or by a caller that beats its own leases.
     * Returns whether the lease is still held.
     */
    synchronized boolean beat() {
        if (lost || closed) {
            return false;
        }
        if (ring.readLease(role) != word) {
            lost = true;
            return false;
        }
        ring.writeHeartbeat(role, ++beats);
        return true;
    }

    /** Whether a beat found the role taken over by another holder. */
    boolean isLost() {
        return lost;
    }

    /** Releases the role (lease word back to free, epoch kept) unless it was lost. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LeaseKeeper.INSTANCE.forget(this);
        ring.casLease(role, word, word & 0xFFFF_FFFF_0000_0000L);
    }
}
