package io.dataport.queue;

import static io.dataport.queue.RingLayout.*;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hostile-peer fuzzing (docs/model-tests.md): the fuzzer plays the peer. It controls every byte the
 * peer can write (positions, record headers, end markers, padding, payload, the fenced words,
 * anything else in the mapping) and when it writes them relative to our calls: between two calls,
 * or, once it turns interleaving on, before any single shared-memory access our end makes (the
 * victim's {@link SharedRing} is a subclass that hands control to the peer before each access).
 *
 * <p>Layout version 3 ("commit in the record", {@code spec/DataportRing.tla},
 * {@code spec/RingFencing.tla}): the consumer reads each header once and never the producer
 * position; the producer keeps an end marker (type -2, its own 16-bit epoch in the length field) at
 * its frontier, written before any header that lets the consumer reach that slot, and by CAS from
 * the word ReadEndSlot read when that slot is a lap's first; it holds a batch's first header back
 * until publish, publishes its position only as a recovery hint, and at attach scans the headers
 * from the later of the hint and the consumer position to an end marker. Each end may call only its
 * own accessors: the consumer readRecordHeader, the payload reads and its position word; the
 * producer ReadSlot (and ReadEndSlot), scanForEnd (at attach only), the end marker, header, padding
 * and payload writes, the consumer position, its own fenced words and the hole table.
 * The victim must:
 * <ul>
 *   <li>touch only the data region, and only inside the record it is handling (consumer) or inside
 *       the free bytes the last consumer position it read leaves and below the end of its
 *       reservation (producer); never write what it already made visible, and never read (producer:
 *       beyond the header slot it is about to write, and the headers of its recovery scan) or write
 *       (consumer) where it has no business;</li>
 *   <li>consumer: deliver only well-formed records, in order, skipping only valid padding (which
 *       may end before the region end), stop exactly at an end marker of any epoch (or its limit),
 *       refuse every other header (an end-type word whose length is no 16-bit epoch included), never
 *       pass its published position +
 *       capacity with a record and the end marker's slot after it, and move its position exactly
 *       over what it read (the harness re-walks every header the victim read against the layout
 *       rules);</li>
 *   <li>producer: write its end marker where the next record (or the record after a padding) will
 *       start before the header that lets the consumer reach that slot (at a lap's first slot by CAS:
 *       if that fails, another end marker there is enough, anything else stops it); make visible
 *       only complete, well-formed records, the ones committed, in order (a batch at once, by the
 *       held first header), padding over every hole of the table it read and never putting a record
 *       in one;
 *       expect an end marker at its frontier (anything else is refused, except, right after a
 *       region's takeover and below the old holder's reservation, a valid record or padding the old
 *       holder committed late, which it steps over); publish its hint only at the frontier the
 *       consumer can see; at attach, scan exactly the headers the layout rules walk from the later of
 *       the hint and the consumer position, and poison itself on anything but a valid walk to an end
 *       marker within the consumer position + capacity;</li>
 *   <li>fencing (docs/decisions/0901): write its position word, the reservation word and the headers
 *       by compare-and-set from the word it last wrote (from the value ReadSlot read, for a header);
 *       when such a CAS fails, make no further store and throw {@link RegionException} if a re-read
 *       shows another epoch in its position or reservation word, else {@link RingCorruptedException};
 *       throw {@link RegionException} as soon as it reads another epoch in its own words; at attach,
 *       fence its words with its epoch without moving any position, and refuse with
 *       {@link RegionException} exactly the words of a newer epoch;</li>
 *   <li>reject exactly what the layout rules reject, with {@link RingCorruptedException} (no other
 *       exception), and stay failed: every later call fails with the same exception and message;</li>
 *   <li>answer "full" only when the ring is full by the position it read (the end marker's 8 bytes
 *       counted), and never loop: a poll reads at most capacity / 8 + 1 record headers, a recovery
 *       scan at most capacity / 8.</li>
 * </ul>
 * Argument errors made on purpose by the script must raise exactly IllegalArgumentException,
 * IllegalStateException or IndexOutOfBoundsException, as documented.
 *
 * <p>The fenced words' encoding ({@code epoch16 << 48 | position mod 2^48}), the hole words'
 * ({@code epoch16 << 48 | start / 8 << 24 | length / 8}) and the end marker's (type -2, the writer's
 * 16-bit epoch in the length field) are decoded here by the harness's own helpers, not RingLayout's
 * or Holes', and so are the rules for records, paddings and the recovery scan.
 *
 * <p>Regression mode ({@code mvn test}) replays the inputs under
 * {@code src/test/resources/io/dataport/queue/HostilePeerFuzzTestInputs/<method>/}; fuzzing:
 * see docs/model-tests.md.
 */
class HostilePeerFuzzTest {

    /** Steps of one script, and peer actions injected inside one victim call: everything is bounded. */
    static final int MAX_STEPS = 64;
    static final int MAX_PEER_ACTIONS_PER_CALL = 16;

    /** Bits of the position in a fenced word; the 16 bits above hold the epoch. */
    static final long WORD_POSITION = (1L << 48) - 1;
    /** Unit of hole starts and lengths for the capacities fuzzed here (at most 2^27 bytes). */
    static final int HOLE_UNIT = 8;
    static final long HOLE_FIELD = (1L << 24) - 1;

    @FuzzTest(maxDuration = "10m")
    void consumerAgainstHostileProducer(FuzzedDataProvider data) {
        new ConsumerScript(data).run();
    }

    @FuzzTest(maxDuration = "10m")
    void producerAgainstHostileConsumer(FuzzedDataProvider data) {
        new ProducerScript(data).run();
    }

    // ---- the harness's own reading of the fenced words --------------------------------------------

    /** A fenced word: {@code epoch16 << 48 | position mod 2^48}. */
    static long fenced(int epoch, long position) {
        return (long) (epoch & 0xFFFF) << 48 | position & WORD_POSITION;
    }

    static int epochIn(long word) {
        return (int) (word >>> 48);
    }

    /** The 64-bit position congruent to {@code word} modulo 2^48 that is nearest to {@code reference}. */
    static long near(long word, long reference) {
        long delta = (word - reference) & WORD_POSITION;
        if (delta >= 1L << 47) {
            delta -= 1L << 48;
        }
        return reference + delta;
    }

    /** Whether 16-bit epoch {@code a} is newer than {@code b} (serial-number order). */
    static boolean newer(int a, int b) {
        int distance = (a - b) & 0xFFFF;
        return distance != 0 && distance < 0x8000;
    }

    /** Whether a header word is an end marker: type -2 and a 16-bit epoch (its writer's) in the length field. */
    static boolean endMark(long word) {
        return (int) (word >>> 32) == -2 && (word & 0xFFFF_0000L) == 0;
    }

    /** The end marker a producer of 16-bit epoch {@code epoch} writes. */
    static long endMarkOf(int epoch) {
        return (long) -2 << 32 | epoch & 0xFFFF;
    }

    /** Bytes a padding header with this length field covers (its length, like a record's, rounded up to 8). */
    static long paddingSize(int length) {
        return (RECORD_HEADER_LENGTH + (long) length + RECORD_ALIGNMENT - 1) & -RECORD_ALIGNMENT;
    }

    static String hex(long word) {
        return String.format("0x%016x", word);
    }

    // ------------------------------------------------------------------------------------------------

    /** What both scripts share: the region, the peer's view of it, the fuzzer, the checks. */
    abstract static class Script {
        final FuzzedDataProvider data;
        final int capacity;
        final int max;
        final RingConfig config;
        /** The peer's own view of the region (no hooks): raw writes, and an honest half of the peer. */
        final SharedRing peer;
        final ByteBuffer raw;
        boolean interleave;
        boolean inCall;
        int peerActionsThisCall;
        /** The victim's epoch in its fenced words (the low 16 bits of its lease epoch). */
        int epoch;
        /** The victim's constructor runs: its fencing writes are allowed outside a call. */
        boolean attaching;
        /** The victim failed (poisoned or lost its role): no later call may touch shared memory. */
        boolean dead;

        Script(FuzzedDataProvider data) {
            this.data = data;
            this.capacity = 1 << data.consumeInt(6, 10);
            this.max = data.consumeInt(0, maxRecordLengthFor(capacity));
            this.config = new RingConfig(capacity, max);
            this.peer = SharedRing.allocate(config, 0);
            this.raw = peer.region();
        }

        final int indexOf(long position) {
            return (int) position & (capacity - 1);
        }

        /**
         * Initial position words: both 0, equal and anywhere, consistent, or anything (epoch bits
         * included); then the data region's end marker: moved (from the creator's first slot) to the
         * slot of the later of the two positions, as a ring that ran there leaves it, or left at the
         * first slot, or gone (a recovery scan then walks zeros: empty records).
         */
        final void setInitialPositions() {
            long producer;
            long consumer;
            switch (data.consumeInt(0, 3)) {
                case 0 -> producer = consumer = 0;
                case 1 -> producer = consumer = data.consumeLong() & -8L;
                case 2 -> {
                    consumer = data.consumeLong() & -8L;
                    producer = consumer + data.consumeInt(-1, capacity / 8 + 1) * 8L;
                }
                default -> {
                    producer = data.consumeLong();
                    consumer = data.consumeLong();
                }
            }
            peer.scribble(PRODUCER_POSITION_OFFSET, producer);
            peer.scribble(CONSUMER_POSITION_OFFSET, consumer);
            switch (data.consumeInt(0, 2)) {
                case 0 -> {
                    long p = producer & WORD_POSITION;
                    long c = near(consumer, p);
                    peer.scribble(HEADER_LENGTH, 0);
                    peer.scribble(HEADER_LENGTH + (indexOf(p - c >= 0 ? p : c) & -8), END_MARKER);
                }
                case 1 -> { }
                default -> peer.scribble(HEADER_LENGTH, 0);
            }
        }

        /**
         * The victim's lease epoch: a ring file's attach adds one to the epoch in the role's lease word
         * (set here by the fuzzer), a region's attach is given the epoch its lease claim moved to.
         * Returns the epoch to pass to a region's constructor, or -1 for a ring file's.
         */
        final long chooseVictimEpoch(int leaseOffset) {
            boolean region = data.consumeBoolean();
            long lease = data.consumeBoolean() ? 0 : data.consumeInt() & 0xFFFF_FFFFL;
            if (region) {
                epoch = (int) lease & 0xFFFF;
                return lease;
            }
            peer.scribble(leaseOffset, lease << 32);
            epoch = (int) (lease + 1) & 0xFFFF;
            return -1;
        }

        /** An epoch near {@code around} (the same, one older, one newer, half a circle away) or any. */
        final int chooseEpoch(int around) {
            return switch (data.consumeInt(0, 4)) {
                case 0 -> around;
                case 1 -> around - 1;
                case 2 -> around + 1;
                case 3 -> around + 0x8000;
                default -> data.consumeInt(0, 0xFFFF);
            } & 0xFFFF;
        }

        /** An epoch other than the victim's: a newer holder's, an older one's, or any other. */
        final int otherEpoch() {
            return (epoch + switch (data.consumeInt(0, 2)) {
                case 0 -> 1;
                case 1 -> -1;
                default -> data.consumeInt(1, 0xFFFF);
            }) & 0xFFFF;
        }

        /**
         * What the peer writes over one of the victim's own fenced words that holds {@code position}:
         * a taker's epoch, the victim's epoch with another position (or the same), or anything.
         */
        final long scribbledOwnWord(long position) {
            return switch (data.consumeInt(0, 2)) {
                case 0 -> fenced(otherEpoch(), position);
                case 1 -> fenced(epoch, position + data.consumeInt(-4, 4) * 8L);
                default -> data.consumeLong();
            };
        }

