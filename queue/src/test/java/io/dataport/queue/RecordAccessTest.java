package io.dataport.queue;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * Every accessor of {@link ClaimedRecord} and {@link RecordView}: each writes and reads exactly the
 * bytes its offset names (never at offset 0 only, where an offset mistake hides), returns the
 * flyweight for chaining, refuses a range that leaves the record or the caller's array or buffer
 * with a message naming the range, and refuses use outside its claim or handler call.
 */
class RecordAccessTest {

    /** The 24-byte payload the tests write piece by piece at offsets 3, 5, 9, 17 and 20. */
    private static byte[] expectedPayload() {
        ByteBuffer expected = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        expected.put(3, (byte) 0x7A);
        expected.putInt(5, 0x11223344);
        expected.putLong(9, 0x0102030405060708L);
        expected.put(17, new byte[] {(byte) 0xA1, (byte) 0xA2, (byte) 0xA3});
        expected.put(20, new byte[] {(byte) 0xB1, (byte) 0xB2, (byte) 0xB3, (byte) 0xB4});
        return expected.array();
    }

    @Test
    void everyClaimedRecordWriterWritesAtItsOffsetAndChains() {
        TestRing ring = new TestRing(1024, 256);
        assertTrue(ring.producer.offer(new byte[40])); // the claim below starts past index 0
        ring.drain();
        ClaimedRecord claim = ring.producer.tryClaim(24, 6);
        assertSame(claim, claim.putByte(3, (byte) 0x7A));
        assertSame(claim, claim.putInt(5, 0x11223344));
        assertSame(claim, claim.putLong(9, 0x0102030405060708L));
        byte[] src = {0, (byte) 0xA1, (byte) 0xA2, (byte) 0xA3, 0};
        assertSame(claim, claim.putBytes(17, src, 1, 3));
        ByteBuffer buffer = ByteBuffer.allocateDirect(8);
        buffer.put(2, new byte[] {(byte) 0xB1, (byte) 0xB2, (byte) 0xB3, (byte) 0xB4}).position(6);
        assertSame(claim, claim.putBytes(20, buffer, 2, 4));
        assertEquals(6, buffer.position(), "the source buffer's position is unchanged");
        ring.producer.commit();
        TestRing.Seen seen = ring.drain().get(0);
        assertEquals(6, seen.type());
        assertArrayEquals(expectedPayload(), seen.payload());
    }

    @Test
    void everyRecordViewReaderReadsAtItsOffset() {
        TestRing ring = new TestRing(1024, 256);
        assertTrue(ring.producer.offer(new byte[40]));
        ring.drain();
        assertTrue(ring.producer.offer(expectedPayload(), 0, 24, 11));
        int handled = ring.consumer.poll(r -> {
            assertEquals(24, r.length());
            assertEquals(11, r.type());
            assertEquals((byte) 0x7A, r.getByte(3));
            assertEquals(0x11223344, r.getInt(5));
            assertEquals(0x0102030405060708L, r.getLong(9));
            byte[] dst = new byte[6];
            r.getBytes(17, dst, 2, 3);
            assertArrayEquals(new byte[] {0, 0, (byte) 0xA1, (byte) 0xA2, (byte) 0xA3, 0}, dst);
            ByteBuffer buffer = ByteBuffer.allocate(8).position(1);
            r.getBytes(20, buffer, 3, 4);
            assertEquals(1, buffer.position(), "the destination buffer's position is unchanged");
            assertArrayEquals(new byte[] {0, 0, 0, (byte) 0xB1, (byte) 0xB2, (byte) 0xB3, (byte) 0xB4, 0},
                    buffer.array());
        }, 1);
        assertEquals(1, handled);
    }

    @Test
    void claimedRecordRefusesEveryWritePastItsLengthWithTheRange() {
        TestRing ring = new TestRing(1024, 256);
        ClaimedRecord claim = ring.producer.tryClaim(12);
        // the ring has room past the claim: only the record's own check can refuse these
        assertOutside(() -> claim.putByte(12, (byte) 1), "range [12, 13) is outside the record's 12 bytes");
        assertOutside(() -> claim.putInt(9, 1), "range [9, 13) is outside the record's 12 bytes");
        assertOutside(() -> claim.putLong(5, 1), "range [5, 13) is outside the record's 12 bytes");
        assertOutside(() -> claim.putLong(-1, 1), "range [-1, 7) is outside the record's 12 bytes");
        assertOutside(() -> claim.putBytes(4, new byte[16], 0, 9), "range [4, 13) is outside the record's 12 bytes");
        assertOutside(() -> claim.putBytes(8, ByteBuffer.allocate(16), 0, 8), "range [8, 16) is outside the record's 12 bytes");
        assertOutside(() -> claim.putBytes(0, new byte[4], 2, 4), "range [2, 6) is outside the 4 bytes given");
        assertOutside(() -> claim.putBytes(0, new byte[4], -1, 2), "range [-1, 1) is outside the 4 bytes given");
        assertOutside(() -> claim.putBytes(0, ByteBuffer.allocate(8).limit(4), 1, 4),
                "range [1, 5) is outside the 4 bytes given");
        // the exact fit is accepted at every width
        claim.putByte(11, (byte) 1).putInt(8, 2).putLong(4, 3).putBytes(0, new byte[12], 0, 12)
                .putBytes(0, ByteBuffer.allocate(12), 0, 12);
        ring.producer.abort();
        assertEquals(0, ring.producer.position(), "the refused writes opened nothing and the abort dropped the claim");
    }

