package io.dataport.queue;

import java.util.concurrent.locks.LockSupport;

/**
 * The notifier that carries no signal ({@link Notifier#polling()}): {@link #await} parks for at
 * most {@code maxSleepNanos} and {@link #kick} does nothing. A sleeper woken this way re-checks
 * its rings (the wake-up protocol does that after every await), so a record or room that appeared
 * meanwhile is seen at most one park later: the added latency is bounded by {@code maxSleepNanos}
 * plus the timer slack. Safe with any number of threads: it has no state.
 */
final class PollingNotifier implements Notifier {
    private final long maxSleepNanos;

    PollingNotifier(long maxSleepNanos) {
        this.maxSleepNanos = maxSleepNanos;
    }

    @Override
    public boolean await(long timeoutNanos) {
        LockSupport.parkNanos(Math.max(0, Math.min(timeoutNanos, maxSleepNanos)));
        return false;
    }

    @Override
    public boolean kick() {
        return true;
    }

    @Override
    public boolean kicks() {
        return false;
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "polling notifier (sleeps at most " + maxSleepNanos / 1000 + " µs)";
    }
}