        /**
         * The layout's rule for the positions a producer finds at attach: aligned, and within one
         * capacity of each other (the hint is lazy: it may lag behind the consumer position; ahead of
         * it, the end marker's slot at the frontier must fit within the capacity).
         */
        final boolean positionsValid(long producer, long consumer) {
            long used = producer - consumer;
            return ((producer | consumer) & 7) == 0 && used >= -capacity && used <= capacity - RECORD_HEADER_LENGTH;
        }

        /**
         * The bytes a committed record or padding whose header word is {@code header} occupies at
         * data index {@code index}, by the layout rules, or -1: not a valid record or padding there
         * (the end marker, an end-type word with a length, another negative type, a bad length, or
         * one that crosses the region end).
         */
        final long committedSize(long header, int index) {
            int length = headerLength(header);
            int type = headerType(header);
            long size;
            if (type == PADDING_TYPE && length >= 0) {
                size = paddingSize(length);
            } else if (type >= 0 && length >= 0 && length <= max) {
                size = recordSize(length);
            } else {
                return -1;
            }
            return index + size <= capacity ? size : -1;
        }

        /**
         * A word the peer forges for a header slot: an end marker (of any writer's epoch), an end-type
         * word whose length is no 16-bit epoch (corrupt), or a near-valid record or padding header.
         */
        final long forgedHeader() {
            return switch (data.consumeInt(0, 3)) {
                case 0 -> endMarkOf(data.consumeInt(0, EPOCH_MASK));
                case 1 -> packHeader(data.consumeBoolean() ? data.consumeInt(EPOCH_MASK + 1, Integer.MAX_VALUE)
                        : data.consumeInt(Integer.MIN_VALUE, -1), END_TYPE);
                case 2 -> packHeader(data.consumeInt(0, max), data.consumeInt(0, 3));
                default -> packHeader(data.consumeInt(-8, capacity), PADDING_TYPE);
            };
        }

        final void beginCall() {
            inCall = true;
            peerActionsThisCall = 0;
        }

        final void endCall() {
            inCall = false;
        }

        /** Before each shared access of the victim: the peer may act first, if the fuzzer says so. */
        final void peerMayAct() {
            if (interleave && inCall && peerActionsThisCall < MAX_PEER_ACTIONS_PER_CALL
                    && data.remainingBytes() > 0 && data.consumeBoolean()) {
                peerActionsThisCall++;
                boolean was = inCall;
                inCall = false; // the peer's own actions go through its unhooked view
                try {
                    peerAction();
                } finally {
                    inCall = was;
                }
            }
        }

        abstract void peerAction();

        /** A raw 8-byte write anywhere in the mapping (header page included). */
        final void peerWritesLongAnywhere() {
            raw.putLong(data.consumeInt(0, raw.capacity() - 8), data.consumeLong());
        }

        /** Raw bytes anywhere in the data region. */
        final void peerWritesBytes() {
            int at = data.consumeInt(0, capacity - 1);
            byte[] bytes = data.consumeBytes(Math.min(32, capacity - at));
            raw.put(HEADER_LENGTH + at, bytes);
        }

        /** A record or padding header at an aligned data index: near-valid or any length and type. */
        final void peerWritesHeader() {
            int index = data.consumeInt(0, capacity / 8 - 1) * 8;
            int length = data.consumeBoolean() ? data.consumeInt(-16, max + 16) : data.consumeInt();
            int type = data.consumeBoolean() ? data.consumeInt(-3, 3) : data.consumeInt();
            peer.scribble(HEADER_LENGTH + index, packHeader(length, type));
        }

        final void checkDataRange(String what, int index, long length) {
            if (index < 0 || length < 0 || index + length > capacity) {
                throw new AssertionError(what + " at data index " + index + " of " + length
                        + " bytes is outside the data region of " + capacity);
            }
        }

        /** No shared access once the victim failed: checkUsable must refuse every call before. */
        final void access() {
            check(!dead, "a failed end touched shared memory");
        }

        static void check(boolean condition, String message) {
            if (!condition) {
                throw new AssertionError(message);
            }
        }

        /** Runs {@code call} expecting exactly {@code expected} (a bad argument, a closed claim, ...). */
        static void expect(Class<? extends RuntimeException> expected, Runnable call) {
            try {
                call.run();
            } catch (RuntimeException e) {
                if (expected.isInstance(e) && e.getMessage() != null && !e.getMessage().isEmpty()) {
                    return;
                }
                throw new AssertionError("expected " + expected.getSimpleName() + ", got " + e, e);
            }
            throw new AssertionError("expected " + expected.getSimpleName() + ", got no exception");
        }
    }

    // ------------------------------------------------------------------------------------------------

    /** Our consumer against a producer that writes anything, anywhere, any time. */
    static final class ConsumerScript extends Script {
        private RingConsumer victim;
        /** An honest producer on the peer's side: it gives the fuzzer well-formed records to mutate. */
        private RingProducer honest;
        /** The victim's position when the call began: the one it published last, the base of its lap bound. */
        private long head;
        private final List<long[]> headers = new ArrayList<>();
        /** The data index of the slot the victim reads next, as far as the harness can tell: where the peer forges. */
        private int nextIndex;
        private int recordIndex = -1;
        private int recordLength;
        /** The position the victim last published (64 bits), and what its publish of this call did. */
        private long publishedByVictim;
        private int publishes;
        private boolean casFailed;
        private boolean reread;
        private long rereadWord;
        /** After a failure: whether later calls must throw RingCorruptedException (else RegionException), and with what message (null: not seen yet). */
        private boolean failed;
        private boolean poisoned;
        private String failure;

        ConsumerScript(FuzzedDataProvider data) {
            super(data);
        }

        void run() {
            setInitialPositions();
            try {
                honest = new RingProducer(peer, config, null);
            } catch (RingCorruptedException | RegionException e) {
                honest = null;
            }
            long lease = chooseVictimEpoch(CONSUMER_LEASE_OFFSET);
            long consumerWord = peer.readConsumerPosition();
            boolean newerWord = newer(epochIn(consumerWord), epoch);
            long consumer = consumerWord & WORD_POSITION;
            boolean aligned = (consumer & 7) == 0;          // the consumer's only rule at attach: it never reads the hint
            attaching = true;
            try {
                VictimRing ring = new VictimRing(raw);
                victim = lease < 0 ? new RingConsumer(ring, config, null) : new RingConsumer(ring, config, null, lease);
            } catch (RegionException e) {
                check(newerWord, "attach lost its role to an epoch that is not newer: word " + hex(consumerWord)
                        + ", our epoch " + epoch + ": " + e.getMessage());
                check(raw.getLong(CONSUMER_POSITION_OFFSET) == consumerWord, "a refused attach wrote the consumer position word");
                return;
            } catch (RingCorruptedException e) {
                check(!newerWord, "attach met a newer epoch in " + hex(consumerWord) + " and threw " + e);
                check(!aligned, "attach refused an aligned consumer position: " + e.getMessage());
                check(raw.getLong(CONSUMER_POSITION_OFFSET) == fenced(epoch, consumer), "attach did not fence the consumer position word");
                return;
            } finally {
                attaching = false;
            }
            check(!newerWord, "attach accepted the consumer position word " + hex(consumerWord) + " of a newer epoch than " + epoch);
            check(aligned, "attach accepted the misaligned consumer position " + consumer);
            check(raw.getLong(CONSUMER_POSITION_OFFSET) == fenced(epoch, consumer),
                    "attach left the consumer position word at " + hex(raw.getLong(CONSUMER_POSITION_OFFSET))
                            + ", not fenced with epoch " + epoch + " at " + consumer);
            check(victim.position() == consumer, "attached at " + victim.position() + ", the word says " + consumer);
            head = consumer;
            nextIndex = indexOf(consumer);
            publishedByVictim = consumer;
            for (int step = 0; step < MAX_STEPS && data.remainingBytes() > 0 && !failed; step++) {
                switch (data.consumeInt(0, 7)) {
                    case 0, 1, 2 -> peerAction();
                    case 3, 4 -> poll();
                    case 5 -> read();
                    case 6 -> interleave = data.consumeBoolean();
                    default -> honestTraffic();
                }
            }
            if (failed) {
                checkStaysFailed();
            }
        }

        @Override
        void peerAction() {
            switch (data.consumeInt(0, 5)) {
                case 0 -> honestTraffic();
                case 1 -> peerWritesHeader();
                case 2 -> peerWritesLongAnywhere();
                case 3 -> {
                    if (data.consumeBoolean()) {
                        // forged at the slot the victim reads next: an end marker, one with a length, a header
                        peer.scribble(HEADER_LENGTH + (nextIndex & -8), forgedHeader());
                    } else {
                        // the producer position: only the producer's recovery hint, never read by the consumer
                        long position = data.consumeBoolean() ? data.consumeLong()
                                : fenced(epochIn(peer.readProducerPosition()), head + data.consumeInt(-2, capacity / 8 + 2) * 8L
                                        + (data.consumeBoolean() ? data.consumeInt(1, 7) : 0));
                        peer.scribble(PRODUCER_POSITION_OFFSET, position);
                    }
                }
                case 4 -> peerWritesBytes();
                default -> peer.scribble(CONSUMER_POSITION_OFFSET, scribbledOwnWord(publishedByVictim)); // a takeover, or a scribble
            }
        }

        private void honestTraffic() {
            if (honest == null) {
                return;
            }
            try {
                int length = data.consumeInt(0, max);
                int type = data.consumeInt(0, 3);
                switch (data.consumeInt(0, 3)) {
                    case 0 -> {
                        byte[] payload = data.consumeBytes(length);
                        honest.offer(payload, 0, payload.length, type);
                    }
                    case 1 -> {
                        ClaimedRecord claim = honest.tryClaim(length, type);
                        if (claim != null) {
                            claim.putBytes(0, new byte[length], 0, length);
                            honest.commitBatched();
                        }
                    }
                    case 2 -> honest.publish();
                    default -> {
                        if (honest.tryClaim(length, type) != null) {
                            honest.abort();
                        }
                    }
                }
            } catch (RingCorruptedException | RegionException e) {
                honest = null; // the hostile half confused or fenced the honest half: fine, it is the peer
            }
        }

        private void poll() {
            int limit = data.consumeInt(1, 9);
            if (limit == 9) {
                limit = capacity / 8 + 1;                   // more than the ring holds: the walk meets its lap bound
            }
            List<int[]> delivered = new ArrayList<>();
            long before = victim.position();
            startCall();
            try {
                int count = victim.poll(view -> {
                    int length = view.length();
                    int type = view.type();
                    byte[] payload = new byte[length];
                    view.getBytes(0, payload, 0, length);
                    if (length >= 8) {
                        view.getLong(length - 8);
                    }
                    expect(IndexOutOfBoundsException.class, () -> view.getByte(length));
                    delivered.add(new int[] {length, type});
                }, limit);
                endCall();
                check(count <= limit, "poll returned " + count + " records for a limit of " + limit);
                check(count == delivered.size(), "poll counted " + count + " but delivered " + delivered.size());
                returned(before, delivered, true, limit);
            } catch (RingCorruptedException | RegionException e) {
                endCall();
                failedCall(before, delivered, true, e, limit);
            }
        }

        private void read() {
            int room = data.consumeInt(Math.max(0, max - 2), max + 8);
            ByteBuffer dst = ByteBuffer.allocate(room + 3);
            dst.position(3);
            if (room < max) {
                expect(IllegalArgumentException.class, () -> victim.read(dst));
                return;
            }
            long before = victim.position();
            startCall();
            try {
                int length = victim.read(dst);
                endCall();
                List<int[]> delivered = new ArrayList<>();
                if (length >= 0) {
                    delivered.add(new int[] {length, Integer.MIN_VALUE});
                }
                check(dst.position() == 3 + Math.max(0, length), "read moved the destination wrongly");
                returned(before, delivered, false, 1);
            } catch (RingCorruptedException | RegionException e) {
                endCall();
                // a record copied before the publish failed was delivered: its length is what dst received
                Replay replay = replay(before, 1);
                List<int[]> delivered = new ArrayList<>();
                if (!replay.records.isEmpty()) {
                    delivered.add(new int[] {dst.position() - 3, Integer.MIN_VALUE});
                } else {
                    check(dst.position() == 3, "a failed read copied bytes without a record");
                }
                failedCall(before, delivered, false, e, 1);
            }
        }

