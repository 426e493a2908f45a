package io.dataport.c;

import static org.junit.jupiter.api.Assertions.*;

import io.dataport.queue.ClaimedRecord;
import io.dataport.queue.Region;
import io.dataport.queue.RegionGeometry;
import io.dataport.queue.RegionOptions;
import io.dataport.queue.RingConsumer;
import io.dataport.queue.RingProducer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The record stream of docs/c-interop.md: a few values pinned (the C side must compute the same),
 * and the shares the contract states.
 */
class RecordStreamTest {

    @Test
    void mixIsSplitMix64() {
        assertEquals(0xE220A8397B1DCDAFL, RecordStream.mix(0), "SplitMix64's first output for seed 0");
    }

    @Test
    void pinnedRecords() {
        assertEquals(0x910A2DEC89025CC1L, RecordStream.r(1, 0));
        assertEquals(92, RecordStream.length(1, 0, 12_280));
        assertEquals(325, RecordStream.type(1, 0));
        assertEquals(3535, RecordStream.length(1, 1, 12_280));
        assertEquals(86, RecordStream.length(2, 0, 12_280));
        assertEquals(517, RecordStream.type(2, 0));
        // r mod 100 >= 95: the length depends on max
        assertEquals(0x8E679CD8B88FD6F9L, RecordStream.r(11, 2));
        assertEquals(5585, RecordStream.length(11, 2, 12_280));
        assertEquals(59_784, RecordStream.length(11, 2, 258_040));
        // bytes 0..7 hold k when length >= 8; shorter records are all mix(r ^ 0)
        assertEquals("00000000000000001ef25ad64960fde96b067396", HexFormat.of().formatHex(RecordStream.payload(1, 0, 20)));
        assertEquals("5fa434a895", HexFormat.of().formatHex(RecordStream.payload(1, 5, 5)));
    }

    @Test
    void sharesAndBoundsOverTenThousandRecords() {
        int max = 12_280;
        int empty = 0;
        int full = 0;
        for (long k = 0; k < 10_000; k++) {
            int length = RecordStream.length(7, k, max);
            assertTrue(length >= 0 && length <= max, "record " + k + ": length " + length);
            int type = RecordStream.type(7, k);
            assertTrue(type >= 0 && type < 1000, "record " + k + ": type " + type);
            empty += length == 0 ? 1 : 0;
            full += length == max ? 1 : 0;
            if (length >= 8 && k % 97 == 0) {
                byte[] p = RecordStream.payload(7, k, length);
                assertEquals(k, ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN).getLong(0), "record " + k + " carries k");
            }
        }
        assertTrue(empty > 400 && empty < 600, empty + " empty records of 10,000 (5%)");
        assertTrue(full > 400 && full < 600, full + " records of the max length of 10,000 (5%)");
        for (long k = 0; k < 100; k++) {
            assertEquals(0, RecordStream.length(7, k, 0), "a ring whose max is 0 has only empty records");
        }
    }

    @Test
    void theCheckerReportsTheFirstDifferenceInOneLine() {
        RegionGeometry geometry = RegionGeometry.pair(1 << 16, 0, 1, 7);
        try (ShmDir dir = ShmDir.create("dataport-stream-")) {
            Region.createFile(dir.resolve("r"), geometry.size());
            try (Region region = Region.open(dir.resolve("r"), geometry, RegionOptions.defaults().withKeeper(false));
                 RingProducer p = region.attachProducer(0); RingConsumer c = region.attachConsumer(0)) {
                int max = p.maxRecordLength();
                for (long k = 0; k < 3; k++) {
                    int length = RecordStream.length(5, k, max);
                    ClaimedRecord r = p.tryClaim(length, RecordStream.type(5, k));
                    RecordStream.fill(5, k, length, r);
                    if (k == 2) {
                        r.putByte(9, (byte) ~RecordStream.payload(5, k, length)[9]);
                    }
                    p.commit();
                }
                RecordStream.Checker checker = new RecordStream.Checker(5, max, 0);
                AssertionError e = assertThrows(AssertionError.class, () -> c.poll(checker::check, 16));
                assertEquals(2, checker.next(), "records 0 and 1 passed");
                assertTrue(e.getMessage().startsWith("record 2 of stream 5 (length ") && e.getMessage().contains("payload byte 9 is 0x")
                        && !e.getMessage().contains("\n"), e.getMessage());
                assertEquals(e.getMessage(), checker.problem());
            }
        }
    }
}
