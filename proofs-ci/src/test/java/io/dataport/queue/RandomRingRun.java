package io.dataport.queue;

import io.dataport.queue.TraceEvent.Side;
import io.dataport.queue.TracingSharedRing.Crashed;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Trace validation (issue 4, part 3): one seeded, randomised, single-threaded run of the REAL
 * {@link RingProducer} and {@link RingConsumer} over a {@link TracingSharedRing}, whose log
 * proofs-ci checks against {@code spec/DataportRing.tla} with TLC ({@code spec/DataportRingTrace.tla}).
 *
 * <p>What the run does, all chosen by the seed:
 * <ul>
 *   <li>the ring's sizes are given (the test uses 64 and 128 bytes, 8 and 16 spec slots); positions
 *       start at 0, just below 2^48 or just below 2^47: the position words hold a position mod 2^48
 *       ({@link RingLayout#packPosition}), so the field wraps to 0 during the run (or its top bit
 *       flips, where the 48-bit differences of {@link RingLayout#positionNear} are sign-extended),
 *       and an end that attaches after the wrap rebuilds its 64-bit position from the field;</li>
 *   <li>producer: {@code tryClaim} with lengths 0, the maximum, random, one that exactly fills to
 *       the region end and one that needs padding; the payload written in 1-3 pieces in random order
 *       through {@code putBytes} (array or buffer) / {@code putLong} / {@code putInt} /
 *       {@code putByte}; then {@code commit}, {@code commitBatched} (published later by
 *       {@code publish} or a later {@code commit}) or {@code abort}; {@code offer}; a claim refused
 *       on a full ring is retried with the same length (the spec's producer keeps the size it wants,
 *       docs/decisions/0103) or preceded by {@code publish};</li>
 *   <li>consumer: {@code poll} with limits 1, 2, 3, 4 or 1000 and {@code read(dst)}; the handler
 *       reads the payload whole, in pieces in random order ({@code getBytes} / {@code getLong} /
 *       {@code getInt} / {@code getByte}) or not at all, and checks what it read;</li>
 *   <li>crashes: either side dies between two operations, at its n-th next shared access or inside
 *       a handler, and a new end attaches over the same memory (the real constructors of a ring
 *       file's ends: the epoch moves, the hole table is freed, the reservation and position words are
 *       fenced; the dead end never runs again, as DataportRing's crashes, so no CAS ever fails);</li>
 *   <li>interleaving: before any shared access of one side, whole operations of the other side may
 *       run, so the two ends meet at every access, not only between API calls.</li>
 * </ul>
 * Besides the accesses, the log holds the application-level events the spec needs and memory
 * cannot show (see {@link TraceEvent}).
 */
public final class RandomRingRun {

    /** Which ring: the real accessor, or a planted divergence ({@link PlantedDivergence}). */
    public enum Variant { HONEST, END_MARKER_MISPLACED, RELEASE_BEFORE_READ }

    /**
     * A finished run. Positions in {@link #events} are the position words' 48-bit positions rebuilt
     * as 64-bit counters ({@link TracingSharedRing}); {@code basePosition} is where both started (a
     * multiple of the capacity), which the trace maps to the spec's position 0. {@code plantedAt}:
     * log index of the first planted access (-1 for {@link Variant#HONEST}).
     */
    public record Result(long seed, Variant variant, int capacity, int maxRecordLength, long basePosition,
                         List<TraceEvent> events, int plantedAt, String summary) {
    }

    private static final int[] LIMITS = {1, 2, 3, 4, 1000};
    private static final double INTERLEAVE = 0.2;

    private final SplittableRandom random;
    private final RingConfig config;
    private final TracingSharedRing ring;
    private final Variant variant;
    private RingProducer producer;
    private RingConsumer consumer;
    private ClaimedRecord claim;
    private byte[] claimData;
    private final List<int[]> pieces = new ArrayList<>();
    /** Length of the claim refused on a full ring, which the application retries; -1 if none. */
    private int wanted = -1;
    private final ByteBuffer readTarget;
    private final long base;

    private long committed;
    private long delivered;
    private long verified;
    private long paddings;
    private long aborts;
    private long refused;
    private long producerCrashes;
    private long consumerCrashes;
    private long interleavings;
    private int tag;

    private RandomRingRun(long seed, RingConfig config, Variant variant) {
        this.random = new SplittableRandom(seed);
        this.variant = variant;
        this.config = config;
        int capacity = config.capacity();
        int maxLength = config.maxRecordLength();
        ByteBuffer memory = ByteBuffer.allocateDirect((int) config.fileLength());
        this.ring = switch (variant) {
            case HONEST -> new TracingSharedRing(memory);
            case END_MARKER_MISPLACED -> new PlantedDivergence.EndMarkerMisplaced(memory);
            case RELEASE_BEFORE_READ -> new PlantedDivergence.ReleaseBeforeRead(memory);
        };
        ring.initialiseHeader(config, 1, 0);
        long laps = 1 + random.nextInt(8); // a run makes 10-30 laps: the wrap happens early
        this.base = switch (random.nextInt(3)) {
            case 0 -> 0L;
            case 1 -> (1L << RingLayout.POSITION_BITS) - laps * capacity;        // the 48-bit field wraps to 0
            default -> (1L << (RingLayout.POSITION_BITS - 1)) - laps * capacity; // its top bit flips
        };
        // not traced: the spec's Init has both positions at 0 and DataportRing has no reservation;
        // epoch 0 and nothing reserved, as in a ring just created whose positions are at base
        ring.scribble(RingLayout.PRODUCER_POSITION_OFFSET, RingLayout.packPosition(0, base));
        ring.scribble(RingLayout.CONSUMER_POSITION_OFFSET, RingLayout.packPosition(0, base));
        ring.scribble(RingLayout.RESERVATION_OFFSET, RingLayout.packPosition(0, base));
        ring.positionsStartAt(base);
        this.readTarget = ByteBuffer.allocate(Math.max(1, maxLength));
        ring.actor(Side.PRODUCER);
        this.producer = new RingProducer(ring, config, null);
        ring.actor(Side.CONSUMER);
        this.consumer = new RingConsumer(ring, config, null);
    }

    /**
     * A ring of {@code capacity} bytes whose max record length is the largest allowed or, if
     * {@code random}, drawn from [16, largest] by {@code seed}.
     */
    public static RingConfig config(int capacity, long seed, boolean random) {
        int max = RingLayout.maxRecordLengthFor(capacity);
        int min = Math.min(16, max);
        return new RingConfig(capacity, random ? min + new SplittableRandom(seed).nextInt(max - min + 1) : max);
    }

    /**
     * Runs the real ring ends over a ring of {@code config}'s sizes until at least {@code minEvents}
     * events that the trace module checks against DataportRing are logged ({@link TraceEvent#inDataportRing()};
     * the log holds the others too), and for a planted variant until 200 events past the planted access.
     */
    public static Result run(long seed, RingConfig config, int minEvents, Variant variant) {
        RandomRingRun run = new RandomRingRun(seed, config, variant);
        run.ring.startTracing(run::interleave);
        try {
            while (!run.done(minEvents)) {
                if (variant != Variant.HONEST && run.ring.events() > 50 * minEvents) {
                    throw new IllegalStateException("the planted divergence never happened");
                }
                run.topLevel(run.random.nextInt(100) < 60 ? Side.PRODUCER : Side.CONSUMER);
            }
        } catch (RuntimeException | AssertionError e) {
            if (variant == Variant.HONEST || run.plantedAt() < 0) {
                throw new AssertionError("seed " + seed + ": the run failed after " + run.ring.events()
                        + " events: " + e, e);
            }
            // a planted divergence may break the run (a torn record): the log so far is the trace
        } finally {
            run.ring.stopTracing();
        }
        return new Result(seed, variant, run.config.capacity(), run.config.maxRecordLength(), run.base,
                List.copyOf(run.ring.log()), run.plantedAt(), run.summary());
    }

    private boolean done(int minEvents) {
        if (ring.steps() < minEvents) {
            return false;
        }
        return variant == Variant.HONEST || plantedAt() >= 0 && ring.events() >= plantedAt() + 200;
    }

    private int plantedAt() {
        return ring instanceof PlantedDivergence.Planted p ? p.plantedAt() : -1;
    }

    private String summary() {
        long end = ring.producerPosition();
        long field = 1L << RingLayout.POSITION_BITS;
        String wrap = base < field && end >= field ? " (crossed 2^48: the position field wrapped)"
                : base < field / 2 && end >= field / 2 ? " (crossed 2^47)" : "";
        return String.format("capacity %d B, max length %d B, producer position %d -> %d%s; %d events"
                        + " (%d of them DataportRing steps): "
                        + "%d records committed, %d delivered (%d payloads checked), %d paddings, %d aborts, "
                        + "%d claims refused (full), %d producer and %d consumer crashes, %d interleavings",
                config.capacity(), config.maxRecordLength(), base, end, wrap, ring.events(), ring.steps(),
                committed, delivered,
                verified, paddings, aborts, refused, producerCrashes, consumerCrashes, interleavings);
    }

    // ---------------------------------------------------------------- scheduling

    private void topLevel(Side side) {
        try {
            act(side);
        } catch (Crashed c) {
            died(c.side);
        }
    }

    /** The interleaver: before an access of {@code side}, the other side may run whole operations. */
    private void interleave(Side side) {
        if (random.nextDouble() >= INTERLEAVE) {
            return;
        }
        interleavings++;
        Side other = side == Side.PRODUCER ? Side.CONSUMER : Side.PRODUCER;
        for (int n = 1 + random.nextInt(2); n > 0; n--) {
            try {
                act(other);
            } catch (Crashed c) {
                if (c.side != other) {
                    throw c;
                }
                died(other);
            }
        }
    }

    private void act(Side side) {
        ring.actor(side);
        if (side == Side.PRODUCER) {
            producerStep();
        } else {
            consumerStep();
        }
    }

    private void died(Side side) {
        if (side == Side.PRODUCER) {
            producer = null;
            claim = null;
            wanted = -1;
            producerCrashes++;
        } else {
            consumer = null;
            consumerCrashes++;
        }
    }

    // ---------------------------------------------------------------- producer

    private void producerStep() {
        if (producer == null) {
            ring.revive(Side.PRODUCER);
            producer = new RingProducer(ring, config, null); // AttachProducer
            return;
        }
        if (random.nextInt(1000) < 7) {
            ring.armCrash(Side.PRODUCER, 1 + random.nextInt(6));
        }
        if (claim != null) {
            claimedStep();
        } else if (wanted >= 0) {
            int r = random.nextInt(100);
            if (r < 60) {
                claim(wanted);
            } else if (r < 99) {
                producer.publish();
                ring.note(TraceEvent.state(Side.PRODUCER, "ProducerIs", "full"));
            } else {
                ring.crashNow(Side.PRODUCER);
            }
        } else {
            int r = random.nextInt(100);
            if (r < 72) {
                claim(chooseLength());
            } else if (r < 84) {
                offer(chooseLength());
            } else if (r < 99) {
                producer.publish();
                ring.note(TraceEvent.state(Side.PRODUCER, "ProducerIs", "idle"));
            } else {
                ring.crashNow(Side.PRODUCER);
            }
        }
    }

    /** 0, the max, random, an exact fit to the region end, or a length that needs padding. */
    private int chooseLength() {
        int max = config.maxRecordLength();
        int toEnd = config.capacity() - (int) (producer.position() & (config.capacity() - 1));
        int r = random.nextInt(100);
        if (r < 15) {
            return 0;
        } else if (r < 30) {
            return max;
        } else if (r < 42 && toEnd - 8 <= max) {
            return toEnd - 8 - random.nextInt(Math.min(8, toEnd - 7)); // recordSize == toEnd: no padding
        } else if (r < 55 && RingLayout.recordSize(max) > toEnd) {
            int min = toEnd - 7; // recordSize(min) == toEnd + 8 > toEnd: padding
            return min + random.nextInt(max - min + 1);
        }
        return random.nextInt(max + 1);
    }

    private void claim(int length) {
        ring.note(TraceEvent.of(Side.PRODUCER, "TryClaim", length));
        long before = producer.position();
        ClaimedRecord record = producer.tryClaim(length);
        if (record == null) {
            wanted = length;
            refused++;
            ring.note(TraceEvent.state(Side.PRODUCER, "ProducerIs", "full"));
            return;
        }
        if (producer.position() != before) {
            paddings++;
        }
        wanted = -1;
        claim = record;
        claimData = payload(length);
        planPieces(length);
        ring.note(TraceEvent.state(Side.PRODUCER, "ProducerIs", "claimed"));
    }

    private void offer(int length) {
        ring.note(TraceEvent.of(Side.PRODUCER, "TryClaim", length));
        byte[] data = payload(length);
        boolean ok = random.nextBoolean() ? producer.offer(data)
                : producer.offer(ByteBuffer.wrap(data));
        if (ok) {
            committed++;
            ring.note(TraceEvent.state(Side.PRODUCER, "ProducerIs", "idle"));
        } else {
            wanted = length;
            refused++;
            ring.note(TraceEvent.state(Side.PRODUCER, "ProducerIs", "full"));
        }
    }

    private void claimedStep() {
        if (!pieces.isEmpty() && random.nextInt(100) < 96) {
            int[] piece = pieces.remove(pieces.size() - 1);
            writePiece(piece[0], piece[1]);
            return;
        }
        int r = random.nextInt(100);
        if (!pieces.isEmpty() || r < 6) {
            ring.note(TraceEvent.of(Side.PRODUCER, "Abort"));
            producer.abort();
            aborts++;
        } else if (r < 55) {
            producer.commit();
            committed++;
        } else {
            producer.commitBatched();
            committed++;
        }
        claim = null;
        pieces.clear();
        ring.note(TraceEvent.state(Side.PRODUCER, "ProducerIs", "idle"));
    }

    /** Splits [0, length) into 1-3 pieces, to be written in order or shuffled. */
    private void planPieces(int length) {
        pieces.clear();
        if (length == 0) {
            if (random.nextInt(3) == 0) {
                pieces.add(new int[] {0, 0}); // a zero-byte putBytes: no memory touched
            }
            return;
        }
        int cuts = random.nextInt(3);
        List<Integer> at = new ArrayList<>(List.of(0, length));
        for (int i = 0; i < cuts && length > 1; i++) {
            at.add(1 + random.nextInt(length - 1));
        }
        List<Integer> sorted = at.stream().distinct().sorted().toList();
        for (int i = sorted.size() - 1; i > 0; i--) {
            pieces.add(new int[] {sorted.get(i - 1), sorted.get(i) - sorted.get(i - 1)});
        }
        if (random.nextInt(10) < 3) {
            Collections.shuffle(pieces, new java.util.Random(random.nextLong()));
        }
    }

    private void writePiece(int offset, int count) {
        ByteBuffer le = ByteBuffer.wrap(claimData).order(ByteOrder.LITTLE_ENDIAN);
        switch (count) {
            case 8 -> claim.putLong(offset, le.getLong(offset));
            case 4 -> claim.putInt(offset, le.getInt(offset));
            case 1 -> claim.putByte(offset, claimData[offset]);
            default -> {
                if (random.nextBoolean()) {
                    claim.putBytes(offset, claimData, offset, count);
                } else {
                    claim.putBytes(offset, ByteBuffer.wrap(claimData), offset, count);
                }
            }
        }
    }

    /** A payload the consumer can check on its own: byte i is (byte 0) + 31 i. */
    private byte[] payload(int length) {
        byte[] data = new byte[length];
        byte first = (byte) ++tag;
        for (int i = 0; i < length; i++) {
            data[i] = (byte) (first + 31 * i);
        }
        return data;
    }

    // ---------------------------------------------------------------- consumer

    private void consumerStep() {
        if (consumer == null) {
            ring.revive(Side.CONSUMER);
            consumer = new RingConsumer(ring, config, null); // AttachConsumer
            return;
        }
        int r = random.nextInt(1000);
        if (r < 6) {
            ring.crashNow(Side.CONSUMER);
        } else if (r < 16) {
            ring.armCrash(Side.CONSUMER, 1 + random.nextInt(6));
        } else if (r < 150) {
            ring.note(TraceEvent.of(Side.CONSUMER, "Poll", 1));
            readTarget.clear();
            int length = consumer.read(readTarget);
            ring.note(TraceEvent.of(Side.CONSUMER, "PollReturned", length < 0 ? 0 : 1));
            if (length >= 0) {
                delivered++;
                byte[] got = new byte[length];
                readTarget.flip().get(got);
                check(got);
            }
        } else {
            int limit = LIMITS[random.nextInt(LIMITS.length)];
            ring.note(TraceEvent.of(Side.CONSUMER, "Poll", limit));
            int count = consumer.poll(this::handle, limit);
            ring.note(TraceEvent.of(Side.CONSUMER, "PollReturned", count));
        }
    }

    /** The handler: may die, reads the payload whole, in pieces or not at all, checks a whole read. */
    private void handle(RecordView view) {
        delivered++;
        if (random.nextInt(1000) < 12) {
            ring.crashNow(Side.CONSUMER); // dies while handling: the batch is not acknowledged
        }
        int length = view.length();
        int r = random.nextInt(4);
        if (r < 2) {
            byte[] got = new byte[length];
            view.getBytes(0, got, 0, length);
            check(got);
        } else if (r == 2 && length > 0) {
            for (int n = 1 + random.nextInt(3); n > 0; n--) {
                int offset = random.nextInt(length);
                int room = length - offset;
                int k = random.nextInt(4);
                if (k == 0 && room >= 8) {
                    view.getLong(offset);
                } else if (k == 1 && room >= 4) {
                    view.getInt(offset);
                } else if (k == 2) {
                    view.getByte(offset);
                } else {
                    int count = 1 + random.nextInt(room);
                    if (random.nextBoolean()) {
                        view.getBytes(offset, new byte[count], 0, count);
                    } else {
                        view.getBytes(offset, ByteBuffer.allocate(count), 0, count);
                    }
                }
            }
        }
    }

    private void check(byte[] got) {
        for (int i = 1; i < got.length; i++) {
            if (got[i] != (byte) (got[0] + 31 * i)) {
                throw new AssertionError("payload byte " + i + " of a " + got.length + "-byte record is "
                        + got[i] + ", expected " + (byte) (got[0] + 31 * i));
            }
        }
        verified++;
    }
}
