package io.dataport.queue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.J_Result;

/**
 * Negative controls: the scenarios and outcome rules of the real tests, run over the broken
 * accessors of {@link BrokenOrderingRings} (layout version 3). A FORBIDDEN outcome here is the
 * expected result (the test has teeth); a control that passes shows an ordering bug this machine
 * and JIT did not expose. Run only by {@code stress/run-negative-controls.sh}, never by
 * {@code mvn verify} (docs/jcstress.md lists what each one showed).
 */
public class NegativeControls {
    private NegativeControls() {
    }

    @JCStressTest
    @Description("NEGATIVE CONTROL: PublicationStress.ClaimInPlace with the header stored before the payload")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "not yet published; the arbiter then reads it whole")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "published and copied out whole")
    @Outcome(expect = FORBIDDEN, desc = "torn or stale byte, wrong length, lost or extra record, or poisoned")
    @State
    public static class HeaderBeforePayload {
        final PublicationStress.ClaimScenario s = new PublicationStress.ClaimScenario(
                new BrokenOrderingRings.HeaderBeforePayload(PublicationStress.CONFIG));

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
    @Description("NEGATIVE CONTROL: BatchStress with the publish (the first header's CAS) before the batch's other stores")
    @Outcome(id = "0, 3, 0", expect = ACCEPTABLE, desc = "batch not yet published; the arbiter then reads all three")
    @Outcome(id = "3, 3, 0", expect = ACCEPTABLE, desc = "whole batch read in order")
    @Outcome(expect = FORBIDDEN, desc = "part of a batch, out of order, stale or torn bytes, or poisoned")
    @State
    public static class HeaderBeforeBatch {
        final BatchStress.Scenario s = new BatchStress.Scenario(
                new BrokenOrderingRings.PublishBeforeBatch(BatchStress.CONFIG));

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
    @Description("NEGATIVE CONTROL: PublicationStress.Offer with the end marker stored after the header")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "not yet published (end marker); the arbiter then reads it whole")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "published and read whole, then the end marker after it")
    @Outcome(expect = FORBIDDEN, desc = "torn or stale byte, wrong length or type, lost or extra record (a stale"
            + " header read after the record), or poisoned")
    @State
    public static class EndMarkerAfterHeader {
        final PublicationStress.OfferScenario s = new PublicationStress.OfferScenario(
                new BrokenOrderingRings.EndMarkerAfterHeader(PublicationStress.CONFIG));

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
    @Description("NEGATIVE CONTROL: WrapAroundStress with the end marker stored after the padding header")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "the end marker at 96, or the padding and the end marker"
            + " at 0; the arbiter then reads the record whole")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "padding skipped, record read whole")
    @Outcome(expect = FORBIDDEN, desc = "stale header (after the padding too) or byte, padding delivered, record lost,"
            + " or poisoned")
    @State
    public static class EndMarkerAfterPadding {
        final WrapAroundStress.Scenario s = new WrapAroundStress.Scenario(
                new BrokenOrderingRings.EndMarkerAfterHeader(WrapAroundStress.CONFIG));

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
    @Description("NEGATIVE CONTROL: PublicationStress.Offer with no end marker ever stored")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "not yet published (end marker); the arbiter then reads it whole")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "published and read whole, then the end marker after it")
    @Outcome(expect = FORBIDDEN, desc = "torn or stale byte, wrong length or type, lost or extra record (a stale"
            + " header read after the record), or poisoned")
    @State
    public static class NoEndMarker {
        final PublicationStress.OfferScenario s = new PublicationStress.OfferScenario(
                new BrokenOrderingRings.NoEndMarker(PublicationStress.CONFIG));

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
    @Description("NEGATIVE CONTROL: PublicationStress.Offer with the consumer reading the header in two 4-byte halves")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "not yet published (end marker); the arbiter then reads it whole")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "published and read whole, then the end marker after it")
    @Outcome(expect = FORBIDDEN, desc = "torn or stale byte, wrong length or type, lost or extra record (a stale"
            + " header read after the record), or poisoned")
    @State
    public static class TornHeaderRead {
        final PublicationStress.OfferScenario s = new PublicationStress.OfferScenario(
                new BrokenOrderingRings.TornHeaderRead(PublicationStress.CONFIG));

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
    @Description("NEGATIVE CONTROL: PositionAtomicityStress.ProducerHint with the hint stored as two 32-bit halves")
    @Outcome(id = "562949953421248", expect = ACCEPTABLE, desc = "before the Reserve: 0x0001FFFF_FFFFFFC0 (epoch 1, -64)")
    @Outcome(id = "281474976710656", expect = ACCEPTABLE, desc = "after the Reserve: 0x00010000_00000000 (epoch 1, 0)")
    @Outcome(expect = FORBIDDEN, desc = "a torn 64-bit position word")
    @State
    public static class SplitHintStore {
        final PositionAtomicityStress.HintScenario s = new PositionAtomicityStress.HintScenario(
                new BrokenOrderingRings.SplitHintStore(PositionAtomicityStress.CONFIG));

        @Actor
        public void producer() {
            s.produce();
        }

        @Actor
        public void observer(J_Result r) {
            r.r1 = s.observe();
        }
    }

    @JCStressTest
    @Description("NEGATIVE CONTROL: PositionAtomicityStress.ConsumerPosition stored as two 32-bit halves")
    @Outcome(id = "562949953421248", expect = ACCEPTABLE, desc = "before the poll's publish: 0x0001FFFF_FFFFFFC0 (epoch 1, -64)")
    @Outcome(id = "281474976710656", expect = ACCEPTABLE, desc = "after the poll's publish: 0x00010000_00000000 (epoch 1, 0)")
    @Outcome(expect = FORBIDDEN, desc = "a torn 64-bit position word")
    @State
    public static class SplitConsumerPositionStore {
        final PositionAtomicityStress.ConsumerScenario s = new PositionAtomicityStress.ConsumerScenario(
                new BrokenOrderingRings.SplitConsumerPositionStore(PositionAtomicityStress.CONFIG));

        @Actor
        public void consumer() {
            s.consume();
        }

        @Actor
        public void observer(J_Result r) {
            r.r1 = s.observe();
        }
    }

    @JCStressTest
    @Description("NEGATIVE CONTROL: ReuseStress with the consumer releasing a record before its handler runs")
    @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "the producer found the ring full every time")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "the producer reused R0's bytes after the handler was done")
    @Outcome(expect = FORBIDDEN, desc = "the handler saw overwritten bytes, a record was torn or lost, or poisoned")
    @State
    public static class ReleaseBeforeHandler {
        final ReuseStress.Scenario s = new ReuseStress.Scenario(
                new BrokenOrderingRings.ReleaseBeforeHandler(ReuseStress.CONFIG, ReuseStress.Scenario.START));

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
    @Description("NEGATIVE CONTROL: PublicationStress.Offer with a plain (not CAS, not release) header store")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "not yet published (end marker); the arbiter then reads it whole")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "published and read whole, then the end marker after it")
    @Outcome(expect = FORBIDDEN, desc = "torn or stale byte, wrong length or type, lost or extra record (a stale"
            + " header read after the record), or poisoned")
    @State
    public static class PlainHeaderStore {
        final PublicationStress.OfferScenario s = new PublicationStress.OfferScenario(
                new BrokenOrderingRings.PlainHeaderStore(PublicationStress.CONFIG));

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
    @Description("NEGATIVE CONTROL: PublicationStress.Offer with a plain header store and a plain header load")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "not yet published (end marker); the arbiter then reads it whole")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "published and read whole, then the end marker after it")
    @Outcome(expect = FORBIDDEN, desc = "torn or stale byte, wrong length or type, lost or extra record (a stale"
            + " header read after the record), or poisoned")
    @State
    public static class PlainHeaderStoreAndLoad {
        final PublicationStress.OfferScenario s = new PublicationStress.OfferScenario(
                new BrokenOrderingRings.PlainHeaderStoreAndLoad(PublicationStress.CONFIG));

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
    @Description("NEGATIVE CONTROL: ReuseStress with a plain store and plain load of the consumer position")
    @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "the producer found the ring full every time")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "the producer reused R0's bytes after the handler was done")
    @Outcome(expect = FORBIDDEN, desc = "the handler saw overwritten bytes, a record was torn or lost, or poisoned")
    @State
    public static class PlainConsumerPosition {
        final ReuseStress.Scenario s = new ReuseStress.Scenario(
                new BrokenOrderingRings.PlainConsumerPosition(ReuseStress.CONFIG));

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
    @Description("NEGATIVE CONTROL: WakeupStress with the full fence of both sides removed")
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the consumer's re-check saw the record; the producer saw no sleeper")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the re-check saw the record; the producer also saw the flag")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the consumer sleeps; the producer saw the flag and kicks")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "lost wake-up: the consumer sleeps, the producer saw no sleeper")
    @State
    public static class NoWakeupFence {
        final WakeupStress.Scenario s = new WakeupStress.Scenario(
                new BrokenOrderingRings.NoWakeupFence(WakeupStress.CONFIG));

        @Actor
        public void consumer(II_Result r) {
            r.r1 = s.sleeper();
        }

        @Actor
        public void producer(II_Result r) {
            r.r2 = s.waker();
        }
    }

    @JCStressTest
    @Description("NEGATIVE CONTROL: WakeupStress.SleepForRoomVersusPoll with the full fence of both sides removed")
    @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "claim's first tryClaim found room: no sleep announced")
    @Outcome(id = "0, 0, 1", expect = ACCEPTABLE, desc = "the producer's re-check saw the room; the consumer saw no sleeper")
    @Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "the re-check saw the room; the consumer also saw the flag")
    @Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "the producer sleeps; the consumer saw the flag and kicks")
    @Outcome(id = "1, 0, 1", expect = FORBIDDEN, desc = "lost wake-up: the producer sleeps, the consumer saw no sleeper")
    @Outcome(expect = FORBIDDEN, desc = "anything else: R0 not consumed, two sleeps announced, a flag without a sleep")
    @State
    public static class NoWakeupFenceForRoom {
        final WakeupStress.RoomScenario s = new WakeupStress.RoomScenario(
                new BrokenOrderingRings.NoWakeupFence(WakeupStress.CONFIG));

        @Actor
        public void producer(III_Result r) {
            s.sleeper(r);
        }

        @Actor
        public void consumer(III_Result r) {
            r.r2 = s.waker();
        }
    }
}
