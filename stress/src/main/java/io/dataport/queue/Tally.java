package io.dataport.queue;

import java.nio.ByteBuffer;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Checks the records a consumer delivers against the exact sequence the producer commits: the
 * k-th record delivered must have the k-th expected length, type and every payload byte
 * ({@link StressRing#pattern}). Anything else (a torn or stale byte, a wrong length or type, a
 * record out of order, an extra record such as an aborted claim or a padding record) counts as bad.
 *
 * <p>One instance per jcstress state; the consumer actor and then the arbiter use it (the arbiter
 * runs after the actors, so no synchronisation is needed).
 */
final class Tally implements RecordHandler {
    private final int[] lengths;
    private final int[] types;
    /** Records delivered so far. */
    int delivered;
    /** Wrong lengths, types, bytes and extra records seen so far. */
    int bad;
    /** Records the racing consumer delivered (set by {@link #poll}). */
    int inRace;
    /** Whether the consumer end was poisoned (it threw {@link RingCorruptedException}). */
    boolean poisoned;

    /** Expects records {@code (lengths[k], types[k])} with payload {@code StressRing.payload(k, lengths[k])}, in order. */
    Tally(int[] lengths, int[] types) {
        this.lengths = lengths;
        this.types = types;
    }

    @Override
    public void onRecord(RecordView record) {
        int k = delivered++;
        if (k >= lengths.length) {
            bad++;
            return;
        }
        int length = record.length();
        if (length != lengths[k]) {
            bad++;
        }
        if (record.type() != types[k]) {
            bad++;
        }
        for (int i = 0, n = Math.min(length, lengths[k]); i < n; i++) {
            if (record.getByte(i) != StressRing.pattern(k, i)) {
                bad++;
            }
        }
    }

    /** Checks one record copied out by {@link RingConsumer#read}: {@code length} bytes of {@code dst} from 0. */
    void onCopy(int length, ByteBuffer dst) {
        int k = delivered++;
        if (k >= lengths.length) {
            bad++;
            return;
        }
        if (length != lengths[k]) {
            bad++;
        }
        for (int i = 0, n = Math.min(length, lengths[k]); i < n; i++) {
            if (dst.get(i) != StressRing.pattern(k, i)) {
                bad++;
            }
        }
    }

    /** One poll as the racing consumer; a poisoned consumer is recorded, not thrown. */
    void poll(RingConsumer consumer, int limit) {
        try {
            consumer.poll(this, limit);
        } catch (RingCorruptedException e) {
            poisoned = true;
        }
        inRace = delivered;
    }

    /** One copying read as the racing consumer into {@code dst} (cleared first). */
    void read(RingConsumer consumer, ByteBuffer dst) {
        try {
            dst.clear();
            int length = consumer.read(dst);
            if (length >= 0) {
                onCopy(length, dst);
            }
        } catch (RingCorruptedException e) {
            poisoned = true;
        }
        inRace = delivered;
    }

    /** The outcome: (records delivered in the race or -1 if poisoned, records delivered in all, bad). */
    void report(III_Result r) {
        r.r1 = poisoned ? -1 : inRace;
        r.r2 = delivered;
        r.r3 = bad;
    }

    /**
     * After the actors: drains what is left (bounded: a correct ring needs one poll) and checks that
     * exactly the expected records were delivered and that the consumer ended where the producer did.
     */
    void drain(RingConsumer consumer, RingProducer producer) {
        drain(consumer, producer, lengths.length);
    }

    /** As {@link #drain(RingConsumer, RingProducer)}, when only the first {@code expected} records were committed. */
    void drain(RingConsumer consumer, RingProducer producer, int expected) {
        for (int i = 0; i < 4 && !poisoned; i++) {
            try {
                if (consumer.poll(this, 64) == 0) {
                    break;
                }
            } catch (RingCorruptedException e) {
                poisoned = true;
            }
        }
        if (delivered != expected) {
            bad++;
        }
        if (!poisoned && consumer.position() != producer.position()) {
            bad++;
        }
    }
}