        private void startCall() {
            headers.clear();
            recordIndex = -1;
            publishes = 0;
            casFailed = false;
            reread = false;
            head = victim.position();
            nextIndex = indexOf(head);
            beginCall();
        }

        /**
         * The layout rules for a header other than the end marker read at {@code position}; null when
         * valid: a record (type >= 0, length in [0, max]) or a padding (type -1, length >= 0; it runs to
         * the region end or ends before it, over a hole), inside the region, and leaving the slot after
         * it for the end marker within the published position + capacity. Every other word is corrupt:
         * an end-type word with a length, any other negative type.
         */
        private String judge(long position, int index, long header) {
            int length = headerLength(header);
            int type = headerType(header);
            long size = committedSize(header, index);
            if (size < 0) {
                return (type == END_TYPE ? "an end-type word whose length is no 16-bit epoch: " : type == PADDING_TYPE
                        ? "padding " : "length ") + length + " type " + type + " at index " + index + ", max " + max;
            }
            return position + size + RECORD_HEADER_LENGTH - head <= capacity ? null
                    : "a " + size + "-byte " + (type == PADDING_TYPE ? "padding" : "record") + " at " + position
                            + " leaves no slot for the end marker within " + head + " + " + capacity;
        }

        /** The re-walk of the headers the victim read in one call: how many are valid, where they end, the records. */
        private static final class Replay {
            int valid;
            long cursor;
            String problem;
            /** Whether the walk read the end marker (the last header it may read). */
            boolean ended;
            final List<int[]> records = new ArrayList<>();
        }

        private Replay replay(long before, int limit) {
            Replay replay = new Replay();
            replay.cursor = before;
            for (long[] read : headers) {
                int index = (int) read[0];
                long header = read[1];
                check(!replay.ended, "the consumer read a header after the end marker");
                check(replay.records.size() < limit, "the consumer read a header after its limit of " + limit + " records");
                check(index == indexOf(replay.cursor), "header read at index " + index + ", consumer at " + replay.cursor);
                if (endMark(header)) {
                    replay.ended = true;
                    continue;
                }
                replay.problem = judge(replay.cursor, index, header);
                if (replay.problem != null) {
                    return replay;
                }
                replay.valid++;
                if (headerType(header) == PADDING_TYPE) {
                    replay.cursor += paddingSize(headerLength(header));
                } else {
                    replay.records.add(new int[] {headerLength(header), headerType(header)});
                    replay.cursor += recordSize(headerLength(header));
                }
            }
            return replay;
        }

        private void checkDelivered(List<int[]> delivered, List<int[]> records, boolean typed) {
            for (int k = 0; k < records.size(); k++) {
                check(k < delivered.size(), "a record was accepted but not delivered");
                int[] seen = delivered.get(k);
                int[] header = records.get(k);
                check(seen[0] == header[0] && (!typed || seen[1] == header[1]),
                        "delivered length " + seen[0] + " type " + seen[1] + ", header says " + header[0] + " " + header[1]);
            }
            check(delivered.size() == records.size(), "delivered " + delivered.size() + " records, accepted " + records.size());
        }

        /**
         * A call that returned: every header it read was valid, it stopped at the end marker or its
         * limit, delivered the records and published exactly where it stopped.
         */
        private void returned(long before, List<int[]> delivered, boolean typed, int limit) {
            check(!casFailed, "the consumer's publish CAS failed and the call returned");
            Replay replay = replay(before, limit);
            check(replay.problem == null, "the consumer accepted a bad header: " + replay.problem);
            check(replay.ended || replay.records.size() == limit,
                    "the consumer stopped after " + replay.records.size() + " of " + limit + " records without reading the end marker");
            checkDelivered(delivered, replay.records, typed);
            long cursor = replay.cursor;
            check(victim.position() == cursor, "consumer at " + victim.position() + ", records end at " + cursor);
            check(cursor - before <= capacity - RECORD_HEADER_LENGTH, "consumer moved more than a lap less the end marker's slot");
            check(publishes == (cursor != before ? 1 : 0), publishes + " publishes for a move from " + before + " to " + cursor);
            if (cursor != before) {
                check(publishedByVictim == cursor, "consumer published " + publishedByVictim + ", not " + cursor);
            }
        }

        /**
         * The victim threw: it must have been right to. RingCorruptedException for an invalid header
         * (the last one it read), or a failed publish CAS after which its word still held its epoch;
         * RegionException for a failed publish CAS after which its word held another epoch, unless a
         * corruption was found in the same poll: an end poisoned first keeps throwing its
         * RingCorruptedException (RingEnd.loseRole), though it lost its role too.
         */
        private void failedCall(long before, List<int[]> delivered, boolean typed, RuntimeException e, int limit) {
            Replay replay = replay(before, limit);
            if (replay.problem != null) {
                check(replay.valid == headers.size() - 1, "read on past a bad header");
            } else {
                check(casFailed, "rejected a valid header: " + e.getMessage());
            }
            checkDelivered(delivered, replay.records, typed);
            check(victim.position() == replay.cursor, "failed consumer at " + victim.position() + ", valid records end at " + replay.cursor);
            check(publishes == (replay.cursor != before ? 1 : 0), publishes + " publishes for a move from " + before + " to " + replay.cursor);
            if (replay.cursor != before && !casFailed) {
                check(publishedByVictim == replay.cursor, "consumer published " + publishedByVictim + ", not " + replay.cursor);
            }
            if (casFailed) {
                check(reread, "the consumer's publish CAS failed and it threw without re-reading its word");
            }
            boolean lost = casFailed && epochIn(rereadWord) != epoch;
            boolean corrupt = replay.problem != null || casFailed && !lost;
            Class<? extends RuntimeException> expected = lost && !corrupt ? RegionException.class : RingCorruptedException.class;
            if (!expected.isInstance(e)) {
                throw new AssertionError("expected " + expected.getSimpleName() + (casFailed
                        ? " after a failed publish CAS, the word re-read being " + hex(rereadWord) + ", our epoch " + epoch : "")
                        + ", got " + e, e);
            }
            check(victim.isPoisoned() == corrupt, "poisoned: " + victim.isPoisoned() + ", expected " + corrupt);
            check(victim.lostRole() == lost, "lost its role: " + victim.lostRole() + ", expected " + lost);
            failed = true;
            dead = true;
            poisoned = corrupt;
            failure = poisoned == e instanceof RingCorruptedException ? e.getMessage() : null;
        }

        /** A failed consumer refuses every call with the same exception and message, touching nothing. */
        private void checkStaysFailed() {
            startCall();
            sameFailure(() -> victim.poll(view -> {
                throw new AssertionError("a failed consumer delivered a record");
            }, 1));
            sameFailure(() -> victim.read(ByteBuffer.allocate(max)));
            endCall();
            check(headers.isEmpty(), "a failed consumer read shared memory");
        }

        private void sameFailure(Runnable call) {
            try {
                call.run();
                throw new AssertionError("a failed consumer took a call");
            } catch (RingCorruptedException | RegionException again) {
                check(again instanceof RingCorruptedException == poisoned, "a failed consumer threw " + again
                        + (poisoned ? ", not its poison" : ", not its lost role"));
                if (failure == null) {
                    failure = again.getMessage();
                }
                check(failure.equals(again.getMessage()), "failure message changed: " + again.getMessage());
            }
        }

        /** The consumer's accessor, instrumented: the peer acts before each access; every access is checked. */
        final class VictimRing extends SharedRing {
            VictimRing(ByteBuffer region) {
                super(region);
            }

            @Override
            long readProducerPosition() {
                throw new AssertionError("the consumer read the producer position word (layout version 3: only the"
                        + " producer's recovery hint)");
            }

            @Override
            long scanForEnd(int index) {
                throw new AssertionError("the consumer scanned for the end as a restarting producer does");
            }

            @Override
            void writeEndMarker(int index, long value) {
                throw new AssertionError("the consumer wrote an end marker");
            }

            @Override
            boolean casEndMarker(int index, long expected, long value) {
                throw new AssertionError("the consumer wrote an end marker");
            }

            @Override
            long readRecordHeader(int index) {
                access();
                peerMayAct();
                check(inCall, "record header read outside a call");
                checkDataRange("record header read", index, RECORD_HEADER_LENGTH);
                check(index % 8 == 0, "misaligned header read at " + index);
                check(headers.size() <= capacity / 8, "more header reads in one call than the ring holds: a loop");
                long header = super.readRecordHeader(index);
                headers.add(new long[] {index, header});
                recordIndex = index;
                recordLength = headerLength(header);
                long size = committedSize(header, index);
                nextIndex = size < 0 ? index : (int) ((index + size) & (capacity - 1));
                return header;
            }

            private void payload(int index, int length) {
                access();
                peerMayAct();
                checkDataRange("payload read", index, length);
                check(recordIndex >= 0 && index >= recordIndex + RECORD_HEADER_LENGTH
                                && (long) index + length <= (long) recordIndex + RECORD_HEADER_LENGTH + recordLength,
                        "payload read at " + index + " of " + length + " outside the record at " + recordIndex);
            }

            @Override
            void readPayload(int index, byte[] dst, int dstOffset, int length) {
                payload(index, length);
                super.readPayload(index, dst, dstOffset, length);
            }

            @Override
            void readPayload(int index, ByteBuffer dst, int dstOffset, int length) {
                payload(index, length);
                super.readPayload(index, dst, dstOffset, length);
            }

            @Override
            byte readPayloadByte(int index) {
                payload(index, 1);
                return super.readPayloadByte(index);
            }

            @Override
            int readPayloadInt(int index) {
                payload(index, 4);
                return super.readPayloadInt(index);
            }

            @Override
            long readPayloadLong(int index) {
                payload(index, 8);
                return super.readPayloadLong(index);
            }

            @Override
            boolean publishConsumerPosition(long expected, long value) {
                if (attaching) {
                    check(value == fenced(epoch, expected), "the attach fence wrote " + hex(value) + " over " + hex(expected)
                            + ": not the same position with epoch " + epoch);
                    return super.publishConsumerPosition(expected, value);
                }
                access();
                peerMayAct();
                check(inCall, "consumer position published outside a call");
                check(publishes++ == 0, "the consumer published twice in one call");
                check(expected == fenced(epoch, publishedByVictim), "the consumer's CAS expects " + hex(expected)
                        + ", not the word it last published, " + hex(fenced(epoch, publishedByVictim)));
                check(epochIn(value) == epoch, "the consumer published " + hex(value) + " without its epoch " + epoch);
                long current = raw.getLong(CONSUMER_POSITION_OFFSET);
                boolean done = super.publishConsumerPosition(expected, value);
                check(done == (current == expected), "the CAS answered " + done + " with the word at " + hex(current));
                if (done) {
                    publishedByVictim = near(value, publishedByVictim);
                } else {
                    casFailed = true;
                }
                return done;
            }

            @Override
            long readConsumerPosition() {
                if (attaching) {
                    return super.readConsumerPosition();
                }
                access();
                check(inCall && casFailed && !reread,
                        "the consumer re-read its own position word other than once after its CAS failed");
                peerMayAct();
                rereadWord = super.readConsumerPosition();
                reread = true;
                return rereadWord;
            }

            @Override
            boolean publishProducerPosition(long expected, long value) {
                throw new AssertionError("the consumer wrote the producer position");
            }