    @Test
    void recordViewRefusesEveryReadPastItsLengthWithTheRange() {
        TestRing ring = new TestRing(1024, 256);
        ring.producer.offer(new byte[12]);
        ring.producer.offer(new byte[40]); // readable bytes follow the record: only its check refuses
        int handled = ring.consumer.poll(r -> {
            assertOutside(() -> r.getByte(12), "range [12, 13) is outside the record's 12 bytes");
            assertOutside(() -> r.getInt(9), "range [9, 13) is outside the record's 12 bytes");
            assertOutside(() -> r.getLong(5), "range [5, 13) is outside the record's 12 bytes");
            assertOutside(() -> r.getBytes(4, new byte[16], 0, 9), "range [4, 13) is outside the record's 12 bytes");
            assertOutside(() -> r.getBytes(8, ByteBuffer.allocate(16), 0, 8), "range [8, 16) is outside the record's 12 bytes");
            assertOutside(() -> r.getBytes(0, new byte[4], 2, 4), "range [2, 6) is outside the 4 bytes given");
            assertOutside(() -> r.getBytes(0, ByteBuffer.allocate(8).limit(4), 1, 4),
                    "range [1, 5) is outside the 4 bytes given");
            r.getByte(11);
            r.getInt(8);
            r.getLong(4);
            r.getBytes(0, new byte[12], 0, 12);
            r.getBytes(0, ByteBuffer.allocate(12), 0, 12);
        }, 1);
        assertEquals(1, handled);
    }

    @Test
    void aClaimIsUnusableOnceCommittedOrAborted() {
        TestRing ring = new TestRing(1024, 256);
        ClaimedRecord claim = ring.producer.tryClaim(16);
        ring.producer.commit();
        assertClosed(claim::length);
        assertClosed(() -> claim.putByte(0, (byte) 1));
        assertClosed(() -> claim.putInt(0, 1));
        assertClosed(() -> claim.putLong(0, 1));
        assertClosed(() -> claim.putBytes(0, new byte[1], 0, 1));
        assertClosed(() -> claim.putBytes(0, ByteBuffer.allocate(1), 0, 1));
        ClaimedRecord again = ring.producer.tryClaim(16);
        assertSame(claim, again, "one flyweight per producer");
        assertEquals(16, again.length());
        ring.producer.abort();
        assertClosed(again::length);
    }

    @Test
    void aRecordViewIsUnusableOutsideItsHandler() {
        TestRing ring = new TestRing(1024, 256);
        ring.producer.offer(new byte[16], 0, 16, 3);
        RecordView[] kept = new RecordView[1];
        ring.consumer.poll(r -> kept[0] = r, 1);
        RecordView view = kept[0];
        assertOutsideHandler(view::length);
        assertOutsideHandler(view::type);
        assertOutsideHandler(() -> view.getByte(0));
        assertOutsideHandler(() -> view.getInt(0));
        assertOutsideHandler(() -> view.getLong(0));
        assertOutsideHandler(() -> view.getBytes(0, new byte[1], 0, 1));
        assertOutsideHandler(() -> view.getBytes(0, ByteBuffer.allocate(1), 0, 1));
    }

    @Test
    void aZeroLengthRecordHasNoBytesToReadOrWrite() {
        TestRing ring = new TestRing(1024, 256);
        ClaimedRecord claim = ring.producer.tryClaim(0, 2);
        assertEquals(0, claim.length());
        claim.putBytes(0, new byte[0], 0, 0).putBytes(0, ByteBuffer.allocate(0), 0, 0);
        assertOutside(() -> claim.putByte(0, (byte) 1), "range [0, 1) is outside the record's 0 bytes");
        ring.producer.commit();
        assertEquals(1, ring.consumer.poll(r -> {
            assertEquals(0, r.length());
            assertOutside(() -> r.getByte(0), "range [0, 1) is outside the record's 0 bytes");
            r.getBytes(0, new byte[0], 0, 0);
        }, 1));
    }

    private static void assertOutside(org.junit.jupiter.api.function.Executable call, String message) {
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, call);
        assertEquals(message, e.getMessage());
    }

    private static void assertClosed(org.junit.jupiter.api.function.Executable call) {
        IllegalStateException e = assertThrows(IllegalStateException.class, call);
        assertEquals("no open claim: the record was already committed or aborted", e.getMessage());
    }

    private static void assertOutsideHandler(org.junit.jupiter.api.function.Executable call) {
        IllegalStateException e = assertThrows(IllegalStateException.class, call);
        assertEquals("record view used outside RecordHandler.onRecord", e.getMessage());
    }
}
