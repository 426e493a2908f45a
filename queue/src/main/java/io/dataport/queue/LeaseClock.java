package io.dataport.queue;

/**
 * The observer's own clock for leases. No clock is shared between VMs: a would-be holder times the
 * progress of the holder's heartbeat counter with this clock, and declares the lease expired when
 * the counter has not moved for the lease timeout ({@code spec/LeaseExpiry.tla}). Tests inject a
 * clock whose {@link #pause} advances time without sleeping, so no test decides by wall-clock time.
 */
public interface LeaseClock {
    /** Monotonic time in nanoseconds. */
    long nanoTime();

    /** Waits about {@code nanos} before the next observation. */
    void pause(long nanos);

    /** {@link System#nanoTime()} and a real sleep. */
    LeaseClock SYSTEM = new LeaseClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void pause(long nanos) {
            java.util.concurrent.locks.LockSupport.parkNanos(nanos);
        }
    };
}
