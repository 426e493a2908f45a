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
 * accessors of {@link BrokenOrderingRings}. A FORBIDDEN outcome here is the expected result (the
 * test has teeth); a control that passes shows an ordering bug this machine and JIT did not expose.
 * Run only by {@code stress/run-negative-controls.sh}, never by {@code mvn verify}
 * (docs/jcstress.md lists what each one showed).
 */
public class NegativeControls {
    private NegativeControls() {
    }

    @JCStressTest
    @Description("NEGATIVE CONTROL: PublicationStress.Offer with a plain (not release) commit store")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "not yet published; the arbiter then reads it whole")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "published and read whole")
    @Outcome(expect = FORBIDDEN, desc = "torn or stale byte, wrong length or type, lost or extra record, or poisoned")
    @State
    public static class PlainCommitStore {
        final PublicationStress.OfferScenario s = new PublicationStress.OfferScenario(
                new BrokenOrderingRings.PlainCommitStore(PublicationStress.CONFIG));

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
    @Description("NEGATIVE CONTROL: PublicationStress.Offer with a plain commit store and a plain load of it")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "not yet published; the arbiter then reads it whole")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "published and read whole")
    @Outcome(expect = FORBIDDEN, desc = "torn or stale byte, wrong length or type, lost or extra record, or poisoned")
    @State
    public static class PlainCommitStoreAndLoad {
        final PublicationStress.OfferScenario s = new PublicationStress.OfferScenario(
                new BrokenOrderingRings.PlainCommitStoreAndLoad(PublicationStress.CONFIG));

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
    @Description("NEGATIVE CONTROL: PublicationStress.ClaimInPlace with the position published before the writes")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "not yet published; the arbiter then reads it whole")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "published and copied out whole")
    @Outcome(expect = FORBIDDEN, desc = "torn or stale byte, wrong length, lost or extra record, or poisoned")
    @State
    public static class PublishBeforeWrite {
        final PublicationStress.ClaimScenario s = new PublicationStress.ClaimScenario(
                new BrokenOrderingRings.PublishBeforeWrite(PublicationStress.CONFIG));

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
    @Description("NEGATIVE CONTROL: WrapAroundStress with the position published before the padding and record")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "not yet published; the arbiter then reads it whole")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "padding skipped, record read whole")
    @Outcome(expect = FORBIDDEN, desc = "stale header or byte, padding delivered, record lost, or poisoned")
    @State
    public static class PublishBeforePadding {
        final WrapAroundStress.Scenario s = new WrapAroundStress.Scenario(
                new BrokenOrderingRings.PublishBeforeWrite(WrapAroundStress.CONFIG));

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
    @Description("NEGATIVE CONTROL: BatchStress with the position published before the batch's writes")
    @Outcome(id = "0, 3, 0", expect = ACCEPTABLE, desc = "batch not yet published; the arbiter then reads all three")
    @Outcome(id = "3, 3, 0", expect = ACCEPTABLE, desc = "whole batch read in order")
    @Outcome(expect = FORBIDDEN, desc = "part of a batch, out of order, stale or torn bytes, or poisoned")
    @State
    public static class PublishBeforeBatch {
        final BatchStress.Scenario s = new BatchStress.Scenario(
                new BrokenOrderingRings.PublishBeforeWrite(BatchStress.CONFIG));

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
    @Description("NEGATIVE CONTROL: PositionAtomicityStress.ProducerPosition stored as two 32-bit halves")
    @Outcome(id = "562949953421248", expect = ACCEPTABLE, desc = "before the publish: 0x0001FFFF_FFFFFFC0 (epoch 1, -64)")
    @Outcome(id = "281474976710656", expect = ACCEPTABLE, desc = "after the publish: 0x00010000_00000000 (epoch 1, 0)")
    @Outcome(expect = FORBIDDEN, desc = "a torn 64-bit position word")
    @State
    public static class SplitPositionStore {
        final PositionAtomicityStress.ProducerScenario s = new PositionAtomicityStress.ProducerScenario(
                new BrokenOrderingRings.SplitPositionStore(PositionAtomicityStress.CONFIG));

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
