package io.dataport.queue;

import java.util.concurrent.locks.LockSupport;

/**
 * What a ring end does while it has nothing to do (the consumer finds no record, the producer no
 * room). One instance per waiting end: it keeps the length of the current idle streak.
 *
 * <ul>
 *   <li>{@link #busySpin()}: {@link Thread#onSpinWait()} only. Lowest latency, one core per end.</li>
 *   <li>{@link #yielding()}: {@link Thread#yield()} each time.</li>
 *   <li>{@link #backoff()}: spin (10 µs), then yield (to 100 µs), then park for growing times
 *       (1 µs doubling to 1 ms).</li>
 *   <li>{@link #blocking(Notifier)}: the back-off for 2 ms, then sleep on a {@link Notifier} until the
 *       peer kicks it (or, for a polling notifier, until its bounded park ends). Sleeping follows the
 *       wake-up protocol ({@code Wakeup}: set the need-wake-up flag, full fence, re-check the ring,
 *       sleep only if there is still nothing to do), so no wake-up is lost. The peer must kick this
 *       notifier: give it the kicking side ({@link RingEnd#wakePeerWith}).</li>
 * </ul>
 */
public abstract class WaitStrategy {
    /** Phases of the back-off, by time since the idle streak began (time, not counts: yields and
     *  parks last much longer on a loaded machine). */
    static final long SPIN_NANOS = 10_000;
    static final long YIELD_NANOS = 100_000;
    static final long PARK_NANOS = 2_000_000;
    static final long MAX_PARK_NANOS = 1_000_000;

    /** Idle calls in the current streak (0: the streak has not begun). */
    int step;
    /** When the current idle streak began, and how many parks it took so far. */
    long idleSince;
    int parks;
    /** The notifier a blocking strategy sleeps on; null for the others. */
    final Notifier notifier;

    WaitStrategy(Notifier notifier) {
        this.notifier = notifier;
    }

    public static WaitStrategy busySpin() {
        return new WaitStrategy(null) {
            @Override
            void idle(RingEnd end, long deadlineNanos) {
                end.countIdle();
                Thread.onSpinWait();
            }
        };
    }

    public static WaitStrategy yielding() {
        return new WaitStrategy(null) {
            @Override
            void idle(RingEnd end, long deadlineNanos) {
                end.countIdle();
                Thread.yield();
            }
        };
    }

    public static WaitStrategy backoff() {
        return new WaitStrategy(null) {
            @Override
            void idle(RingEnd end, long deadlineNanos) {
                end.countIdle();
                backOff(deadlineNanos); // never over: without a notifier it parks on
            }
        };
    }

    /** Backs off for 2 ms, then sleeps on {@code notifier} following the wake-up protocol. */
    public static WaitStrategy blocking(Notifier notifier) {
        java.util.Objects.requireNonNull(notifier, "notifier");
        return new WaitStrategy(notifier) {
            @Override
            void idle(RingEnd end, long deadlineNanos) {
                end.countIdle();
                if (!backOff(deadlineNanos)) {
                    Wakeup.sleep(end, notifier, deadlineNanos);
                }
            }
        };
    }

    /** Called after an attempt that found nothing to do; returns by the deadline at the latest. */
    abstract void idle(RingEnd end, long deadlineNanos);

    /**
     * For one thread serving several consumers (a mesh node's inbound rings): call after a round
     * over all of them found no record. The spinning strategies wait as for one ring; the blocking
     * strategy announces a sleep on every ring, fences once, re-checks every ring and sleeps on its
     * notifier only if all are still empty, so a record published to any of them is never missed.
     * The producers of all these rings must kick this strategy's notifier.
     */
    public void idle(RingConsumer[] group, long deadlineNanos) {
        for (RingConsumer consumer : group) {
            consumer.countIdle();
        }
        if (backOff(deadlineNanos) || notifier == null) {
            return;
        }
        Wakeup.sleep(group, notifier, deadlineNanos);
    }

    /** Call after an attempt that did work: the next idle streak starts from the beginning. */
    public void reset() {
        step = 0;
    }

    /**
     * One step of the back-off: spin for the first 10 µs of the idle streak, then yield until
     * 100 µs, then park for growing times (1 µs doubling to 1 ms) until 2 ms. Returns false, doing
     * nothing, once the back-off is over: the blocking strategy then sleeps on its notifier; the back-off strategy
     * goes on parking for 1 ms at a time.
     */
    final boolean backOff(long deadlineNanos) {
        long now = System.nanoTime();
        if (step++ == 0) {
            idleSince = now;
            parks = 0;
        }
        long idle = now - idleSince;
        if (idle < SPIN_NANOS) {
            Thread.onSpinWait();
        } else if (idle < YIELD_NANOS) {
            Thread.yield();
        } else if (idle < PARK_NANOS || notifier == null) {
            long park = Math.min(MAX_PARK_NANOS, 1000L << Math.min(parks++, 10));
            LockSupport.parkNanos(Math.max(0, Math.min(park, deadlineNanos - now)));
        } else {
            return false;
        }
        return true;
    }
}
