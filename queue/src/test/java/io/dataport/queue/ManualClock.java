package io.dataport.queue;

/**
 * A lease clock for tests: time moves only when someone pauses (by the pause asked for) or calls
 * {@link #advance}, so a test decides by events, never by the wall clock. {@code onPause} runs at
 * every pause: a test uses it to make a "live" holder beat while a claimant watches.
 */
final class ManualClock implements LeaseClock {
    private long now = 1_000_000_000L;
    private final Runnable onPause;
    int pauses;

    ManualClock() {
        this(() -> { });
    }

    ManualClock(Runnable onPause) {
        this.onPause = onPause;
    }

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public void pause(long nanos) {
        synchronized (this) {
            now += nanos;
            pauses++;
        }
        onPause.run();
    }

    synchronized void advance(long nanos) {
        now += nanos;
    }
}
