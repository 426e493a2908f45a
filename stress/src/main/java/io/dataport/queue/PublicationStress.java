package io.dataport.queue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.nio.ByteBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Publication (layout version 3, commit in the record): a consumer that observes a record's header
 * (its one acquire load, {@link SharedRing#readRecordHeader}) observes its exact length, type and
 * every payload byte: the producer writes the payload (plain), then the end marker at the next
 * record's slot (opaque), then the header by compare-and-set, the commit. The record lands on stale
 * bytes of a previous lap ({@link StressRing}), so a byte read before the producer's writes became
 * visible is a stale byte, and a FORBIDDEN outcome.
 *
 * <p>The end marker: {@link Offer}'s consumer polls with limit 4, so after the record it reads the
 * next header slot too, where a previous lap left a stale record. It must find the end marker
 * there (the batch ends), never the stale bytes: the end marker is stored before the header that
 * leads to it. {@link ClaimInPlace}'s consumer reads one record ({@code read} polls with limit 1);
 * the arbiter then reads on in both tests.
 *
 * <p>Outcome {@code (r1, r2, r3)}: records the racing consumer delivered (-1 if it was poisoned),
 * records delivered in all once the arbiter drained the ring, and bad values (wrong length, type
 * or byte, or a record too many or too few, or the consumer not ending where the producer did).
 */
public class PublicationStress {
    static final RingConfig CONFIG = new RingConfig(128, 56);

    /**
     * {@code offer(byte[])} copies an array in; the consumer reads the record in place, byte by byte,
     * then the slot after it (data offset 32, a stale header before the producer's end marker).
     */
    static final class OfferScenario extends TalliedScenario {
        static final long START = 128;
        static final int LENGTH = 21;
        static final int TYPE = 5;
        static final byte[] PAYLOAD = StressRing.payload(0, LENGTH);

        OfferScenario(SharedRing shared) {
            super(CONFIG, shared, START, new int[] {LENGTH}, new int[] {TYPE});
        }

        @Override
        void produce() {
            ring.producer.offer(PAYLOAD, 0, LENGTH, TYPE);
        }

        @Override
        void consume() {
            tally.poll(ring.consumer, 4);
        }
    }

    /** Zero copy in: {@code tryClaim} then long, int, byte and array puts in place, {@code commit};
     *  the consumer copies the record out with {@code read(ByteBuffer)}. */
    static final class ClaimScenario extends TalliedScenario {
        static final long START = 128 + 40;
        static final int LENGTH = 44;
        static final int TYPE = 9;
        static final byte[] PAYLOAD = StressRing.payload(0, LENGTH);

        final ByteBuffer copy = ByteBuffer.allocate(CONFIG.maxRecordLength());

        ClaimScenario(SharedRing shared) {
            super(CONFIG, shared, START, new int[] {LENGTH}, new int[] {TYPE});
        }

        @Override
        void produce() {
            ClaimedRecord record = ring.producer.tryClaim(LENGTH, TYPE);
            StressRing.writeInPlace(record, PAYLOAD);
            ring.producer.commit();
        }

        @Override
        void consume() {
            tally.read(ring.consumer, copy);
        }
    }

    @JCStressTest
    @Description("offer() then poll() in place: a delivered record has its exact length, type and bytes,"
            + " and the slot after it holds the end marker, never a stale header")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "not yet published (end marker); the arbiter then reads it whole")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "published and read whole, then the end marker after it")
    @Outcome(expect = FORBIDDEN, desc = "torn or stale byte, wrong length or type, lost or extra record (a stale"
            + " header read after the record), or poisoned")
    @State
    public static class Offer {
        final OfferScenario s = new OfferScenario(StressRing.correct(CONFIG));

        @Actor
        public void producer() {
            s.produce();
        }

        @Actor
        public void consumer() {
            s.consume();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            s.settle(r);
        }
    }

    @JCStressTest
    @Description("tryClaim() + puts in place + commit() then read(ByteBuffer): the copy is exact")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "not yet published; the arbiter then reads it whole")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "published and copied out whole")
    @Outcome(expect = FORBIDDEN, desc = "torn or stale byte, wrong length, lost or extra record, or poisoned")
    @State
    public static class ClaimInPlace {
        final ClaimScenario s = new ClaimScenario(StressRing.correct(CONFIG));

        @Actor
        public void producer() {
            s.produce();
        }

        @Actor
        public void consumer() {
            s.consume();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            s.settle(r);
        }
    }
}
