package io.dataport.queue;

/**
 * The notification primitive under the wake-up protocol: how a side that has nothing to do sleeps,
 * and how its peer wakes it. The protocol around it (the need-wake-up flags, the full fence, the
 * re-check before sleeping, kicking only a peer that announced a sleep) is {@code Wakeup}'s, the
 * same for every notifier; a notifier only carries the signal. Implement it to plug in another
 * transport; the library has three:
 * <ul>
 *   <li>{@link Doorbell} (waits) and {@link Kicker} (kicks): a Unix-domain socket, one kernel;</li>
 *   <li>{@link #polling()}: no signal at all; {@code await} parks for a bounded time, so a sleeper
 *       re-checks its rings at least every {@link #DEFAULT_POLL_NANOS} whatever its peer does.
 *       Needs nothing but the shared memory: works between virtual machines;</li>
 *   <li>{@code EventDeviceNotifier} (module {@code dataport-region-native}): {@code poll(2)} with
 *       a deadline on event device nodes (UIO, a CAmkES event, an eventfd), then a {@code read()}
 *       of the event, and a kick by a {@code write()} or a store into a mapped register.</li>
 * </ul>
 *
 * <p><b>Contract.</b>
 * <ul>
 *   <li>{@link #await} returns when a kick addressed to this side arrived, when {@code timeoutNanos}
 *       passed, or for no reason at all (spurious wake-ups are allowed: the protocol re-checks the
 *       rings after every return). It must not sleep past the timeout by more than the platform's
 *       timer slack.</li>
 *   <li>A kick that arrives while nobody waits is not lost: the next {@code await} returns at once.
 *       Kicks may coalesce (many kicks, one return). The protocol relies on this: a waker kicks
 *       after the sleeper announced its sleep but possibly before it calls {@code await}.</li>
 *   <li>{@link #kick} wakes the side at the other end; it must not block for long (it runs on the
 *       publishing thread) and returns false when the signal could not be delivered (the peer is
 *       gone). It is called only after the peer announced a sleep, once per sleep.</li>
 *   <li>One thread awaits at a time, and one thread kicks at a time; the two may differ.</li>
 *   <li>A notifier may serve one side only (a node sleeps on one {@code Doorbell} and kicks each
 *       peer through its own {@code Kicker}); the other method then throws
 *       {@link UnsupportedOperationException}. {@link #pair} joins two such halves.</li>
 *   <li>{@link #close} releases what the notifier holds; it is idempotent.</li>
 * </ul>
 *
 * <p>Use: give the kicking side to the end that publishes ({@link RingProducer#wakePeerWith},
 * {@link RingConsumer#wakePeerWith}) and the waiting side to the end's wait strategy
 * ({@link WaitStrategy#blocking(Notifier)}):
 * <pre>{@code
 * Notifier notifier = Notifier.polling();           // between VMs: nothing but the region
 * producer.wakePeerWith(notifier);                  // a polling notifier never kicks: no fence either
 * WaitStrategy wait = WaitStrategy.blocking(notifier);
 * ClaimedRecord r = producer.claim(length, type, wait, timeoutNanos);  // sleeps while the ring is full
 * }</pre>
 */
public interface Notifier extends AutoCloseable {

    /** The longest a {@link #polling()} notifier's {@code await} parks: 1 ms. */
    long DEFAULT_POLL_NANOS = 1_000_000;

    /**
     * Sleeps until a kick arrives, {@code timeoutNanos} pass, or spuriously; returns whether a kick
     * was seen (advisory: the caller re-checks its rings either way).
     */
    boolean await(long timeoutNanos);

    /** Wakes the side at the other end; false when the signal could not be delivered. */
    boolean kick();

    /**
     * Whether {@link #kick} carries a signal. False for a polling notifier: the publishing end then
     * skips the fence and the read of the peer's flag after each publication, since the peer's
     * sleep ends by itself.
     */
    default boolean kicks() {
        return true;
    }

    /** Releases the notifier's resources; idempotent. */
    @Override
    void close();

    /** A polling notifier that parks at most {@link #DEFAULT_POLL_NANOS} per {@code await}. */
    static Notifier polling() {
        return new PollingNotifier(DEFAULT_POLL_NANOS);
    }

    /**
     * A polling notifier whose {@code await} parks at most {@code maxSleepNanos} (at least 1 µs):
     * the bound on the wake-up latency it adds, traded against the CPU a blocked side spends
     * re-checking (measured in {@code docs/results.md}, "Notifiers").
     */
    static Notifier polling(long maxSleepNanos) {
        if (maxSleepNanos < 1_000 || maxSleepNanos > 1_000_000_000L) {
            throw new IllegalArgumentException("a polling notifier's longest sleep must be 1 µs to 1 s, not "
                    + maxSleepNanos + " ns");
        }
        return new PollingNotifier(maxSleepNanos);
    }

    /**
     * One notifier from two halves: {@code await} is {@code waiting}'s, {@code kick} is
     * {@code kicking}'s; {@code close} closes both.
     */
    static Notifier pair(Notifier waiting, Notifier kicking) {
        return new Notifier() {
            @Override
            public boolean await(long timeoutNanos) {
                return waiting.await(timeoutNanos);
            }

            @Override
            public boolean kick() {
                return kicking.kick();
            }

            @Override
            public boolean kicks() {
                return kicking.kicks();
            }

            @Override
            public void close() {
                try {
                    waiting.close();
                } finally {
                    kicking.close();
                }
            }
        };
    }
}
