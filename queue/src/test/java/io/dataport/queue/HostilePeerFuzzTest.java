package io.dataport.queue;

import static io.dataport.queue.RingLayout.*;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Hostile-peer fuzzing (docs/model-tests.md): the fuzzer plays the peer. It controls every byte the
 * peer can write (positions, record headers, padding, payload, anything else in the mapping) and when
 * it writes them relative to our calls: between two calls, or, once it turns interleaving on, before
 * any single shared-memory access our end makes (the victim's {@link SharedRing} is a subclass that
 * hands control to the peer before each access). The victim must:
 * <ul>
 *   <li>touch only the data region, and only inside the record it is handling (consumer) or inside
 *       the free bytes the last consumer position it read leaves (producer); never write what it
 *       already published, and never read (producer) or write (consumer) where it has no business;</li>
 *   <li>deliver only well-formed records inside what was published, in order, skipping only valid
 *       padding, and move its position exactly over them (the harness re-walks every header the
 *       victim read against the layout rules of docs/layout.md);</li>
 *   <li>publish only complete, well-formed records, the ones committed, in order;</li>
 *   <li>reject exactly what the layout rules reject, with {@link RingCorruptedException} (no other
 *       exception), and stay poisoned: every later call fails with the same message;</li>
 *   <li>answer "full" only when the ring is full by the position it read, and never loop: a poll
 *       reads at most capacity / 8 + 1 record headers.</li>
 * </ul>
 * Argument errors made on purpose by the script must raise exactly IllegalArgumentException,
 * IllegalStateException or IndexOutOfBoundsException, as documented.
 *
 * <p>Regression mode ({@code mvn test}) replays the inputs under
 * {@code src/test/resources/io/dataport/queue/HostilePeerFuzzTestInputs/<method>/}; fuzzing:
 * see docs/model-tests.md.
 */
class HostilePeerFuzzTest {

    /** Steps of one script, and peer actions injected inside one victim call: everything is bounded. */
    static final int MAX_STEPS = 64;
    static final int MAX_PEER_ACTIONS_PER_CALL = 16;

    @FuzzTest(maxDuration = "10m")
    void consumerAgainstHostileProducer(FuzzedDataProvider data) {
        new ConsumerScript(data).run();
    }

    @FuzzTest(maxDuration = "10m")
    void producerAgainstHostileConsumer(FuzzedDataProvider data) {
        new ProducerScript(data).run();
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

        /** Initial positions: both 0, equal and anywhere, consistent, or anything at all. */
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
            peer.scribble(RingLayout.PRODUCER_POSITION_OFFSET, producer);
            peer.scribble(RingLayout.CONSUMER_POSITION_OFFSET, consumer);
        }