            @Override
            boolean writePadding(int index, long expected, int length) {
                throw new AssertionError("the consumer wrote into the data region");
            }

            @Override
            boolean writeRecordHeader(int index, long expected, int length, int type) {
                throw new AssertionError("the consumer wrote into the data region");
            }

            @Override
            void releasePadding(int index, int length) {
                throw new AssertionError("the consumer wrote into the data region");
            }

            @Override
            void releaseRecordHeader(int index, int length, int type) {
                throw new AssertionError("the consumer wrote into the data region");
            }

            @Override
            long readSlot(int index) {
                throw new AssertionError("the consumer read a header slot as a producer does");
            }

            @Override
            long readReservation() {
                throw new AssertionError("the consumer read the reservation word");
            }

            @Override
            boolean casReservation(long expected, long value) {
                throw new AssertionError("the consumer wrote the reservation word");
            }

            @Override
            long readHole(int slot) {
                throw new AssertionError("the consumer read the hole table");
            }

            @Override
            boolean casHole(int slot, long expected, long value) {
                throw new AssertionError("the consumer wrote the hole table");
            }

            @Override
            void writePayload(int index, byte[] src, int srcOffset, int length) {
                throw new AssertionError("the consumer wrote into the data region");
            }

            @Override
            void writePayload(int index, ByteBuffer src, int srcOffset, int length) {
                throw new AssertionError("the consumer wrote into the data region");
            }

            @Override
            void writePayloadByte(int index, byte value) {
                throw new AssertionError("the consumer wrote into the data region");
            }

            @Override
            void writePayloadInt(int index, int value) {
                throw new AssertionError("the consumer wrote into the data region");
            }

            @Override
            void writePayloadLong(int index, long value) {
                throw new AssertionError("the consumer wrote into the data region");
            }
        }
    }

    // ------------------------------------------------------------------------------------------------

    /** Our producer against a consumer that publishes any position and scribbles anywhere, any time. */
    static final class ProducerScript extends Script {
        private RingProducer victim;
        /** An honest consumer on the peer's side: it consumes what we publish, giving valid positions. */
        private RingConsumer honest;
        /** Whether the peer did anything that may change what the honest consumer reads. */
        private boolean tainted;
        /** The consumer position the victim accepted last: its cache is never anything else. */
        private long acquiredC;
        /**
         * The end of what the consumer can see (the harness's own walk): moved over each header that
         * lands on it, then over the headers already written behind it, up to a slot with no header.
         */
        private long visible;
        /** The producer position (the recovery hint) the victim stored last: the expected value of its next hint CAS. */
        private long hint;
        /** The end of the victim's reservation (64 bits), as its attach and its CASes set it. */
        private long reservedEnd;
        /** Where the victim's next header goes: its position, moved by each header it wrote in this call. */
        private long cursorTail;
        /**
         * Below this position the slot at the victim's frontier may hold a record or padding the
         * previous holder committed late (a region's attach: the end of the reservation found there;
         * a ring file's: the tail found by the scan, i.e. never).
         */
        private long lateBefore;
        /** The batch's first record, whose header the victim holds back until publish: {position, length, type}, or null. */
        private long[] held;
        /** Positions where the victim wrote the end marker. */
        private final Set<Long> markers = new HashSet<>();
        /** The data indices the recovery scan at attach must read, in order, and the reads the victim made. */
        private final List<Integer> scanWalk = new ArrayList<>();
        private int scanReads;
        /** Whether the layout rules refuse the walk (its last header is the bad one). */
        private boolean scanRefused;
        /** The victim's copy of the hole table, {start, length} in slot order, and the load in progress. */
        private List<int[]> holes = List.of();
        private List<int[]> sweep;
        private int sweepNext;
        /** The last ReadSlot: its index (-1 when used) and the value read, the expected value of the next header CAS. */
        private int slotIndex = -1;
        private long slotSeen;
        private boolean epochCheckDue;
        /**
         * The step of the last ReadSlot: its padding (0: a record), whether its end marker goes to a
         * lap's first slot (then ReadEndSlot reads that slot before CheckEpoch, and the marker is CASed
         * from what it read), and what it read.
         */
        private int stepPad;
        private boolean endSlotDue;
        private boolean endSlotRead;
        private long endSlotSeen;
        /** After a failed end marker CAS: the index the victim must re-read (an end marker there is enough), else -1. */
        private int markerRereadDue = -1;
        private long markerRereadPosition;
        // per call
        private boolean readRejected;
        /** Loads of the consumer position in the current call. */
        private int readsThisCall;
        /** Size of the record the call claims (0: none), and the steps (paddings, late commits stepped over) it made. */
        private int claimSize;
        private int stepsThisCall;
        private String badHole;
        /** The victim read another epoch in its position or reservation word: it lost and must throw RegionException. */
        private boolean foreign;
        private boolean casFailed;
        /** The slot at the frontier held neither the end marker nor a late commit the victim may step over: it must stop. */
        private boolean slotRefused;
        private boolean rereadPosition;
        private boolean rereadReservation;
        /** After a failed padding CAS: the index the victim must re-read (the late commit that won, or a scribble), else -1. */
        private int rereadDue = -1;
        /** The padding due at the slot ReadSlot found the end marker in (0: the claim opens there). */
        private int pendingPad;
        /** A commit (commit, commitBatched, or an offer's) runs: the end marker it writes goes after the claimed record. */
        private boolean committing;
        /**
         * Headers in memory at or past {@link #visible} that the consumer cannot reach yet, by position:
         * {header, 1 if the victim wrote it, 0 for a late commit of the previous holder it stepped over}.
         */
        private final Map<Long, long[]> written = new HashMap<>();
        /** Records committed and not yet visible: {length, type}. */
        private final ArrayDeque<int[]> committed = new ArrayDeque<>();
        /** Records made visible and not yet seen by the honest consumer. */
        private final ArrayDeque<int[]> inFlight = new ArrayDeque<>();
        private ClaimedRecord claim;
        private boolean claimOpen;
        /** An offer runs: its claim is internal. */
        private boolean offering;
        private int claimLength;
        private int claimType;
        private long claimPosition;
        private String poison;
        private String lost;
        /** Attach: a region's (records a hole, keeps the table) or a ring file's (frees the table). */
        private boolean region;

        ProducerScript(FuzzedDataProvider data) {
            super(data);
        }

        void run() {
            setInitialPositions();
            try {
                honest = new RingConsumer(peer, config, null);
            } catch (RingCorruptedException | RegionException e) {
                honest = null;
            }
            long lease = chooseVictimEpoch(PRODUCER_LEASE_OFFSET);
            region = lease >= 0;
            leaveReservationAndHoles();
            leaveRecords();
            if (!attach(lease)) {
                return;
            }
            tainted = cursorTail != acquiredC; // whatever the scan stepped over was not written by us
            for (int step = 0; step < MAX_STEPS && data.remainingBytes() > 0; step++) {
                switch (data.consumeInt(0, 11)) {
                    case 0, 1 -> tryClaim();
                    case 2 -> writeIntoClaim();
                    case 3 -> finish(0);
                    case 4 -> finish(1);
                    case 5 -> finish(2);
                    case 6 -> publish();
                    case 7 -> offer();
                    case 8 -> interleave = data.consumeBoolean();
                    default -> peerAction();
                }
            }
        }

        /** The reservation word and hole table an earlier holder (or the hostile peer) left. */
        private void leaveReservationAndHoles() {
            long position = peer.readProducerPosition() & WORD_POSITION;
            switch (data.consumeInt(0, 2)) {
                case 0 -> { }
                case 1 -> peer.scribble(RESERVATION_OFFSET,
                        fenced(chooseEpoch(epoch), position + data.consumeInt(-2, capacity / 8 + 2) * 8L));
                default -> peer.scribble(RESERVATION_OFFSET, data.consumeLong());
            }
            for (int n = data.consumeInt(0, 3); n > 0; n--) {
                peer.scribble(HOLE_TABLE_OFFSET + 8 * data.consumeInt(0, HOLE_SLOTS - 1), holeWord());
            }
        }

        /**
         * What the previous holder (or the hostile peer) left in the data region for the recovery
         * scan: records from the later of the two positions, each followed by the end marker; then
         * forged headers (an end marker, one with a length, a near-valid record or padding) at the
         * chain's end, where the scan stops, or anywhere.
         */
        private void leaveRecords() {
            long producer = peer.readProducerPosition() & WORD_POSITION;
            long consumer = near(peer.readConsumerPosition(), producer);
            long at = (producer - consumer >= 0 ? producer : consumer) & -8L;
            for (int n = data.consumeInt(0, 3); n > 0; n--) {
                int length = data.consumeInt(0, max);
                if (indexOf(at) + recordSize(length) > capacity) {
                    break;
                }
                peer.scribble(HEADER_LENGTH + indexOf(at + recordSize(length)), END_MARKER);
                peer.scribble(HEADER_LENGTH + indexOf(at), packHeader(length, data.consumeInt(0, 3)));
                at += recordSize(length);
            }
            for (int n = data.consumeInt(0, 2); n > 0; n--) {
                int index = data.consumeBoolean() ? indexOf(at) : data.consumeInt(0, capacity / 8 - 1) * 8;
                peer.scribble(HEADER_LENGTH + index, forgedHeader());
            }
        }

        /** A hole word: a valid hole, a near-valid one, or anything. */
        private long holeWord() {
            return switch (data.consumeInt(0, 2)) {
                case 0 -> hole(chooseEpoch(epoch), data.consumeInt(0, capacity / 8 - 1), data.consumeInt(1, capacity / 8 - 1));
                case 1 -> hole(chooseEpoch(epoch), data.consumeInt(0, capacity / 8 + 1), data.consumeInt(0, capacity / 8 + 1));
                default -> data.consumeLong();
            };
        }

        static long hole(int epoch, long startUnits, long lengthUnits) {
            return (long) (epoch & 0xFFFF) << 48 | (startUnits & HOLE_FIELD) << 24 | lengthUnits & HOLE_FIELD;
        }

        /** Why a hole word is not a hole of this ring (start outside the data region, empty, or the whole ring), or null. */
        private String holeProblem(long word) {
            long start = (word >>> 24 & HOLE_FIELD) * HOLE_UNIT;
            long length = (word & HOLE_FIELD) * HOLE_UNIT;
            return start < capacity && length > 0 && length < capacity ? null
                    : "hole word " + hex(word) + ": start " + start + ", length " + length + ", capacity " + capacity;
        }

        private int[] parseHole(long word) {
            return new int[] {(int) ((word >>> 24 & HOLE_FIELD) * HOLE_UNIT), (int) ((word & HOLE_FIELD) * HOLE_UNIT)};
        }

