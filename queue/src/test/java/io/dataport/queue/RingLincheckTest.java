package io.dataport.queue;

import static org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt.forClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.SplittableRandom;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ParameterGenerator;
import org.jetbrains.lincheck.datastructures.RandomProvider;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Model-based tests of the ring with Lincheck: the ring's operations, on a real in-memory ring,
 * against the sequential reference model {@link RingModel}; see {@code docs/model-tests.md}.
 *
 * <ul>
 *   <li>{@link #sequentialScenarios}: one thread runs random operation sequences (every operation,
 *       including batched polls and a separate publish) and each result must equal the model's.</li>
 *   <li>{@link #concurrentStress} and {@link #concurrentModelChecking}: the producer's operations run
 *       in one thread and the consumer's in another (Lincheck non-parallel groups), and the results
 *       must be explainable by some order of the same operations on the model (linearizability).
 *       Stress mode runs them on real threads; model checking explores interleavings at every
 *       shared-memory access, each {@link SharedRing} method being one atomic step. Their model is
 *       {@link RingModel.NoLonePadding}: a claim that would write a padding while no batch is held
 *       (visible on its own: not linearizable against whole operations, see {@link RingModel}) is
 *       refused by the test before it reaches the ring; paddings behind a held batch are written.</li>
 *   <li>{@link #longSequentialWalkMatchesModel}: a plain random walk of 200,000 operations, for deep
 *       states (many laps, positions past the 64-bit overflow) that short scenarios never reach;
 *       {@link #longSequentialWalkWithALapPrefixMatchesModel}, the same on a ring whose laps start
 *       with a prefix that holds no record (a region's ring).</li>
 * </ul>
 *
 * The ring is layout version 3 ("commit in the record"): the model counts the end marker's 8 bytes
 * after every step and the lap prefixes a step passes ({@code RingProducer.stepBytes}), holds a
 * batch's first record back until publish, and lets every poll read up to the end marker. Each
 * ring under test starts at {@link RingModel#START}, as a ring that ran there would be: both
 * positions there and the end marker in the slot at {@link RingModel#START_OFFSET}.
 *
 * Lengths come from {@link UniformInt} (uniform over [0, max]): Lincheck's default integer
 * generator starts mid-range and widens slowly, and misses wrap bugs.
 */
public class RingLincheckTest {

    /**
     * Iterations (scenarios) and invocations per scenario. The defaults keep this class within about
     * a minute on two cores; -Ddataport.lincheck.scale=N multiplies the iterations for a longer run.
     */
    static final int SCALE = Integer.getInteger("dataport.lincheck.scale", 1);
    static final int SEQUENTIAL_ITERATIONS = Integer.getInteger("dataport.lincheck.sequential", 100) * SCALE;
    static final int STRESS_ITERATIONS = Integer.getInteger("dataport.lincheck.stress.iterations", 10) * SCALE;
    static final int STRESS_INVOCATIONS = Integer.getInteger("dataport.lincheck.stress.invocations", 5_000);
    static final int MODEL_CHECKING_ITERATIONS = Integer.getInteger("dataport.lincheck.mc.iterations", 20) * SCALE;
    static final int MODEL_CHECKING_INVOCATIONS = Integer.getInteger("dataport.lincheck.mc.invocations", 1_000);

    @Test
    void sequentialScenarios() {
        new StressOptions()
                .threads(1)
                .actorsPerThread(30)
                .actorsBefore(0)
                .actorsAfter(0)
                .iterations(SEQUENTIAL_ITERATIONS)
                .invocationsPerIteration(1)
                .sequentialSpecification(RingModel.class)
                .check(SequentialOps.class);
    }

    @Test
    void concurrentStress() {
        new StressOptions()
                .threads(2)
                .actorsPerThread(4)
                .actorsBefore(3)
                .actorsAfter(2)
                .iterations(STRESS_ITERATIONS)
                .invocationsPerIteration(STRESS_INVOCATIONS)
                .sequentialSpecification(RingModel.NoLonePadding.class)
                .check(ConcurrentOps.class);
    }

    @Test
    void concurrentModelChecking() {
        new ModelCheckingOptions()
                .threads(2)
                .actorsPerThread(4)
                .actorsBefore(3)
                .actorsAfter(2)
                .iterations(MODEL_CHECKING_ITERATIONS)
                .invocationsPerIteration(MODEL_CHECKING_INVOCATIONS)
                .sequentialSpecification(RingModel.NoLonePadding.class)
                // byteBufferViewVarHandle accesses crash the model checker: each accessor method is one atomic step
                .addGuarantee(forClasses(SharedRing.class.getName()).allMethods().treatAsAtomic())
                // test-side loops over local arrays are not spin loops
                .addGuarantee(forClasses(Payloads.class.getName()).allMethods().ignore())
                .check(ConcurrentOps.class);
    }

    @Test
    void longSequentialWalkMatchesModel() {
        long seed = Seeds.seed("RingLincheckTest.longSequentialWalkMatchesModel", 4);
        walk(seed, new SequentialOps(), new RingModel());
    }

    /** The same walk on a ring whose laps start with 16 bytes that hold no record (both ends skip them). */
    @Test
    void longSequentialWalkWithALapPrefixMatchesModel() {
        long seed = Seeds.seed("RingLincheckTest.longSequentialWalkWithALapPrefixMatchesModel", 5);
        int prefix = 16;
        walk(seed, new SequentialOps(new RingConfig(RingModel.CAPACITY,
                RingLayout.maxRecordLengthFor(RingModel.CAPACITY, prefix), prefix)), new RingModel(RingModel.CAPACITY, prefix));
    }

    private static void walk(long seed, SequentialOps ring, RingModel model) {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder history = new StringBuilder();
        int fulls = 0;
        for (int step = 0; step < 200_000; step++) {
            int length = random.nextInt(model.maxLength() + 1);
            int op = random.nextInt(10);
            Object expected;
            Object actual;
            switch (op) {
                case 0 -> { expected = model.offer(length); actual = ring.offer(length); }
                case 1 -> { expected = model.claimCommit(length); actual = ring.claimCommit(length); }
                case 2 -> { expected = model.claimCommitBatched(length); actual = ring.claimCommitBatched(length); }
                case 3 -> { expected = model.claimAbort(length); actual = ring.claimAbort(length); }
                case 4 -> { int s = random.nextInt(3); expected = model.offerNearEnd(s); actual = ring.offerNearEnd(s); }
                case 5 -> { model.publish(); ring.publish(); expected = actual = "published"; }
                case 6 -> { expected = model.freeSpace(); actual = ring.freeSpace(); }
                case 7 -> { expected = model.poll(); actual = ring.poll(); }
                case 8 -> { expected = model.read(); actual = ring.read(); }
                default -> { int l = 1 + random.nextInt(4); expected = model.pollBatch(l); actual = ring.pollBatch(l); }
            }
            if (Boolean.FALSE.equals(expected)) {
                fulls++;
            }
            history.append(op).append(':').append(length).append(' ');
            if (history.length() > 400) {
                history.delete(0, history.length() - 400);
            }
            assertEquals(expected, actual, "seed=" + seed + ", step " + step + ", last operations (op:length) " + history);
        }
        assertTrue(ring.producer.position() - RingModel.START > 100L * RingModel.CAPACITY, "many laps");
        assertTrue(ring.producer.position() > RingLayout.POSITION_MASK, "the positions passed the wrap of the 48-bit field");
        assertTrue(fulls > 1_000, "the ring was often full: " + fulls);
    }

    /** Uniform integers over {@code conf = "lo:hi"}: every length, 0 and the maximum included, equally likely. */
    public static final class UniformInt implements ParameterGenerator<Integer> {
        private final Random random;
        private final int low;
        private final int high;

        public UniformInt(RandomProvider randomProvider, String configuration) {
            this.random = randomProvider.createRandom();
            String[] bounds = configuration.split(":");
            this.low = Integer.parseInt(bounds[0].trim());
            this.high = Integer.parseInt(bounds[1].trim());
        }

        @Override
        public Integer generate() {
            return low + random.nextInt(high - low + 1);
        }
    }

    /**
     * The operations of the concurrent scenarios, on a real ring in process memory. Producer
     * operations share the group "producer" (one thread), consumer operations "consumer" (the other).
     *
     * <p>There is no separate publish here: a commit publishes, and a batched commit waits for the
     * next commit; {@code publish()} on its own runs in the sequential scenarios.
     */
    @Param(name = "length", gen = UniformInt.class, conf = "0:" + RingModel.MAX_LENGTH)
    @Param(name = "shape", gen = UniformInt.class, conf = "0:2")
    @Param(name = "limit", gen = UniformInt.class, conf = "1:4")
    public static class ConcurrentOps {
        final SharedRing shared;
        final RingProducer producer;
        final RingConsumer consumer;
        private final int capacity;
        private final int maxLength;
        /** Whether claims that would write a padding while no batch is held are refused (the concurrent scenarios). */
        private final boolean noLonePadding;
        /** Whether a batched record waits for the next publish (the producer holds its header back). */
        boolean held;
        private long nextSeq;
        private final ByteBuffer copy;
        /** Not a capturing lambda: the model checker cannot follow a lambda's captured fields. */
        private final Collector collector = new Collector();

        public ConcurrentOps() {
            this(RingConfig.of(RingModel.CAPACITY), true);
            if (maxLength != RingModel.MAX_LENGTH) {
                throw new AssertionError("the model's max length must be the largest the capacity allows");
            }
        }

        /**
         * A ring of {@code config}, started at {@link RingModel#START} as a ring that ran there would
         * be: both positions at START, the end marker at START's slot (the creator's, at the first
         * record slot, cleared). Without the marker, the producer's recovery scan would read the
         * zeros from START on as empty records.
         */
        ConcurrentOps(RingConfig config, boolean noLonePadding) {
            if (noLonePadding && config.lapPrefix() != 0) {
                throw new AssertionError("the concurrent scenarios' ring has no lap prefix");
            }
            this.noLonePadding = noLonePadding;
            if (config.maxRecordLength() != RingLayout.maxRecordLengthFor(config.capacity(), config.lapPrefix())) {
                throw new AssertionError("the model's max length is the largest the capacity and the prefix allow");
            }
            capacity = config.capacity();
            maxLength = config.maxRecordLength();
            copy = ByteBuffer.allocate(maxLength);
            shared = SharedRing.allocate(config, 0);
            shared.scribble(RingLayout.HEADER_LENGTH + config.lapPrefix(), 0);
            shared.scribble(RingLayout.HEADER_LENGTH + (int) (RingModel.START & (capacity - 1)), RingLayout.END_MARKER);
            shared.scribble(RingLayout.PRODUCER_POSITION_OFFSET, RingModel.START);
            shared.scribble(RingLayout.CONSUMER_POSITION_OFFSET, RingModel.START);
            producer = new RingProducer(shared, config, null);
            consumer = new RingConsumer(shared, config, null);
            if (producer.position() != RingModel.START) {
                throw new AssertionError("the producer's recovery scan did not stop at START: " + producer.position());
            }
        }

        @Operation(nonParallelGroup = "producer")
        public Object offer(@Param(name = "length") int length) {
            if (lonePadding(length)) {
                return RingModel.LONE_PADDING;
            }
            if (!producer.offer(Payloads.pattern(nextSeq, length), 0, length, Payloads.typeOf(nextSeq))) {
                return false;
            }
            nextSeq++;
            held = false;
            return true;
        }

        /** Claims, writes the payload piecewise in place (long, int, byte), commits and publishes. */
        @Operation(nonParallelGroup = "producer")
        public Object claimCommit(@Param(name = "length") int length) {
            return lonePadding(length) ? RingModel.LONE_PADDING : claimAndWrite(length, true);
        }

        /**
         * Whether the concurrent scenarios refuse a claim of {@code length}: no batch is held and the
         * record does not fit before the region end, so the claim would write a padding visible on
         * its own (see {@link RingModel}). Decided from the producer's own state, before any access.
         */
        private boolean lonePadding(int length) {
            return noLonePadding && !held
                    && RingLayout.recordSize(length) > capacity - ((int) producer.position() & (capacity - 1));
        }

        /** Like {@link #claimCommit} but commits without publishing; a later commit publishes it. */
        @Operation(nonParallelGroup = "producer")
        public Object claimCommitBatched(@Param(name = "length") int length) {
            return lonePadding(length) ? RingModel.LONE_PADDING : claimAndWrite(length, false);
        }

        /** Claims, scribbles over the claim, aborts: nothing of it may ever be delivered. */
        @Operation(nonParallelGroup = "producer")
        public Object claimAbort(@Param(name = "length") int length) {
            if (lonePadding(length)) {
                return RingModel.LONE_PADDING;
            }
            ClaimedRecord claim = producer.tryClaim(length, 4);
            if (claim == null) {
                return false;
            }
            claim.putBytes(0, Payloads.garbage(length), 0, length);
            producer.abort();
            return true;
        }

        /** Offers a record that ends exactly at the region end, one byte more (padding), or 8 bytes less. */
        @Operation(nonParallelGroup = "producer")
        public Object offerNearEnd(@Param(name = "shape") int shape) {
            int offset = (int) producer.position() & (capacity - 1);
            return offer(RingModel.nearEndLength(offset, shape, capacity, maxLength));
        }

        /** Free bytes: our position against the consumer position in shared memory (one atomic read). */
        @Operation(nonParallelGroup = "producer")
        public long freeSpace() {
            return capacity - (producer.position()
                    - RingLayout.positionNear(shared.readConsumerPosition(), producer.position()));
        }

        /** Polls one record, reading the payload in place piecewise (long, int, byte). */
        @Operation(nonParallelGroup = "consumer")
        public String poll() {
            return pollBatch(1);
        }

        /** The copying read. */
        @Operation(nonParallelGroup = "consumer")
        public String read() {
            copy.clear();
            int length = consumer.read(copy);
            if (length < 0) {
                return Payloads.pollResult(0, "", consumer.position() - RingModel.START);
            }
            byte[] bytes = new byte[length];
            copy.flip();
            copy.get(bytes);
            return Payloads.pollResult(1, Payloads.describe(length, -1, Payloads.hash(bytes)),
                    consumer.position() - RingModel.START);
        }

        String pollBatch(int limit) {
            collector.records.setLength(0);
            int count = consumer.poll(collector, limit);
            return Payloads.pollResult(count, collector.records, consumer.position() - RingModel.START);
        }

        private boolean claimAndWrite(int length, boolean publish) {
            ClaimedRecord claim = producer.tryClaim(length, Payloads.typeOf(nextSeq));
            if (claim == null) {
                return false;
            }
            byte[] bytes = Payloads.pattern(nextSeq, length);
            int at = 0;
            while (length - at >= Long.BYTES) {
                claim.putLong(at, Payloads.getLong(bytes, at));
                at += Long.BYTES;
            }
            if (length - at >= Integer.BYTES) {
                claim.putInt(at, Payloads.getInt(bytes, at));
                at += Integer.BYTES;
            }
            while (at < length) {
                claim.putByte(at, bytes[at]);
                at++;
            }
            if (publish) {
                producer.commit();
            } else {
                producer.commitBatched();
            }
            held = !publish;
            nextSeq++;
            return true;
        }
    }

    /** Reads each record in place piecewise (long, int, byte) and describes it. */
    static final class Collector implements RecordHandler {
        final StringBuilder records = new StringBuilder();

        @Override
        public void onRecord(RecordView record) {
            int length = record.length();
            byte[] bytes = new byte[length];
            int at = 0;
            while (length - at >= Long.BYTES) {
                Payloads.putLong(bytes, at, record.getLong(at));
                at += Long.BYTES;
            }
            if (length - at >= Integer.BYTES) {
                Payloads.putInt(bytes, at, record.getInt(at));
                at += Integer.BYTES;
            }
            while (at < length) {
                bytes[at] = record.getByte(at);
                at++;
            }
            records.append(Payloads.describe(length, record.type(), Payloads.hash(bytes)));
        }
    }

    /** The sequential scenarios add the operations that are deterministic only without a concurrent peer. */
    public static class SequentialOps extends ConcurrentOps {
        public SequentialOps() {
            this(RingConfig.of(RingModel.CAPACITY));
        }

        SequentialOps(RingConfig config) {
            super(config, false);
        }

        @Operation(nonParallelGroup = "producer")
        public void publish() {
            producer.publish();
            held = false;
        }

        /** A batch: up to {@code limit} records, up to the end marker (paddings skipped). */
        @Operation(nonParallelGroup = "consumer")
        public String pollBatch(@Param(name = "limit") int limit) {
            return super.pollBatch(limit);
        }
    }
}