        /** The layout's rule for the positions found at attach. */
        final boolean positionsValid(long producer, long consumer) {
            long used = producer - consumer;
            return ((producer | consumer) & 7) == 0 && used >= 0 && used <= capacity;
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

        final void checkDataRange(String what, int index, long length) {
            if (index < 0 || length < 0 || index + length > capacity) {
                throw new AssertionError(what + " at data index " + index + " of " + length
                        + " bytes is outside the data region of " + capacity);
            }
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
        /** The victim's cached producer position, as the harness tracks it (validated by our own rules). */
        private long cachedP;
        private long head;
        private boolean readRejected;
        private final List<long[]> headers = new ArrayList<>();
        private int recordIndex = -1;
        private int recordLength;
        private long publishedByVictim;
        private String poison;

        ConsumerScript(FuzzedDataProvider data) {
            super(data);
        }

        void run() {
            setInitialPositions();
            long producer = peer.readProducerPosition();
            long consumer = peer.readConsumerPosition();
            try {
                honest = new RingProducer(peer, config, null);
            } catch (RingCorruptedException e) {
                honest = null;
            }
            try {
                victim = new RingConsumer(new VictimRing(raw), config, null);
            } catch (RingCorruptedException e) {
                check(!positionsValid(producer, consumer), "attach refused valid positions: " + e.getMessage());
                return;
            }
            check(positionsValid(producer, consumer), "attach accepted positions " + producer + ", " + consumer);
            head = consumer;
            cachedP = consumer;
            publishedByVictim = consumer;
            for (int step = 0; step < MAX_STEPS && data.remainingBytes() > 0 && poison == null; step++) {
                switch (data.consumeInt(0, 7)) {
                    case 0, 1, 2 -> peerAction();
                    case 3, 4 -> poll();
                    case 5 -> read();
                    case 6 -> interleave = data.consumeBoolean();
                    default -> honestTraffic();
                }
            }
            if (poison != null) {
                checkStaysPoisoned();
            }
        }

        @Override
        void peerAction() {
            switch (data.consumeInt(0, 4)) {
                case 0 -> honestTraffic();
                case 1 -> {
                    int index = data.consumeInt(0, capacity / 8 - 1) * 8;
                    int length = data.consumeBoolean() ? data.consumeInt(-16, max + 16) : data.consumeInt();
                    int type = data.consumeBoolean() ? data.consumeInt(-3, 3) : data.consumeInt();
                    peer.scribble(RingLayout.HEADER_LENGTH + index, RingLayout.packHeader(length, type));
                }
                case 2 -> peerWritesLongAnywhere();
                case 3 -> {
                    long position = data.consumeBoolean() ? data.consumeLong()
                            : head + data.consumeInt(-2, capacity / 8 + 2) * 8L + (data.consumeBoolean() ? data.consumeInt(1, 7) : 0);
                    peer.scribble(RingLayout.PRODUCER_POSITION_OFFSET, position);
                }
                default -> peerWritesBytes();
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
            } catch (RingCorruptedException e) {
                honest = null; // the hostile half confused the honest half: fine, it is the peer
            }
        }

        private void poll() {
            int limit = data.consumeInt(1, 8);
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
                walk(before, delivered, count, true);
            } catch (RingCorruptedException e) {
                endCall();
                rejected(before, delivered, e);
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
                walk(before, delivered, delivered.size(), false);
            } catch (RingCorruptedException e) {
                endCall();
                rejected(before, List.of(), e);
            }
        }

        private void startCall() {
            headers.clear();
            readRejected = false;
            recordIndex = -1;
            head = victim.position();
            beginCall();
        }

        /** The layout rules (docs/layout.md, Validation) for a header read at {@code position}; null when valid. */
        private String judge(long position, int index, long header) {
            int length = headerLength(header);
            int type = headerType(header);
            if (type == PADDING_TYPE) {
                int toEnd = capacity - index;
                return length == toEnd - RECORD_HEADER_LENGTH && cachedP - position >= toEnd ? null
                        : "padding " + length + " at index " + index + ", producer at " + cachedP;
            }
            if (type < 0 || length < 0 || length > max) {
                return "length " + length + " type " + type;
            }
            int size = recordSize(length);
            return index + size <= capacity && cachedP - position >= size ? null
                    : "record of " + size + " bytes at index " + index + " position " + position + ", producer at " + cachedP;
        }

        /** Re-walks every header the victim read in one call and checks what it delivered and where it ended. */
        private void walk(long before, List<int[]> delivered, int count, boolean typed) {
            check(!readRejected, "the consumer accepted an invalid producer position");
            long cursor = walkHeaders(before, delivered, headers.size(), typed);
            check(count == delivered.size(), "poll counted " + count + " but delivered " + delivered.size());
            check(victim.position() == cursor, "consumer at " + victim.position() + ", records end at " + cursor);
            check(cachedP - cursor >= 0, "consumer passed the producer position");
            if (cursor != before) {
                check(publishedByVictim == cursor, "consumer published " + publishedByVictim + ", not " + cursor);
            }
        }

        private long walkHeaders(long before, List<int[]> delivered, int valid, boolean typed) {
            long cursor = before;
            int k = 0;
            for (int i = 0; i < valid; i++) {
                int index = (int) headers.get(i)[0];
                long header = headers.get(i)[1];
                check(index == indexOf(cursor), "header read at index " + index + ", consumer at " + cursor);
                String problem = judge(cursor, index, header);
                check(problem == null, "the consumer accepted a bad header: " + problem);
                if (headerType(header) == PADDING_TYPE) {
                    cursor += capacity - index;
                } else {
                    check(k < delivered.size(), "a record was accepted but not delivered");
                    int[] seen = delivered.get(k++);
                    check(seen[0] == headerLength(header) && (!typed || seen[1] == headerType(header)),
                            "delivered length " + seen[0] + " type " + seen[1] + ", header says " + headerLength(header)
                                    + " " + headerType(header));
                    cursor += recordSize(headerLength(header));
                }
            }
            check(k == delivered.size(), "delivered " + delivered.size() + " records, accepted " + k);
            return cursor;
        }

        /** The victim threw RingCorruptedException: it must have been right to, and stay poisoned. */
        private void rejected(long before, List<int[]> delivered, RingCorruptedException e) {
            check(victim.isPoisoned(), "threw without poisoning");
            long cursor;
            if (readRejected) {
                check(headers.isEmpty(), "read records after an invalid producer position");
                cursor = before;
            } else {
                check(!headers.isEmpty(), "rejected a valid producer position: " + e.getMessage());
                cursor = walkHeaders(before, delivered, headers.size() - 1, true);
                long[] last = headers.get(headers.size() - 1);
                check(last[0] == indexOf(cursor), "rejected header read at the wrong index");
                check(judge(cursor, (int) last[0], last[1]) != null,
                        "rejected a valid header " + Long.toHexString(last[1]) + ": " + e.getMessage());
            }
            check(victim.position() == cursor, "poisoned consumer at " + victim.position() + ", valid records end at " + cursor);
            poison = e.getMessage();
        }

        private void checkStaysPoisoned() {
            startCall();
            try {
                victim.poll(view -> {
                    throw new AssertionError("a poisoned consumer delivered a record");
                }, 1);
                throw new AssertionError("a poisoned consumer polled");
            } catch (RingCorruptedException again) {
                check(poison.equals(again.getMessage()), "poison message changed: " + again.getMessage());
            }
            try {
                victim.read(ByteBuffer.allocate(max));
                throw new AssertionError("a poisoned consumer read");
            } catch (RingCorruptedException again) {
                check(poison.equals(again.getMessage()), "poison message changed: " + again.getMessage());
            }
            endCall();
            check(headers.isEmpty(), "a poisoned consumer read shared memory");
        }

        /** The consumer's accessor, instrumented: the peer acts before each access; every access is checked. */
        final class VictimRing extends SharedRing {
            VictimRing(ByteBuffer region) {
                super(region);
            }

            @Override
            long readProducerPosition() {
                peerMayAct();
                long position = super.readProducerPosition();
                if (inCall) {
                    if ((position & 7) == 0 && position - cachedP >= 0 && position - head <= capacity) {
                        cachedP = position;
                    } else {
                        readRejected = true;
                    }
                }
                return position;
            }

            @Override
            long readRecordHeader(int index) {
                peerMayAct();
                checkDataRange("record header read", index, RECORD_HEADER_LENGTH);
                check(index % 8 == 0, "misaligned header read at " + index);
                check(headers.size() <= capacity / 8, "more header reads in one call than the ring holds: a loop");
                long header = super.readRecordHeader(index);
                headers.add(new long[] {index, header});
                recordIndex = index;
                recordLength = headerLength(header);
                return header;
            }

            private void payload(int index, int length) {
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
                peerMayAct();
                check(inCall, "consumer position published outside a call");
                publishedByVictim = value & POSITION_MASK;
                return super.publishConsumerPosition(expected, value);
            }

            @Override
            long readConsumerPosition() {
                check(!inCall, "the consumer re-read its own position from shared memory");
                return super.readConsumerPosition();
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
        /** Whether the peer did anything but honest consuming (then the honest half may see garbage). */
        private boolean tainted;
        /** The consumer position the victim accepted last: its cache is never anything else. */
        private long acquiredC;
        private long publishedByVictim;
        private boolean readRejected;
        /** Loads of the consumer position in the current call. */
        private int readsThisCall;
        private long callBase;
        /** Headers the victim wrote and has not published yet, by position. */
        private final Map<Long, Long> written = new HashMap<>();
        /** Records committed and not yet published: {length, type}. */
        private final ArrayDeque<int[]> committed = new ArrayDeque<>();
        /** Records published and not yet seen by the honest consumer. */
        private final ArrayDeque<int[]> inFlight = new ArrayDeque<>();
        private ClaimedRecord claim;
        private boolean claimOpen;
        private int claimLength;
        private int claimType;
        private long claimPosition;
        private String poison;

        ProducerScript(FuzzedDataProvider data) {
            super(data);
        }

        void run() {
            setInitialPositions();
            long producer = peer.readProducerPosition();
            long consumer = peer.readConsumerPosition();
            try {
                honest = new RingConsumer(peer, config, null);
            } catch (RingCorruptedException e) {
                honest = null;
            }
            try {
                victim = new RingProducer(new VictimRing(raw), config, null);
            } catch (RingCorruptedException e) {
                check(!positionsValid(producer, consumer), "attach refused valid positions: " + e.getMessage());
                return;
            }
            check(positionsValid(producer, consumer), "attach accepted positions " + producer + ", " + consumer);
            acquiredC = consumer;
            publishedByVictim = producer;
            tainted = producer != consumer; // whatever lies between them was not written by us
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

        @Override
        void peerAction() {
            switch (data.consumeInt(0, 3)) {
                case 0 -> honestConsumes();
                case 1 -> {
                    tainted = true;
                    long position = data.consumeBoolean() ? data.consumeLong()
                            : publishedByVictim - data.consumeInt(-2, capacity / 8 + 2) * 8L
                                    + (data.consumeBoolean() ? data.consumeInt(1, 7) : 0);
                    peer.scribble(RingLayout.CONSUMER_POSITION_OFFSET, position);
                }
                case 2 -> {
                    tainted = true;
                    peerWritesLongAnywhere();
                }
                default -> {
                    tainted = true;
                    peerWritesBytes();
                }
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
            } catch (RingCorruptedException e) {
                check(tainted, "an honest consumer found our own output corrupt: " + e.getMessage());
                honest = null;
            }
        }

        private void startCall() {
            readRejected = false;
            readsThisCall = 0;
            callBase = victim.position();
            beginCall();
        }

        /** After a call that returned normally. */
        private void returned() {
            endCall();
            check(!readRejected, "the producer accepted an invalid consumer position");
        }

        /** After a call that threw: exactly the expected exception, or a justified RingCorruptedException. */
        private void threw(RuntimeException e, Class<? extends RuntimeException> expected) {
            endCall();
            if (expected != null) {
                if (!expected.isInstance(e)) {
                    throw new AssertionError("expected " + expected.getSimpleName() + ", got " + e, e);
                }
                if (e instanceof RingCorruptedException) {
                    check(poison.equals(e.getMessage()), "poison message changed: " + e.getMessage());
                }
                return;
            }
            if (e instanceof RingCorruptedException && poison == null) {
                check(readRejected, "rejected a valid consumer position: " + e.getMessage());
                check(victim.isPoisoned(), "threw without poisoning");
                poison = e.getMessage();
                return;
            }
            throw new AssertionError("unexpected exception", e);
        }

        private static void noExceptionExpected(Class<? extends RuntimeException> expected) {
            check(expected == null, "expected " + (expected == null ? "" : expected.getSimpleName()) + ", got none");
        }

        /** What tryClaim must throw before doing anything, in its documented order. */
        private Class<? extends RuntimeException> claimProblem(int length, int type) {
            if (poison != null) {
                return RingCorruptedException.class;
            }
            if (claimOpen) {
                return IllegalStateException.class;
            }
            if (length < 0 || length > max || type < 0) {
                return IllegalArgumentException.class;
            }
            return null;
        }

        /** A refusal must be true by the consumer position the victim read, in this very call. */
        private void checkFull(long tail, int length) {
            check(readsThisCall > 0, "answered full from its cached consumer position without re-reading it");
            int size = recordSize(length);
            int toEnd = capacity - indexOf(tail);
            long needed = size > toEnd ? toEnd + size : size;
            check(tail + needed - acquiredC > capacity, "refused a record of " + length + " bytes with room: tail "
                    + tail + ", consumer " + acquiredC);
        }

        private void tryClaim() {
            int length = data.consumeInt(-2, max + 2);
            int type = data.consumeInt(-2, 6);
            Class<? extends RuntimeException> expected = claimProblem(length, type);
            long tail = victim.position();
            startCall();
            try {
                ClaimedRecord record = victim.tryClaim(length, type);
                returned();
                noExceptionExpected(expected);
                if (record == null) {
                    checkFull(tail, length);
                    check(victim.position() == tail, "a refused claim moved the producer");
                    return;
                }
                claim = record;
                claimOpen = true;
                claimLength = length;
                claimType = type;
                claimPosition = victim.position();
                check(record.length() == length, "claimed " + record.length() + " bytes, asked " + length);
                check(claimPosition + recordSize(length) - (acquiredC + capacity) <= 0, "claimed unconsumed bytes");
            } catch (RuntimeException e) {
                threw(e, expected);
            }
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
                expected = IllegalStateException.class;
            } else if (offset < 0 || offset > claimLength - size) {
                expected = IndexOutOfBoundsException.class;
            } else {
                expected = null;
            }
            startCall();
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
            Class<? extends RuntimeException> expected = poison != null ? RingCorruptedException.class
                    : !claimOpen ? IllegalStateException.class : null;
            if (expected == null && how != 2) {
                committed.addLast(new int[] {claimLength, claimType}); // the publish inside commit walks it
            }
            startCall();
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
                if (how == 0) {
                    check(publishedByVictim == victim.position(), "commit did not publish");
                }
            } catch (RuntimeException e) {
                threw(e, expected);
            }
        }

        private void publish() {
            Class<? extends RuntimeException> expected = poison != null ? RingCorruptedException.class : null;
            startCall();
            try {
                victim.publish();
                returned();
                noExceptionExpected(expected);
                check(publishedByVictim == victim.position(), "publish did not publish the producer position");
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
            long tail = victim.position();
            if (expected == null) {
                committed.addLast(new int[] {length, type}); // the publish inside offer walks it
            }
            startCall();
            try {
                boolean offered = victim.offer(src, offset, length, type);
                returned();
                noExceptionExpected(expected);
                if (offered) {
                    check(publishedByVictim == victim.position(), "offer did not publish");
                    check(committed.isEmpty(), "offer left records unpublished");
                } else {
                    committed.pollLast();
                    checkFull(tail, length);
                    check(victim.position() == tail, "a refused offer moved the producer");
                }
            } catch (RuntimeException e) {
                threw(e, expected);
            }
        }

        /** Where a write at data {@code index} lands, counting forward from the call's starting position. */
        private long positionOf(int index) {
            return callBase + ((index - indexOf(callBase)) & (capacity - 1));
        }

        private void checkWrite(String what, int index, int length) {
            peerMayAct();
            check(inCall, what + " outside a call");
            checkDataRange(what, index, length);
            long position = positionOf(index);
            check(position - publishedByVictim >= 0, what + " at " + position + " rewrites published bytes (published "
                    + publishedByVictim + ")");
            check(position + length - (acquiredC + capacity) <= 0, what + " at " + position + " of " + length
                    + " bytes overwrites bytes the consumer has not released (consumer at " + acquiredC + ")");
        }

        private void checkPayloadWrite(int index, int length) {
            checkWrite("payload write", index, length);
            if (claimOpen) {
                long position = positionOf(index);
                check(position - (claimPosition + RECORD_HEADER_LENGTH) >= 0
                                && position + length - (claimPosition + RECORD_HEADER_LENGTH + claimLength) <= 0,
                        "payload write at " + position + " outside the claim at " + claimPosition);
            }
        }

        /** The victim publishes: every byte up to the new position must be a record it committed, or padding. */
        private void published(long position) {
            peerMayAct();
            check(inCall, "producer position published outside a call");
            check((position & 7) == 0, "misaligned producer position " + position);
            check(position - publishedByVictim > 0, "producer position " + position + " does not move forward from "
                    + publishedByVictim);
            check(position - acquiredC <= capacity, "published more than the capacity ahead of the consumer");
            long cursor = publishedByVictim;
            while (cursor != position) {
                Long header = written.remove(cursor);
                check(header != null, "published bytes at " + cursor + " where the producer wrote no header");
                int index = indexOf(cursor);
                int length = headerLength(header);
                int type = headerType(header);
                long size;
                if (type == PADDING_TYPE) {
                    check(length == capacity - index - RECORD_HEADER_LENGTH, "padding does not run to the region end");
                    size = capacity - index;
                } else {
                    int[] expected = committed.pollFirst();
                    check(expected != null && expected[0] == length && expected[1] == type,
                            "published a record (" + length + ", " + type + ") that was not committed next");
                    check(index + recordSize(length) <= capacity, "published record crosses the region end");
                    size = recordSize(length);
                    inFlight.addLast(expected);
                }
                check(position - (cursor + size) >= 0, "a published record runs past the producer position");
                cursor += size;
            }
            check(committed.isEmpty(), "committed records left unpublished after a publish");
            check(written.isEmpty(), "headers written beyond the published position");
            publishedByVictim = position;
        }

        /** The producer's accessor, instrumented: the peer acts before each access; every access is checked. */
        final class VictimRing extends SharedRing {
            VictimRing(ByteBuffer region) {
                super(region);
            }

            @Override
            long readConsumerPosition() {
                peerMayAct();
                long position = super.readConsumerPosition();
                if (inCall) {
                    readsThisCall++;
                    if ((position & 7) == 0 && position - acquiredC >= 0 && publishedByVictim - position >= 0) {
                        acquiredC = position;
                    } else {
                        readRejected = true;
                    }
                }
                return position;
            }

            @Override
            long readProducerPosition() {
                check(!inCall, "the producer re-read its own position from shared memory");
                return super.readProducerPosition();
            }

            @Override
            boolean publishProducerPosition(long expected, long value) {
                published(value & POSITION_MASK);
                return super.publishProducerPosition(expected, value);
            }

            @Override
            boolean publishConsumerPosition(long expected, long value) {
                throw new AssertionError("the producer wrote the consumer position");
            }

            @Override
            boolean writePadding(int index, long expected, int length) {
                checkWrite("padding header", index, RECORD_HEADER_LENGTH);
                written.put(positionOf(index), packHeader(length, PADDING_TYPE));
                return super.writePadding(index, expected, length);
            }

            @Override
            boolean writeRecordHeader(int index, long expected, int length, int type) {
                checkWrite("record header", index, RECORD_HEADER_LENGTH);
                written.put(positionOf(index), packHeader(length, type));
                return super.writeRecordHeader(index, expected, length, type);
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
