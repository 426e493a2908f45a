package io.dataport.queue;

import org.openjdk.jcstress.infra.results.III_Result;

/**
 * What the one-producer, one-consumer scenarios share: a {@link StressRing} whose positions start at
 * {@code start}, and a {@link Tally} of the records the producer commits. The producer actor runs
 * {@link #produce}, the consumer actor {@link #consume}, the arbiter {@link #settle}. Each scenario
 * takes the {@link SharedRing} to run on: the real one, or a broken one of the negative controls.
 */
abstract class TalliedScenario {
    final StressRing ring;
    final Tally tally;

    TalliedScenario(RingConfig config, SharedRing shared, long start, int[] lengths, int[] types) {
        ring = new StressRing(config, shared, start);
        tally = new Tally(lengths, types);
    }

    abstract void produce();

    abstract void consume();

    /** The arbiter: drains what the race left and reports (in race or -1 if poisoned, in all, bad). */
    void settle(III_Result r) {
        tally.drain(ring.consumer, ring.producer);
        tally.report(r);
    }
}