        /**
         * AttachProducer, judged against the takeover order of decision 0901: a ring file's attach frees
         * the hole table; FenceReservation (a newer epoch there: RegionException); ReadPosition;
         * RecordHole, a region's only ([P, R) with the position word's epoch; more than the capacity:
         * RingCorruptedException; no free slot or the whole ring: RegionException); FencePosition (a newer
         * epoch: RegionException); the positions validated (aligned, within one capacity of each other:
         * the hint may lag behind the consumer); ScanForEnd from the later of the two, which must read
         * exactly the headers the layout rules walk to the end marker (anything else on the way, or a
         * walk past the consumer position + capacity: RingCorruptedException); the hole table validated
         * (RingCorruptedException). A role lost at attach frees the holes of our own epoch. No position
         * moves; the victim starts at the end marker the scan found.
         */
        private boolean attach(long lease) {
            long producerWord = peer.readProducerPosition();
            long consumerWord = peer.readConsumerPosition();
            long reservationWord = peer.readReservation();
            long[] table = new long[HOLE_SLOTS];
            for (int slot = 0; slot < HOLE_SLOTS; slot++) {
                table[slot] = peer.readHole(slot);
            }
            long position = producerWord & WORD_POSITION;
            long reserved = near(reservationWord, position);
            long consumer = near(consumerWord, position);
            if (!region) {
                Arrays.fill(table, 0);
            }
            Class<? extends RuntimeException> refusal = null;
            boolean lostAtAttach = false;
            boolean reservationFenced = false;
            boolean positionFenced = false;
            Long frontier = null;
            scanRefused = false;
            if (newer(epochIn(reservationWord), epoch)) {
                refusal = RegionException.class;
                lostAtAttach = true;
            } else {
                reservationFenced = true;
                if (region && reserved - position > 0) {
                    if (reserved - position > capacity) {
                        refusal = RingCorruptedException.class;
                    } else {
                        long start = indexOf(position) / HOLE_UNIT;
                        long units = (indexOf(position) + (reserved - position) + HOLE_UNIT - 1) / HOLE_UNIT - start;
                        int free = 0;
                        while (free < HOLE_SLOTS && table[free] != 0) {
                            free++;
                        }
                        if (units * HOLE_UNIT >= capacity || free == HOLE_SLOTS) {
                            refusal = RegionException.class;
                        } else {
                            table[free] = hole(epochIn(producerWord), start, units);
                        }
                    }
                }
                if (refusal == null) {
                    if (newer(epochIn(producerWord), epoch)) {
                        refusal = RegionException.class;
                        lostAtAttach = true;
                    } else {
                        positionFenced = true;
                        if (!positionsValid(position, consumer)) {
                            refusal = RingCorruptedException.class;
                        } else if ((frontier = scan(position - consumer >= 0 ? position : consumer, consumer)) == null) {
                            refusal = RingCorruptedException.class;
                            scanRefused = true;
                        } else {
                            for (long word : table) {
                                if (word != 0 && holeProblem(word) != null) {
                                    refusal = RingCorruptedException.class;
                                    break;
                                }
                            }
                        }
                    }
                }
            }
            if (lostAtAttach) {
                for (int slot = 0; slot < HOLE_SLOTS; slot++) {
                    if (table[slot] != 0 && epochIn(table[slot]) == epoch) {
                        table[slot] = 0;
                    }
                }
            }
            RuntimeException thrown = null;
            scanReads = 0;
            attaching = true;
            try {
                VictimRing ring = new VictimRing(raw);
                victim = region ? new RingProducer(ring, config, null, lease) : new RingProducer(ring, config, null);
            } catch (RegionException | RingCorruptedException e) {
                thrown = e;
            } finally {
                attaching = false;
            }
            String words = " (producer word " + hex(producerWord) + ", consumer word " + hex(consumerWord) + ", reservation "
                    + hex(reservationWord) + ", our epoch " + epoch + (region ? ", a region's attach)" : ", a ring file's attach)");
            if (refusal == null) {
                check(thrown == null, "attach refused" + words + ": " + thrown);
            } else if (!refusal.isInstance(thrown)) {
                throw new AssertionError("attach should throw " + refusal.getSimpleName() + words + ", got " + thrown, thrown);
            }
            check(raw.getLong(RESERVATION_OFFSET) == (reservationFenced ? fenced(epoch, reservationWord) : reservationWord),
                    "attach left the reservation word at " + hex(raw.getLong(RESERVATION_OFFSET)) + words);
            check(raw.getLong(PRODUCER_POSITION_OFFSET) == (positionFenced ? fenced(epoch, producerWord) : producerWord),
                    "attach left the producer position word at " + hex(raw.getLong(PRODUCER_POSITION_OFFSET)) + words);
            check(raw.getLong(CONSUMER_POSITION_OFFSET) == consumerWord, "attach wrote the consumer position word");
            for (int slot = 0; slot < HOLE_SLOTS; slot++) {
                check(peer.readHole(slot) == table[slot], "attach left hole slot " + slot + " at " + hex(peer.readHole(slot))
                        + ", not " + hex(table[slot]) + words);
            }
            boolean scanned = refusal == null || frontier != null || positionFenced && positionsValid(position, consumer);
            int walked = scanned ? scanWalk.size() : 0;
            check(scanReads == walked || scanRefused && scanReads == walked + 1, "the recovery scan read " + scanReads
                    + " headers; the layout rules walk " + walked + words);
            if (thrown != null) {
                return false;
            }
            check(victim.position() == frontier, "attached at " + victim.position() + ", the scan from "
                    + (position - consumer >= 0 ? position : consumer) + " ends at " + frontier + words);
            visible = frontier;
            hint = position;
            cursorTail = frontier;
            reservedEnd = reserved;
            acquiredC = consumer;
            lateBefore = region ? reserved : frontier;
            List<int[]> copy = new ArrayList<>();
            for (long word : table) {
                if (word != 0) {
                    copy.add(parseHole(word));
                }
            }
            holes = copy;
            return true;
        }

        /**
         * ScanForEnd by the layout rules, on the bytes the harness reads itself (the peer does not act
         * inside an attach): from {@code from}, step over each valid record or padding to the end
         * marker; null when a header on the way is neither, or a step (with the end marker's slot after
         * it) passes the consumer position + capacity. {@link #scanWalk} gets the indices read.
         */
        private Long scan(long from, long consumer) {
            scanWalk.clear();
            long position = from;
            while (true) {
                int index = indexOf(position);
                scanWalk.add(index);
                check(scanWalk.size() <= capacity / 8 + 1, "the harness's own scan looped");
                long header = raw.getLong(HEADER_LENGTH + index);
                if (endMark(header)) {
                    return position;
                }
                long size = committedSize(header, index);
                if (size < 0 || position + size + RECORD_HEADER_LENGTH - consumer > capacity) {
                    return null;
                }
                position += size;
            }
        }

        @Override
        void peerAction() {
            switch (data.consumeInt(0, 8)) {
                case 0 -> honestConsumes();
                case 1 -> {
                    tainted = true;
                    long position = data.consumeBoolean() ? data.consumeLong()
                            : fenced(epochIn(peer.readConsumerPosition()), visible - data.consumeInt(-2, capacity / 8 + 2) * 8L
                                    + (data.consumeBoolean() ? data.consumeInt(1, 7) : 0));
                    peer.scribble(CONSUMER_POSITION_OFFSET, position);
                }
                case 2 -> {
                    tainted = true;
                    peerWritesLongAnywhere();
                }
                case 3 -> {
                    tainted = true;
                    peerWritesBytes();
                }
                case 4 -> peer.scribble(PRODUCER_POSITION_OFFSET, scribbledOwnWord(hint)); // a taker's epoch, or a scribble
                case 5 -> peer.scribble(RESERVATION_OFFSET, scribbledOwnWord(reservedEnd));
                case 6 -> peer.scribble(HOLE_TABLE_OFFSET + 8 * data.consumeInt(0, HOLE_SLOTS - 1), data.consumeBoolean() ? 0 : holeWord());
                case 7 -> {
                    tainted = true;
                    if (data.consumeBoolean()) {
                        peerWritesHeader();
                    } else {
                        // forged where the victim's next header goes (its end marker), or over its held header
                        long at = held != null && data.consumeBoolean() ? held[0] : cursorTail;
                        peer.scribble(HEADER_LENGTH + indexOf(at), forgedHeader());
                    }
                }
                default -> takeover();
            }
        }

        /**
         * Another producer takes the role over, stalling anywhere in its order (decision 0901):
         * FenceReservation, RecordHole [P, R) with the position word's epoch, FencePosition.
         */
        private void takeover() {
            int taker = otherEpoch();
            int steps = data.consumeInt(1, 7);
            if ((steps & 1) != 0) {
                peer.scribble(RESERVATION_OFFSET, fenced(taker, peer.readReservation()));
            }
            if ((steps & 2) != 0) {
                long word = peer.readProducerPosition();
                long position = word & WORD_POSITION;
                long length = near(peer.readReservation(), position) - position;
                if (length > 0 && length < capacity) {
                    long start = indexOf(position) / HOLE_UNIT;
                    long units = (indexOf(position) + length + HOLE_UNIT - 1) / HOLE_UNIT - start;
                    for (int slot = 0; slot < HOLE_SLOTS; slot++) {
                        if (peer.readHole(slot) == 0) {
                            peer.scribble(HOLE_TABLE_OFFSET + 8 * slot, hole(epochIn(word), start, units));
                            break;
                        }
                    }
                }
            }
            if ((steps & 4) != 0) {
                peer.scribble(PRODUCER_POSITION_OFFSET, fenced(taker, peer.readProducerPosition()));
            }
        }

        /** The honest half consumes; while nothing hostile happened it must see exactly what we published. */
        private void honestConsumes() {
            if (honest == null) {
                return;
            }
            try {
                honest.poll(view -> {
                    if (!tainted) {
                        int[] expected = inFlight.pollFirst();
                        check(expected != null && expected[0] == view.length() && expected[1] == view.type(),
                                "the honest consumer got a record we did not publish");
                    }
                }, data.consumeInt(1, 4));
            } catch (RingCorruptedException | RegionException e) {
                check(tainted, "an honest consumer found our own output corrupt: " + e.getMessage());
                honest = null;
            }
        }

        private void startCall() {
            readRejected = false;
            readsThisCall = 0;
            stepsThisCall = 0;
            badHole = null;
            foreign = false;
            casFailed = false;
            slotRefused = false;
            rereadPosition = false;
            rereadReservation = false;
            rereadDue = -1;
            markerRereadDue = -1;
            pendingPad = 0;
            cursorTail = victim.position();
            beginCall();
        }

        /** After a call that returned normally. */
        private void returned() {
            endCall();
            check(!readRejected, "the producer accepted an invalid consumer position");
            check(!foreign, "the producer read another holder's epoch in its words and carried on");
            check(!casFailed, "a CAS of the producer failed and it carried on");
            check(!slotRefused, "the producer carried on over a slot at its frontier that holds neither the end marker"
                    + " nor a late commit it may step over");
            check(rereadDue < 0, "a padding CAS failed and the producer did not re-read the slot");
            check(markerRereadDue < 0, "an end marker CAS failed and the producer did not re-read the slot");
            check(badHole == null, "the producer accepted an invalid " + badHole);
            check(!epochCheckDue, "ReadSlot was not followed by a read of the producer position word's epoch");
            check(victim.position() == cursorTail, "producer at " + victim.position() + ", its headers end at " + cursorTail);
        }

        /** After a call that threw: exactly the expected exception, or a justified failure. */
        private void threw(RuntimeException e, Class<? extends RuntimeException> expected) {
            endCall();
            if (expected != null) {
                if (!expected.isInstance(e)) {
                    throw new AssertionError("expected " + expected.getSimpleName() + ", got " + e, e);
                }
                if (e instanceof RingCorruptedException) {
                    check(poison.equals(e.getMessage()), "poison message changed: " + e.getMessage());
                }
                if (e instanceof RegionException) {
                    check(lost.equals(e.getMessage()), "lost-role message changed: " + e.getMessage());
                }
                return;
            }
            if (foreign) {
                if (!(e instanceof RegionException)) {
                    throw new AssertionError("the producer read another holder's epoch and threw " + e, e);
                }
                check(victim.lostRole() && !victim.isPoisoned(), "threw RegionException without losing its role");
                lost = e.getMessage();
                claimOpen = false; // a lost end closes its claim
                dead = true;
                return;
            }
            if (e instanceof RegionException && fitsNoGap(claimSize)) {  // decision 1801: refused, the end stays usable
                check(!victim.lostRole() && !victim.isPoisoned() && !victim.hasOpenClaim(),
                        "refused a record that fits no gap by losing its role, poisoning or with a claim open");
                check(e.getMessage().equals("a record of " + claimSize + " bytes fits in no gap between the " + holes.size()
                        + " holes takeovers left (largest gap " + largestGap() + " bytes): send records of at most "
                        + Math.max(largestGap() - 8, 0) + " payload bytes, or reset the region when no peer runs"
                        + " (dataport region zero)"), "refusal message: " + e.getMessage());
                if (offering) {
                    committed.pollLast();                // the offer's record was never committed
                }
                return;
            }
            check(rereadDue < 0, "a padding CAS failed and the producer threw without re-reading the slot");
            boolean stop = casFailed || slotRefused;
            boolean corrupt = readRejected || badHole != null || stepsThisCall > 2 * HOLE_SLOTS + 2 && !holes.isEmpty()
                    || stop && rereadPosition && rereadReservation;
            if (e instanceof RingCorruptedException && corrupt) {
                check(victim.isPoisoned() && !victim.lostRole(), "threw without poisoning");
                poison = e.getMessage();
                claimOpen = false; // a poisoned end closes its claim
                dead = true;
                return;
            }
            if (e instanceof RingCorruptedException && stop) {
                throw new AssertionError("after a failed CAS or a refused slot the producer threw RingCorruptedException"
                        + " without re-reading its position and reservation words", e);
            }
            if (e instanceof RingCorruptedException) {
                throw new AssertionError("rejected a valid consumer position or hole table: " + e.getMessage(), e);
            }
            throw new AssertionError("unexpected exception", e);
        }

