package io.dataport.queue;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How this process takes part in a region: its identity in lease words, the clock it times
 * leases with, the lease timeout, whether it takes over a role whose holder stopped beating, and
 * whether a keeper thread beats its leases. Immutable; {@code with...} returns a copy.
 *
 * <p>The default lease timeout, 10 s, is far above the keeper's period (a quarter of it) and above
 * the stalls measured for three TCG guests on two cores and for GC pauses: a takeover of a live
 * holder needs a stall longer than three quarters of the timeout (docs/decisions/0902).
 */
public final class RegionOptions {
    private final int holder;
    private final LeaseClock clock;
    private final long leaseTimeoutNanos;
    private final boolean takeOver;
    private final boolean keeper;

    private RegionOptions(int holder, LeaseClock clock, long leaseTimeoutNanos, boolean takeOver, boolean keeper) {
        if (holder == 0) {
            throw new IllegalArgumentException("holder identity 0 means \"free\": choose another");
        }
        if (leaseTimeoutNanos <= 0) {
            throw new IllegalArgumentException("lease timeout " + leaseTimeoutNanos + " ns must be positive");
        }
        this.holder = holder;
        this.clock = clock;
        this.leaseTimeoutNanos = leaseTimeoutNanos;
        this.takeOver = takeOver;
        this.keeper = keeper;
    }

    /** A random holder identity, the system clock, a 10 s lease timeout, takeover and a keeper thread. */
    public static RegionOptions defaults() {
        int id;
        do {
            id = ThreadLocalRandom.current().nextInt();
        } while (id == 0);
        return new RegionOptions(id, LeaseClock.SYSTEM, Duration.ofSeconds(10).toNanos(), true, true);
    }

    /**
     * For reading a region without taking part in it (a tool, a diagnostic): no keeper thread, and
     * a joiner gives up at once instead of waiting for a peer to format the region.
     */
    public static RegionOptions lookOnly() {
        return defaults().withKeeper(false).withLeaseTimeout(Duration.ofMillis(1));
    }

    /** This process's identity in lease words (never 0). */
    public RegionOptions withHolder(int holder) {
        return new RegionOptions(holder, clock, leaseTimeoutNanos, takeOver, keeper);
    }

    public RegionOptions withClock(LeaseClock clock) {
        return new RegionOptions(holder, java.util.Objects.requireNonNull(clock), leaseTimeoutNanos, takeOver, keeper);
    }

    public RegionOptions withLeaseTimeout(Duration timeout) {
        return new RegionOptions(holder, clock, timeout.toNanos(), takeOver, keeper);
    }

    /**
     * With {@code false}, attaching to a role that another holder has fails at once; with
     * {@code true} (the default) it watches the holder's heartbeat and takes the role over when the
     * heartbeat stood still for the lease timeout, and fails as soon as it moves.
     */
    public RegionOptions withTakeOver(boolean takeOver) {
        return new RegionOptions(holder, clock, leaseTimeoutNanos, takeOver, keeper);
    }

    /** With {@code false}, nothing beats this process's leases unless it calls {@code beat()} itself. */
    public RegionOptions withKeeper(boolean keeper) {
        return new RegionOptions(holder, clock, leaseTimeoutNanos, takeOver, keeper);
    }

    public int holder() {
        return holder;
    }

    public LeaseClock clock() {
        return clock;
    }

    public long leaseTimeoutNanos() {
        return leaseTimeoutNanos;
    }

    public boolean takeOver() {
        return takeOver;
    }

    public boolean keeper() {
        return keeper;
    }

    /**
     * How long a claimant or a joiner waits between two observations of a word it watches for the
     * lease timeout: a fiftieth of it, at least 1 ms, at most 100 ms (100 observations of 10 s).
     */
    long observationPauseNanos() {
        return Math.max(1_000_000L, Math.min(leaseTimeoutNanos / 50, 100_000_000L));
    }
}
