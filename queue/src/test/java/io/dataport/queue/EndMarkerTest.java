package io.dataport.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Layout version 3's end marker (decision 1701, {@code spec/DataportRing.tla}'s NeverFooled) on the
 * real ends: payloads made entirely of words that read as valid record headers go round the ring
 * for many laps, with records of every length, paddings and the lap prefix, while the consumer
 * polls at random moments with random limits. Every byte at every header offset of an earlier lap
 * then imitates a header, so a consumer that ever read one for the next record would deliver a
 * record that was never sent; each delivered record carries its sequence number in its type, so
 * the test sees it at once. Seeds are fixed and printed ({@link Seeds}).
 */
class EndMarkerTest {
    private static final int LAPS = 40;

    @Test
    void payloadsThatImitateHeadersAreNeverTakenForRecords() {
        long seed = Seeds.seed("EndMarkerTest", 1701);
        run(new RingConfig(1024, RingLayout.maxRecordLengthFor(1024)), seed);
    }

    @Test
    void theSameWithALapPrefix() {
        long seed = Seeds.seed("EndMarkerTest.prefix", 1702);
        run(new RingConfig(1024, RingLayout.maxRecordLengthFor(1024, 128), 128), seed);
    }

    private static void run(RingConfig config, long seed) {
        TestRing ring = new TestRing(config, null);
        SplittableRandom random = new SplittableRandom(seed);
        int max = config.maxRecordLength();
        long sent = 0;
        long[] received = {0};
        while (ring.producer.position() < (long) LAPS * config.capacity()) {
            int length = random.nextInt(8) == 0 ? random.nextInt(max + 1) : random.nextInt(64);
            byte[] payload = imitation(length, random);
            if (ring.producer.offer(payload, 0, length, (int) (sent & Integer.MAX_VALUE))) {
                sent++;
            }
            if (random.nextInt(3) == 0 || ring.producer.position() - ring.consumer.position() > config.capacity() / 2) {
                ring.consumer.poll(r -> {
                    assertEquals(received[0] & Integer.MAX_VALUE, r.type(),
                            "record " + received[0] + " (seed " + seed + "): a record nobody sent was delivered");
                    received[0]++;
                }, 1 + random.nextInt(5));
            }
        }
        while (ring.consumer.poll(r -> {
            assertEquals(received[0] & Integer.MAX_VALUE, r.type(), "seed " + seed);
            received[0]++;
        }, 100) > 0) {
            // drain
        }
        assertEquals(sent, received[0], "every record sent was delivered once (seed " + seed + ")");
        assertTrue(sent > LAPS * 8L, "many records went round " + LAPS + " laps: " + sent);
        assertTrue(!ring.consumer.isPoisoned() && !ring.producer.isPoisoned());
    }

    /** A payload whose every 8-byte word reads as a header of a short record of type 0 or 1. */
    private static byte[] imitation(int length, SplittableRandom random) {
        ByteBuffer bytes = ByteBuffer.allocate((length + 7) & -8).order(ByteOrder.LITTLE_ENDIAN);
        while (bytes.remaining() >= 8) {
            bytes.putLong(RingLayout.packHeader(8 * random.nextInt(4), random.nextInt(2)));
        }
        return bytes.array();
    }
}