        private static void noExceptionExpected(Class<? extends RuntimeException> expected) {
            check(expected == null, "expected " + (expected == null ? "" : expected.getSimpleName()) + ", got none");
        }

        /** What a call must throw before doing anything: the failure first (poison before a lost role), as checkUsable does. */
        private Class<? extends RuntimeException> failure() {
            return poison != null ? RingCorruptedException.class : lost != null ? RegionException.class : null;
        }

        /** What tryClaim must throw before doing anything, in its documented order. */
        private Class<? extends RuntimeException> claimProblem(int length, int type) {
            if (failure() != null) {
                return failure();
            }
            if (claimOpen) {
                return IllegalStateException.class;
            }
            if (length < 0 || length > max || type < 0) {
                return IllegalArgumentException.class;
            }
            return null;
        }

        /**
         * The padding due at {@code index} before a record of {@code size} bytes (0: none), by the victim's
         * copy of the hole table (decision 0901): to the end of the first hole that holds the index (or the
         * region end, if sooner); else to the region end when the record does not fit before it; else to the
         * nearest start of a hole the record would overlap.
         */
        private int paddingDue(int index, int size) {
            int toEnd = capacity - index;
            int mask = capacity - 1;
            for (int[] hole : holes) {
                int into = (index - hole[0]) & mask;
                if (into < hole[1]) {
                    return Math.min(hole[1] - into, toEnd);
                }
            }
            if (size > toEnd) {
                return toEnd;
            }
            int pad = 0;
            for (int[] hole : holes) {
                int before = (hole[0] - index) & mask;
                if (before < size && (pad == 0 || before < pad)) {
                    pad = before;
                }
            }
            return pad;
        }

        /**
         * The room the next step of a claim of {@code size} bytes at {@code tail} needs (docs/layout.md,
         * decision 0901): the record, a padding to the region end and the record, or a hole's padding
         * alone; and 8 bytes for the end marker after it (layout version 3).
         */
        private long needed(long tail, int size) {
            int toEnd = capacity - indexOf(tail);
            long step;
            if (holes.isEmpty()) {
                step = size > toEnd ? toEnd + size : size;
            } else {
                int pad = paddingDue(indexOf(tail), size);
                step = pad == 0 ? size : size > toEnd ? pad + size : pad;
            }
            return step + RECORD_HEADER_LENGTH;
        }

        /** Whether [index, index + size) shares an 8-byte unit with a hole of the victim's copy. */
        private boolean inHole(int index, int size) {
            for (int unit = index; unit < index + size; unit += HOLE_UNIT) {
                for (int[] hole : holes) {
                    if (((unit - hole[0]) & (capacity - 1)) < hole[1]) {
                        return true;
                    }
                }
            }
            return false;
        }

        /**
         * The largest gap between the holes of the victim's copy (decision 1801; no lap prefix here):
         * from the region's start or a hole's end that no hole covers, to the nearest hole start ahead
         * or the region end. Computed apart from {@code Holes}, the way the layout states it.
         */
        private int largestGap() {
            List<Integer> froms = new ArrayList<>();
            froms.add(0);
            for (int[] hole : holes) {
                froms.add((hole[0] + hole[1]) & (capacity - 1));
            }
            int largest = 0;
            for (int from : froms) {
                if (inHole(from, HOLE_UNIT)) {
                    continue;
                }
                int gap = capacity - from;
                for (int[] hole : holes) {
                    gap = Math.min(gap, (hole[0] - from) & (capacity - 1));
                }
                largest = Math.max(largest, gap);
            }
            return largest;
        }

        /** A record larger than every gap between the holes of the victim's copy: its claim must be refused (decision 1801). */
        private boolean fitsNoGap(int size) {
            return size > 0 && !holes.isEmpty() && size > largestGap();
        }

        /** A refusal must be true by the consumer position the victim read, in this very call, at the tail its paddings left. */
        private void checkFull(int length) {
            check(readsThisCall > 0, "answered full from its cached consumer position without re-reading it");
            check(!fitsNoGap(recordSize(length)), "answered full for a record of " + recordSize(length) + " bytes that"
                    + " fits in no gap between the holes (largest gap " + largestGap() + "): it pads round the ring for ever");
            long needed = needed(cursorTail, recordSize(length));
            check(cursorTail + needed - acquiredC > capacity, "refused a record of " + length + " bytes with room: tail "
                    + cursorTail + ", consumer " + acquiredC + ", holes " + holes.size());
        }

        private void tryClaim() {
            int length = data.consumeInt(-2, max + 2);
            int type = data.consumeInt(-2, 6);
            Class<? extends RuntimeException> expected = claimProblem(length, type);
            startCall();
            claimSize = expected == null ? recordSize(length) : 0;
            try {
                ClaimedRecord record = victim.tryClaim(length, type);
                returned();
                noExceptionExpected(expected);
                if (record == null) {
                    checkFull(length);
                    return;
                }
                claim = record;
                claimOpen = true;
                claimLength = length;
                claimType = type;
                claimPosition = victim.position();
                checkClaim(claimPosition, length);
                check(record.length() == length, "claimed " + record.length() + " bytes, asked " + length);
            } catch (RuntimeException e) {
                threw(e, expected);
            }
        }

        /** A claim returned at {@code position}: read, free, reserved, and where the layout puts a record. */
        private void checkClaim(long position, int length) {
            int size = recordSize(length);
            int index = indexOf(position);
            check(slotIndex == index, "claimed at " + position + " without ReadSlot there");
            check(endMark(slotSeen), "claimed at " + position + " where ReadSlot read " + hex(slotSeen) + ", not an end marker");
            check(position + size + RECORD_HEADER_LENGTH - (acquiredC + capacity) <= 0,
                    "claimed unconsumed bytes (the record and the end marker's slot after it)");
            check(position + size + RECORD_HEADER_LENGTH - reservedEnd <= 0, "claimed [" + position + ", " + (position + size)
                    + ") and the end marker's slot beyond its reservation end " + reservedEnd);
            check(index + size <= capacity, "claimed a record across the region end");
            check(!inHole(index, size), "claimed a record at " + position + " in a hole");
        }

        private void writeIntoClaim() {
            if (claim == null) {
                return;
            }
            int span = claimOpen ? claimLength : 8;
            int offset = data.consumeInt(-2, span + 2);
            int kind = data.consumeInt(0, 3);
            int size = switch (kind) {
                case 0 -> 1;
                case 1 -> 4;
                case 2 -> 8;
                default -> data.consumeInt(0, 16);
            };
            byte[] src = new byte[data.consumeInt(0, 16)];
            int srcOffset = kind == 3 ? data.consumeInt(-1, 17) : 0;
            Class<? extends RuntimeException> expected;
            if (kind == 3 && (srcOffset < 0 || srcOffset > src.length - size)) {
                expected = IndexOutOfBoundsException.class;
            } else if (!claimOpen) {
                expected = failure() != null ? failure() : IllegalStateException.class;
            } else if (offset < 0 || offset > claimLength - size) {
                expected = IndexOutOfBoundsException.class;
            } else {
                expected = null;
            }
            startCall();
            claimSize = 0;
            try {
                switch (kind) {
                    case 0 -> claim.putByte(offset, (byte) 1);
                    case 1 -> claim.putInt(offset, 2);
                    case 2 -> claim.putLong(offset, 3);
                    default -> claim.putBytes(offset, src, srcOffset, size);
                }
                returned();
                noExceptionExpected(expected);
            } catch (RuntimeException e) {
                threw(e, expected);
            }
        }

        /** 0 commit, 1 commitBatched, 2 abort. */
        private void finish(int how) {
            Class<? extends RuntimeException> expected = failure() != null ? failure()
                    : !claimOpen ? IllegalStateException.class : null;
            if (expected == null && how != 2) {
                committed.addLast(new int[] {claimLength, claimType}); // the publish inside commit walks it
            }
            startCall();
            claimSize = 0;
            committing = expected == null && how != 2;
            try {
                switch (how) {
                    case 0 -> victim.commit();
                    case 1 -> victim.commitBatched();
                    default -> victim.abort();
                }
                returned();
                noExceptionExpected(expected);
                if (how != 2) {
                    check(victim.position() == claimPosition + recordSize(claimLength), "commit moved the producer wrongly");
                } else {
                    check(victim.position() == claimPosition, "abort moved the producer");
                }
                claimOpen = false;
                slotIndex = -1;
                if (how == 0) {
                    checkAllVisible("commit");
                } else if (how == 1) {
                    check(held != null, "commitBatched left no batch held back");
                }
            } catch (RuntimeException e) {
                threw(e, expected);
            } finally {
                committing = false;
            }
        }

        /** After a publish: no header held back, every committed record visible, the consumer able to read up to the tail. */
        private void checkAllVisible(String what) {
            check(held == null, what + " left the batch's first header held back");
            check(committed.isEmpty(), what + " left committed records invisible");
            check(written.isEmpty(), what + " left headers the consumer cannot reach");
            check(visible == victim.position(), what + " made visible up to " + visible + ", the producer is at " + victim.position());
        }

        private void publish() {
            Class<? extends RuntimeException> expected = failure();
            startCall();
            claimSize = 0;
            try {
                victim.publish();
                returned();
                noExceptionExpected(expected);
                checkAllVisible("publish");
            } catch (RuntimeException e) {
                threw(e, expected);
            }
        }

        private void offer() {
            byte[] src = data.consumeBytes(data.consumeInt(0, max + 4));
            int offset = data.consumeInt(-1, 3);
            int length = data.consumeInt(-2, max + 2);
            int type = data.consumeInt(-1, 5);
            Class<? extends RuntimeException> expected = offset < 0 || length < 0 || offset > src.length - length
                    ? IndexOutOfBoundsException.class : claimProblem(length, type);
            if (expected == null) {
                committed.addLast(new int[] {length, type}); // the publish inside offer walks it
                offering = true;
                committing = true;
                claimLength = length;
                claimType = type;
            }
            startCall();
            claimSize = expected == null ? recordSize(length) : 0;
            try {
                boolean offered = victim.offer(src, offset, length, type);
                returned();
                noExceptionExpected(expected);
                if (offered) {
                    checkAllVisible("offer");
                } else {
                    committed.pollLast();
                    checkFull(length);
                }
                slotIndex = -1;
            } catch (RuntimeException e) {
                threw(e, expected);
            } finally {
                offering = false;
                committing = false;
            }
        }

