package io.dataport.queue;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The sizes of a ring, their boundaries and messages; the layout helpers; the header of an anonymous ring. */
class RingConfigAndLayoutTest {

    @Test
    void capacityBoundariesAreInclusive() {
        assertEquals(64, new RingConfig(64, 24).capacity(), "the smallest ring");
        assertEquals(1 << 30, RingConfig.of(1 << 30).capacity(), "the largest ring");
        assertEquals((1 << 30) / 2 - 8, RingConfig.of(1 << 30).maxRecordLength());
        assertProblem("capacity 32 is outside [64, 1073741824]", () -> new RingConfig(32, 8));
        assertEquals("capacity 2147483648 is outside [64, 1073741824]", RingConfig.problem(1L << 31, 0));
        assertNull(RingConfig.problem(1L << 30, 0));
        assertNull(RingConfig.problem(64, 0));
    }

    @Test
    void maxRecordLengthBoundariesAreInclusive() {
        assertEquals(0, new RingConfig(64, 0).maxRecordLength());
        assertEquals(24, new RingConfig(64, 24).maxRecordLength(), "half of 64, less the 8-byte header");
        assertProblem("max record length 25 is outside [0, 24] (a record may take at most half of the capacity 64)",
                () -> new RingConfig(64, 25));
        assertProblem("max record length -1 is outside [0, 24] (a record may take at most half of the capacity 64)",
                () -> new RingConfig(64, -1));
    }

    @Test
    void capacityMustBeAPositivePowerOfTwo() {
        assertProblem("capacity 0 is not a power of two", () -> new RingConfig(0, 0));
        assertProblem("capacity -64 is not a power of two", () -> new RingConfig(-64, 0));
        assertProblem("capacity 96 is not a power of two", () -> RingConfig.of(96));
        assertProblem("capacity 0 is not a power of two", () -> RingConfig.of(0));
        assertFalse(RingLayout.isPowerOfTwo(0));
        assertFalse(RingLayout.isPowerOfTwo(-8));
        assertFalse(RingLayout.isPowerOfTwo(Long.MIN_VALUE));
        assertTrue(RingLayout.isPowerOfTwo(1));
        assertTrue(RingLayout.isPowerOfTwo(1L << 62));
    }

    @Test
    void layoutHelpers() {
        assertEquals(504, RingLayout.maxRecordLengthFor(1024));
        assertEquals(24, RingLayout.maxRecordLengthFor(64));
        assertEquals(8, RingLayout.recordSize(0));
        assertEquals(16, RingLayout.recordSize(1));
        assertEquals(16, RingLayout.recordSize(8));
        assertEquals(24, RingLayout.recordSize(9));
        long header = RingLayout.packHeader(1000, 7);
        assertEquals(1000, RingLayout.headerLength(header));
        assertEquals(7, RingLayout.headerType(header));
        long padding = RingLayout.packHeader(-5, RingLayout.PADDING_TYPE);
        assertEquals(-5, RingLayout.headerLength(padding), "a negative length survives the packing for validation");
        assertEquals(RingLayout.PADDING_TYPE, RingLayout.headerType(padding));
        assertEquals(4096 + 1024, new RingConfig(1024, 8).fileLength());
    }

    @Test
    void anAnonymousRingHasAValidHeader() {
        RingConfig config = new RingConfig(1024, 256);
        SharedRing ring = SharedRing.allocate(config, 42);
        assertEquals(RingLayout.MAGIC, ring.readMagic());
        assertEquals(42, ring.readTag());
        assertEquals(1, ring.readCreationEpoch());
        assertEquals(config.fileLength(), ring.regionLength());
        assertNull(RingHeader.problem(ring, config.fileLength()));
        assertEquals(config, RingHeader.config(ring));
        assertEquals(0, ring.readProducerEpoch());
        assertEquals(1, ring.advanceProducerEpoch());
        assertEquals(2, ring.advanceProducerEpoch());
        assertEquals(2, ring.readProducerEpoch());
        assertEquals(1, ring.advanceConsumerEpoch());
        assertEquals(1, ring.readConsumerEpoch());
        assertSame(ring.region(), ring.region());
        assertEquals(config.fileLength(), ring.region().capacity());
    }

    @Test
    void aRingNeedsADirectBuffer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SharedRing(ByteBuffer.allocate(8192)));
        assertEquals("a ring needs a direct or mapped buffer", e.getMessage());
    }

    @Test
    void wakeUpFlagsAreSeparateWords() {
        SharedRing ring = SharedRing.allocate(new RingConfig(1024, 256), 0);
        ring.writeConsumerNeedsWakeup(5);
        assertEquals(5, ring.readConsumerNeedsWakeup());
        assertEquals(0, ring.readProducerNeedsWakeup());
        ring.writeProducerNeedsWakeup(-3);
        assertEquals(-3, ring.readProducerNeedsWakeup());
        assertEquals(5, ring.readConsumerNeedsWakeup());
    }

    private static void assertProblem(String message, org.junit.jupiter.api.function.Executable call) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, call).getMessage());
    }
}