        /**
         * A write at data {@code index}, which the harness places at {@code position}: inside a call,
         * inside the region, never below what the consumer can see ({@code header}: a header may land
         * exactly there, which is how a record or padding becomes visible), nor beyond the consumer
         * position the victim read + capacity, nor beyond the end of its reservation.
         */
        private void checkWrite(String what, int index, long position, int length, boolean header) {
            access();
            peerMayAct();
            check(inCall, what + " outside a call");
            checkDataRange(what, index, length);
            check(header ? position - visible >= 0 : position - visible > 0, what + " at " + position
                    + " rewrites bytes the consumer can see (visible up to " + visible + ")");
            check(position + length - (acquiredC + capacity) <= 0, what + " at " + position + " of " + length
                    + " bytes overwrites bytes the consumer has not released (consumer at " + acquiredC + ")");
            check(position + length - reservedEnd <= 0, what + " at " + position + " of " + length
                    + " bytes lies beyond its reservation end " + reservedEnd);
        }

        /**
         * A store to a fenced word, a header or an end marker: never after the victim learned it lost,
         * a CAS of it failed or it read a slot it must refuse, and never between ReadSlot and its epoch check.
         */
        private void checkStore(String what) {
            check(!foreign && !casFailed && !slotRefused, what + " after the producer " + (foreign ? "read another holder's epoch"
                    : casFailed ? "had a CAS fail" : "read a slot at its frontier it must refuse"));
            check(!epochCheckDue, what + " between ReadSlot and the epoch check");
            check(rereadDue < 0 && markerRereadDue < 0, what + " after a failed CAS, before re-reading its slot");
        }

        /** A header CAS at {@code position} for {@code size} bytes: the end marker after them must be written already. */
        private void checkMarkerBefore(String what, long position, long size) {
            check(markers.contains(position + size), what + " at " + position + " before the end marker at "
                    + (position + size) + ", where the consumer reads next");
        }

        private void checkPayloadWrite(int index, int length) {
            peerMayAct();
            check(inCall, "payload write outside a call");
            checkDataRange("payload write", index, length);
            check(claimOpen || offering, "payload write without an open claim");
            check(slotIndex == indexOf(cursorTail), "payload write into a claim whose slot was not read");
            // counted from the claim (paddings may have moved it a lap from the call's start); index may be
            // the region end for a write of 0 bytes
            long position = cursorTail + ((index - indexOf(cursorTail)) & (capacity - 1));
            check(position - (cursorTail + RECORD_HEADER_LENGTH) >= 0
                            && position + length - (cursorTail + RECORD_HEADER_LENGTH + claimLength) <= 0,
                    "payload write at " + position + " outside the claim at " + cursorTail);
            check(position + length - (acquiredC + capacity) <= 0, "payload write overwrites unreleased bytes");
            check(position + length - reservedEnd <= 0, "payload write beyond the reservation end " + reservedEnd);
        }

        /**
         * A header landed: the consumer's view moves over every header now reachable from
         * {@link #visible} (the one just written, and those written behind a held header before),
         * up to the first slot without one. The victim's records must come in the order committed.
         */
        private void advanceVisible() {
            long[] entry;
            while ((entry = written.remove(visible)) != null) {
                long header = entry[0];
                int index = indexOf(visible);
                int length = headerLength(header);
                int type = headerType(header);
                long size;
                if (entry[1] == 0) {
                    size = committedSize(header, index);          // a late commit the victim stepped over
                } else if (type == PADDING_TYPE) {
                    size = paddingSize(length);
                    check(length >= 0 && index + size <= capacity, "a visible padding crosses the region end");
                } else {
                    int[] expected = committed.pollFirst();
                    check(expected != null && expected[0] == length && expected[1] == type,
                            "made visible a record (" + length + ", " + type + ") that was not committed next");
                    size = recordSize(length);
                    check(index + size <= capacity, "a visible record crosses the region end");
                    inFlight.addLast(expected);
                }
                visible += size;
            }
        }

        /**
         * ReadSlot (or the re-read after a failed padding CAS) found {@code header}, not the end marker,
         * at the victim's frontier: a valid record or padding the previous holder committed late, below
         * the end of its reservation (a region's takeover only), is stepped over; anything else must
         * stop the victim.
         */
        private void notTheEndMarker(long header, int index) {
            long size = committedSize(header, index);
            if (cursorTail - lateBefore < 0 && size >= 0) {
                tainted = true;
                written.put(cursorTail, new long[] {header, 0});
                cursorTail += size;
                stepsThisCall++;
                advanceVisible();
            } else {
                slotRefused = true;
            }
        }

        /** The producer's accessor, instrumented: the peer acts before each access; every access is checked. */
        final class VictimRing extends SharedRing {
            VictimRing(ByteBuffer region) {
                super(region);
            }

            @Override
            long readConsumerPosition() {
                if (attaching) {
                    return super.readConsumerPosition();
                }
                access();
                peerMayAct();
                check(inCall, "consumer position read outside a call");
                long word = super.readConsumerPosition();
                readsThisCall++;
                long position = near(word, acquiredC);
                if ((position & 7) == 0 && position - acquiredC >= 0 && visible - position >= 0) {
                    acquiredC = position;
                } else {
                    readRejected = true;
                }
                return word;
            }

            @Override
            long readProducerPosition() {
                if (attaching) {
                    return super.readProducerPosition();
                }
                access();
                peerMayAct();
                check(inCall, "producer position word read outside a call");
                boolean afterReadSlot = epochCheckDue;
                if (epochCheckDue) {
                    epochCheckDue = false;                  // ReadSlot's check of our epoch
                } else {
                    check((casFailed || slotRefused) && !rereadPosition && !foreign, "the producer re-read its own position"
                            + " word other than after ReadSlot or once after a failed CAS or a refused slot");
                    rereadPosition = true;
                }
                check(!afterReadSlot || !endSlotDue || endSlotRead, "the step ends a lap: the producer did not read the"
                        + " lap's first slot (ReadEndSlot) before CheckEpoch");
                long word = super.readProducerPosition();
                if (epochIn(word) != epoch) {
                    foreign = true;
                } else if (afterReadSlot) {
                    if (endMark(slotSeen)) {
                        pendingPad = stepPad;                    // 0: the claim opens at the slot
                        if (stepPad == 0 && offering) {
                            // an offer's own claim: it stays open if the offer's commit fails poisoned (the
                            // ClaimedRecord then still takes writes inside it; a lost end closes it)
                            claimOpen = true;
                            claimPosition = cursorTail;
                        }
                    } else {
                        notTheEndMarker(slotSeen, slotIndex);
                    }
                }
                return word;
            }

            @Override
            long readReservation() {
                if (attaching) {
                    return super.readReservation();
                }
                access();
                peerMayAct();
                check(inCall && (casFailed || slotRefused) && rereadPosition && !rereadReservation && !foreign,
                        "the producer read the reservation word other than once after a failed CAS or a refused slot, its"
                                + " position word holding its epoch");
                rereadReservation = true;
                long word = super.readReservation();
                if (epochIn(word) != epoch) {
                    foreign = true;
                }
                return word;
            }

            @Override
            long readSlot(int index) {
                access();
                peerMayAct();
                check(inCall, "ReadSlot outside a call");
                checkDataRange("ReadSlot", index, RECORD_HEADER_LENGTH);
                check(index % 8 == 0, "misaligned ReadSlot at " + index);
                if (markerRereadDue >= 0) {
                    // the re-read after a failed end marker CAS at a lap's first slot: an end marker there is enough
                    check(index == markerRereadDue && !foreign, "the re-read after a failed end marker CAS at "
                            + markerRereadDue + " read index " + index);
                    markerRereadDue = -1;
                    long value = super.readSlot(index);
                    if (endMark(value)) {
                        markerPlaced(markerRereadPosition);
                    } else {
                        casFailed = true;
                    }
                    return value;
                }
                if (epochCheckDue && endSlotDue && !endSlotRead) {
                    // ReadEndSlot: the lap's first slot, where this step's end marker goes, before CheckEpoch
                    check(index == 0, "ReadEndSlot at index " + index + ", not the lap's first slot");
                    endSlotSeen = super.readSlot(index);
                    endSlotRead = true;
                    return endSlotSeen;
                }
                check(index == indexOf(cursorTail), "ReadSlot at index " + index + ", the tail is at " + cursorTail);
                if (rereadDue >= 0) {
                    // the re-read after a failed padding CAS: a late commit that won the slot is stepped over
                    check(index == rereadDue && !foreign && !slotRefused, "the re-read after a failed padding CAS at "
                            + rereadDue + " read index " + index);
                    rereadDue = -1;
                    long value = super.readSlot(index);
                    casFailed = false;
                    notTheEndMarker(value, index);
                    casFailed = slotRefused;
                    return value;
                }
                checkStore("ReadSlot");
                slotSeen = super.readSlot(index);
                slotIndex = index;
                pendingPad = 0;
                stepPad = paddingDue(index, claimSize);
                endSlotDue = indexOf(cursorTail + (stepPad == 0 ? claimSize : stepPad)) == 0;
                endSlotRead = false;
                epochCheckDue = true;
                return slotSeen;
            }

            @Override
            long scanForEnd(int index) {
                check(attaching, "scanForEnd outside the attach");
                checkDataRange("scanForEnd", index, RECORD_HEADER_LENGTH);
                // the walk, header by header; a refused walk may read its last header once more (for the message)
                boolean again = scanRefused && scanReads == scanWalk.size() && index == scanWalk.get(scanWalk.size() - 1);
                check(again || scanReads < scanWalk.size() && index == scanWalk.get(scanReads), "the recovery scan read index "
                        + index + " as its read " + scanReads + "; the layout rules walk " + scanWalk);
                scanReads++;
                return super.scanForEnd(index);
            }

            @Override
            void writeEndMarker(int index, long value) {
                long position = markerPosition(index, value);
                check(index != 0, "a plain end marker store at a lap's first slot (there it must be a CAS: a late store"
                        + " would cut a taker's chain)");
                super.writeEndMarker(index, value);
                markerPlaced(position);
            }

            @Override
            boolean casEndMarker(int index, long expected, long value) {
                long position = markerPosition(index, value);
                check(index == 0, "an end marker CAS away from a lap's first slot, at " + index);
                check(endSlotRead && expected == endSlotSeen, "the end marker CAS expects " + hex(expected)
                        + ", not the word ReadEndSlot read at the lap's first slot, " + hex(endSlotSeen));
                long current = raw.getLong(HEADER_LENGTH + index);
                boolean done = super.casEndMarker(index, expected, value);
                check(done == (current == expected), "the CAS answered " + done + " with the word at " + hex(current));
                if (done) {
                    markerPlaced(position);
                } else {
                    markerRereadDue = index;                 // another end marker there is enough; anything else: stop
                    markerRereadPosition = position;
                }
                return done;
            }

            /** Where an end marker store lands, checked: after the padding or the record in progress, with our epoch. */
            private long markerPosition(int index, long value) {
                long position = cursorTail + ((index - indexOf(cursorTail)) & (capacity - 1));
                checkWrite("end marker", index, position, RECORD_HEADER_LENGTH, false);
                checkStore("end marker");
                check(value == endMarkOf(epoch), "the end marker " + hex(value) + " does not carry the writer's epoch " + epoch);
                long expected;
                if (pendingPad > 0) {
                    expected = cursorTail + pendingPad;             // after the padding: the record's slot
                } else {
                    check(committing && (claimOpen || offering) && slotIndex == indexOf(cursorTail),
                            "an end marker outside a padding and a commit");
                    expected = cursorTail + recordSize(claimLength); // after the record
                }
                check(position == expected, "end marker at " + position + ", the next record goes at " + expected);
                return position;
            }

            /** An end marker is in place at {@code position} (ours, or one found there after our CAS failed). */
            private void markerPlaced(long position) {
                markers.add(position);
                if (pendingPad == 0 && held == null) {
                    // the batch's first record: its header is held back (its slot keeps the end marker)
                    held = new long[] {cursorTail, claimLength, claimType, slotSeen};
                    cursorTail += recordSize(claimLength);
                    slotIndex = -1;
                    claimOpen = false;
                }
            }

            @Override
            boolean casReservation(long expected, long value) {
                if (attaching) {
                    check(value == fenced(epoch, expected), "the attach fence wrote " + hex(value) + " over the reservation "
                            + hex(expected) + ": not the same end with epoch " + epoch);
                    return super.casReservation(expected, value);
                }
                access();
                peerMayAct();
                check(inCall, "reservation CAS outside a call");
                checkStore("reservation CAS");
                check(expected == fenced(epoch, reservedEnd), "the reservation CAS expects " + hex(expected)
                        + ", not the word it last wrote, " + hex(fenced(epoch, reservedEnd)));
                check(epochIn(value) == epoch, "the reservation CAS writes " + hex(value) + " without our epoch " + epoch);
                long end = near(value, cursorTail);
                check(end - reservedEnd > 0, "the reservation CAS does not extend it: " + reservedEnd + " to " + end);
                check(end - (acquiredC + capacity) <= 0, "reserved up to " + end + ", past the consumer position "
                        + acquiredC + " plus the capacity");
                long current = raw.getLong(RESERVATION_OFFSET);
                boolean done = super.casReservation(expected, value);
                check(done == (current == expected), "the CAS answered " + done + " with the word at " + hex(current));
                if (done) {
                    reservedEnd = end;
                } else {
                    casFailed = true;
                }
                return done;
            }

            @Override
            long readHole(int slot) {
                if (attaching) {
                    return super.readHole(slot);
                }
                access();
                peerMayAct();
                check(inCall, "hole table read outside a call");
                long word = super.readHole(slot);
                if (!foreign) {                              // a load of the table (once a lap); after a loss, its release
                    check(!casFailed, "the producer read the hole table after a failed CAS");
                    check(badHole == null, "the producer read on after an invalid " + badHole);
                    if (slot == 0) {
                        sweep = new ArrayList<>();
                        sweepNext = 0;
                    }
                    check(sweep != null && slot == sweepNext++, "the hole table read out of order at slot " + slot);
                    if (word != 0) {
                        badHole = holeProblem(word);
                        if (badHole == null) {
                            sweep.add(parseHole(word));
                        }
                    }
                    if (slot == HOLE_SLOTS - 1) {
                        holes = sweep;
                        sweep = null;
                    }
                }
                return word;
            }

            @Override
            boolean casHole(int slot, long expected, long value) {
                if (attaching) {
                    return super.casHole(slot, expected, value); // judged by the table attach leaves
                }
                access();
                peerMayAct();
                check(inCall, "hole table write outside a call");
                check(foreign, "the producer wrote the hole table without having lost its role");
                check(expected != 0 && epochIn(expected) == epoch && value == 0,
                        "the producer wrote " + hex(value) + " over hole " + hex(expected) + ": it may only free holes of its epoch " + epoch);
                return super.casHole(slot, expected, value);
            }

            @Override
            boolean publishProducerPosition(long expected, long value) {
                if (attaching) {
                    check(value == fenced(epoch, expected), "the attach fence wrote " + hex(value) + " over "
                            + hex(expected) + ": not the same position with epoch " + epoch);
                    return super.publishProducerPosition(expected, value);
                }
                access();
                peerMayAct();
                check(inCall, "producer position published outside a call");
                checkStore("hint CAS");
                check(expected == fenced(epoch, hint), "the hint CAS expects " + hex(expected)
                        + ", not the word it last stored, " + hex(fenced(epoch, hint)));
                check(epochIn(value) == epoch, "the producer stored the hint " + hex(value) + " without its epoch " + epoch);
                long position = near(value, hint);
                check(position == visible, "the hint " + position + " is not the frontier the consumer can see, " + visible);
                check(position - hint > 0, "the hint " + position + " does not move forward from " + hint);
                long current = raw.getLong(PRODUCER_POSITION_OFFSET);
                boolean done = super.publishProducerPosition(expected, value);
                check(done == (current == expected), "the CAS answered " + done + " with the word at " + hex(current));
                if (done) {
                    hint = position;
                } else {
                    casFailed = true;
                }
                return done;
            }

            @Override
            boolean publishConsumerPosition(long expected, long value) {
                throw new AssertionError("the producer wrote the consumer position");
            }

            @Override
            boolean writePadding(int index, long expected, int length) {
                check(region, "a ring file's producer committed a padding by CAS (its lock makes a release store enough)");
                return padding(index, expected, length, true);
            }

            @Override
            void releasePadding(int index, int length) {
                check(!region, "a region's producer committed a padding with a plain store, not by CAS from the word ReadSlot read");
                padding(index, slotSeen, length, false);
            }

            /** WritePadding, by CAS from {@code expected} or ({@code cas} false) by a release store. */
            private boolean padding(int index, long expected, int length, boolean cas) {
                long position = cursorTail + ((index - indexOf(cursorTail)) & (capacity - 1));
                checkWrite("padding header", index, position, RECORD_HEADER_LENGTH, true);
                checkStore(cas ? "padding CAS" : "padding store");
                check(position == cursorTail, "padding at " + position + ", the tail is at " + cursorTail);
                check(index == slotIndex && expected == slotSeen && endMark(expected), "the padding CAS at " + index
                        + " expects " + hex(expected) + ", not the end marker ReadSlot read there");
                int pad = pendingPad;
                check(pad > 0 && pad == paddingDue(index, claimSize) && length == pad - RECORD_HEADER_LENGTH, "a padding of length "
                        + length + " at index " + index + " for a record of " + claimSize + " bytes; the layout asks for "
                        + (paddingDue(index, claimSize) - RECORD_HEADER_LENGTH) + " (holes " + holes.size() + ")");
                checkMarkerBefore("a padding header", position, pad);
                check(position + pad + RECORD_HEADER_LENGTH - reservedEnd <= 0, "a padding up to " + (position + pad)
                        + " and the end marker's slot after it beyond the reservation end " + reservedEnd);
                check(position + pad + RECORD_HEADER_LENGTH - (acquiredC + capacity) <= 0,
                        "a padding (and the end marker after it) over bytes the consumer has not released");
                boolean done = true;
                if (cas) {
                    long current = raw.getLong(HEADER_LENGTH + index);
                    done = super.writePadding(index, expected, length);
                    check(done == (current == expected), "the CAS answered " + done + " with the word at " + hex(current));
                } else {
                    super.releasePadding(index, length);
                }
                slotIndex = -1;
                pendingPad = 0;
                if (done) {
                    written.put(position, new long[] {packHeader(length, PADDING_TYPE), 1});
                    cursorTail += pad;
                    stepsThisCall++;
                    advanceVisible();
                } else {
                    casFailed = true;
                    rereadDue = index;              // a late commit of the previous holder may have won the slot
                }
                return done;
            }

            @Override
            boolean writeRecordHeader(int index, long expected, int length, int type) {
                check(region, "a ring file's producer committed a header by CAS (its lock makes a release store enough)");
                return recordHeader(index, expected, length, type, true);
            }

            @Override
            void releaseRecordHeader(int index, int length, int type) {
                check(!region, "a region's producer committed a header with a plain store, not by CAS from the word ReadSlot read");
                recordHeader(index, held != null && index == indexOf(held[0]) ? held[3] : slotSeen, length, type, false);
            }

            /** WriteRecordHeader or Publish, by CAS from {@code expected} or ({@code cas} false) by a release store. */
            private boolean recordHeader(int index, long expected, int length, int type, boolean cas) {
                if (held != null && index == indexOf(held[0])) {
                    // Publish: the batch's first header, held back since its commit, from the end marker
                    long position = held[0];
                    checkWrite("held header (publish)", index, position, RECORD_HEADER_LENGTH, true);
                    checkStore(cas ? "held header CAS" : "held header store");
                    check(position == visible, "the held header at " + position + " is not where the consumer stops, " + visible);
                    check(expected == held[3], "the held header's CAS expects " + hex(expected) + ", not the end marker"
                            + " ReadSlot read at its claim, " + hex(held[3]));
                    check(length == held[1] && type == held[2], "held header (" + length + ", " + type + "), the record"
                            + " committed first is (" + held[1] + ", " + held[2] + ")");
                    checkMarkerBefore("the held header", position, recordSize(length));
                    boolean done = storeHeader(index, expected, length, type, cas);
                    if (done) {
                        written.put(position, new long[] {packHeader(length, type), 1});
                        held = null;
                        advanceVisible();
                    } else {
                        casFailed = true;
                    }
                    return done;
                }
                long position = cursorTail + ((index - indexOf(cursorTail)) & (capacity - 1));
                checkWrite("record header", index, position, RECORD_HEADER_LENGTH, true);
                checkStore(cas ? "record header CAS" : "record header store");
                check(committing && (claimOpen || offering), "a record header without an open claim being committed");
                check(held != null, "the first record of a batch was made visible before publish (its header is held back)");
                check(position == cursorTail && length == claimLength && type == claimType, "record header (" + length + ", "
                        + type + ") at " + position + ", the claim is (" + claimLength + ", " + claimType + ") at " + cursorTail);
                check(index == slotIndex && expected == slotSeen && endMark(expected), "the header CAS at " + index
                        + " expects " + hex(expected) + ", not the end marker ReadSlot read at the claim");
                checkMarkerBefore("a record header", position, recordSize(length));
                boolean done = storeHeader(index, expected, length, type, cas);
                if (done) {
                    written.put(position, new long[] {packHeader(length, type), 1});
                    cursorTail += recordSize(length);
                    slotIndex = -1;
                    claimOpen = false; // the victim closes its claim right after
                    advanceVisible();
                } else {
                    casFailed = true;
                }
                return done;
            }

            /** The header store itself: the CAS (its answer checked against the word there) or the release store. */
            private boolean storeHeader(int index, long expected, int length, int type, boolean cas) {
                if (!cas) {
                    super.releaseRecordHeader(index, length, type);
                    return true;
                }
                long current = raw.getLong(HEADER_LENGTH + index);
                boolean done = super.writeRecordHeader(index, expected, length, type);
                check(done == (current == expected), "the CAS answered " + done + " with the word at " + hex(current));
                return done;
            }

            @Override
            void writePayload(int index, byte[] src, int srcOffset, int length) {
                checkPayloadWrite(index, length);
                super.writePayload(index, src, srcOffset, length);
            }

            @Override
            void writePayload(int index, ByteBuffer src, int srcOffset, int length) {
                checkPayloadWrite(index, length);
                super.writePayload(index, src, srcOffset, length);
            }

            @Override
            void writePayloadByte(int index, byte value) {
                checkPayloadWrite(index, 1);
                super.writePayloadByte(index, value);
            }

            @Override
            void writePayloadInt(int index, int value) {
                checkPayloadWrite(index, 4);
                super.writePayloadInt(index, value);
            }

            @Override
            void writePayloadLong(int index, long value) {
                checkPayloadWrite(index, 8);
                super.writePayloadLong(index, value);
            }

            @Override
            long readRecordHeader(int index) {
                throw new AssertionError("the producer read a record header");
            }

            @Override
            void readPayload(int index, byte[] dst, int dstOffset, int length) {
                throw new AssertionError("the producer read the data region");
            }

            @Override
            void readPayload(int index, ByteBuffer dst, int dstOffset, int length) {
                throw new AssertionError("the producer read the data region");
            }

            @Override
            byte readPayloadByte(int index) {
                throw new AssertionError("the producer read the data region");
            }

            @Override
            int readPayloadInt(int index) {
                throw new AssertionError("the producer read the data region");
            }

            @Override
            long readPayloadLong(int index) {
                throw new AssertionError("the producer read the data region");
            }
        }
    }
}
