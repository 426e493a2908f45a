package io.dataport.c;

import io.dataport.queue.ClaimedRecord;
import io.dataport.queue.Region;
import io.dataport.queue.RegionGeometry;
import io.dataport.queue.RegionLayout;
import io.dataport.queue.RegionOptions;
import io.dataport.queue.RingConsumer;
import io.dataport.queue.RingLayout;
import io.dataport.queue.RingProducer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The golden scenario of docs/c-interop.md in Java, through the public API only: {@link #write}
 * makes the golden image, {@link #read} checks one (on a copy). The C tool's {@code golden-write}
 * and {@code golden-read} do the same; both images must equal
 * {@code c/src/test/resources/golden/region-v3.bin} byte for byte.
 */
final class GoldenScenario {
    static final int SIZE = 65_536;
    static final long TAG = 0x0123456789ABCDEFL;
    static final RegionGeometry GEOMETRY = RegionGeometry.pair(SIZE, 0, 1, TAG);
    static final int PRODUCER_HOLDER = 0x50524F44; // "PROD"
    static final int CONSUMER_HOLDER = 0x434F4E53; // "CONS"
    static final long STREAM_0 = 1;
    static final long STREAM_1 = 2;
    static final int RECORDS_0 = 60;
    static final int RECORDS_1 = 10;

    private GoldenScenario() {
    }

    /** The fixture, in the module's source tree (surefire runs in the module folder). */
    static Path fixture() {
        return CBuild.moduleDir().resolve("src/test/resources/golden/region-v3.bin");
    }

    /** Options for the producers (and so the formatter) or the consumers: a fixed holder, no keeper. */
    static RegionOptions options(int holder) {
        return RegionOptions.defaults().withHolder(holder).withKeeper(false);
    }

    /** {@code skip(p)}: a position whose data offset lies in the lap prefix moves to the prefix's end. */
    static long skip(long position, int capacity, int lapPrefix) {
        long offset = Math.floorMod(position, (long) capacity);
        return offset < lapPrefix ? position - offset + lapPrefix : position;
    }

    /** Whether record {@code k} of ring 0 has the scenario's own length ({@code toEnd - 8} if that fits). */
    static boolean special(long k) {
        return k % 10 == 9;
    }

    /** Creates {@code file} (65,536 zero bytes, 0600) and runs the scenario on it. Returns its lengths of ring 0's records. */
    static int[] write(Path file) {
        Region.createFile(file, SIZE);
        int capacity = GEOMETRY.rings().get(0).capacity();
        int max = GEOMETRY.rings().get(0).maxRecordLength();
        int prefix = GEOMETRY.lapPrefix(0);
        int[] lengths = new int[RECORDS_0];
        RecordStream.Checker checker = new RecordStream.Checker(STREAM_0, k -> lengths[(int) k], 0);
        // 1. P0 (its region formats: the producers' holder), C0.
        try (Region producers = Region.open(file, GEOMETRY, options(PRODUCER_HOLDER));
             Region consumers = Region.open(file, GEOMETRY, options(CONSUMER_HOLDER))) {
            RingProducer p0 = producers.attachProducer(0);
            RingConsumer c0 = consumers.attachConsumer(0);
            // 2. Records 0 .. 59 of stream 1, batched by threes, those ending a lap sized to fill it.
            for (int k = 0; k < RECORDS_0; k++) {
                int length = RecordStream.length(STREAM_0, k, max);
                if (special(k)) {
                    long toEnd = capacity - Math.floorMod(skip(p0.position(), capacity, prefix), (long) capacity);
                    if (toEnd - 8 <= max) {
                        length = (int) (toEnd - 8);
                    }
                }
                lengths[k] = length;
                int type = RecordStream.type(STREAM_0, k);
                ClaimedRecord record = p0.tryClaim(length, type);
                if (record == null) {
                    p0.publish();
                    c0.poll(checker::check, 1000);
                    record = p0.tryClaim(length, type);
                    if (record == null) {
                        throw new AssertionError("golden scenario: record " + k + " (" + length
                                + " bytes) does not fit after the consumer polled");
                    }
                }
                RecordStream.fill(STREAM_0, k, length, record);
                if (k % 3 == 2) {
                    p0.commit();
                } else {
                    p0.commitBatched();
                }
            }
            // 3.
            p0.publish();
            c0.poll(checker::check, 4);
            // 4. P1: records 0 .. 9 of stream 2, each committed; ring 1 has no consumer.
            RingProducer p1 = producers.attachProducer(1);
            int max1 = GEOMETRY.rings().get(1).maxRecordLength();
            for (int k = 0; k < RECORDS_1; k++) {
                int length = RecordStream.length(STREAM_1, k, max1);
                ClaimedRecord record = p1.tryClaim(length, RecordStream.type(STREAM_1, k));
                if (record == null) {
                    throw new AssertionError("golden scenario: record " + k + " of ring 1 (" + length
                            + " bytes) does not fit");
                }
                RecordStream.fill(STREAM_1, k, length, record);
                p1.commit();
            }
            // 5.
            p0.close();
            p1.close();
            c0.close();
        }
        return lengths;
    }

    /**
     * The reading check of docs/c-interop.md on {@code copy} (a copy of a golden image: it is
     * written): the directory ready with its checksum; ring 0's consumer (epoch 2) finds records
     * {@code k0 .. 59} of stream 1 for one {@code k0 > 0}; ring 1's consumer finds records 0 .. 9 of
     * stream 2; ring 0's producer (epoch 2) commits record 60, which the consumer then reads.
     * Returns a one-line summary; throws {@link AssertionError} on the first difference.
     */
    static String read(Path copy) {
        requireReadyDirectory(copy);
        int max = GEOMETRY.rings().get(0).maxRecordLength();
        try (Region region = Region.open(copy, GEOMETRY, RegionOptions.defaults().withKeeper(false))) {
            int k0;
            try (RingConsumer c0 = region.attachConsumer(0)) {
                check(c0.leaseEpoch() == 2, "ring 0's consumer attached with epoch " + c0.leaseEpoch() + ", expected 2");
                List<byte[]> records = new ArrayList<>();
                List<int[]> headers = new ArrayList<>();
                while (c0.poll(r -> {
                    byte[] b = new byte[r.length()];
                    r.getBytes(0, b, 0, b.length);
                    records.add(b);
                    headers.add(new int[] {r.length(), r.type()});
                }, 1000) > 0) {
                    // until empty
                }
                k0 = RECORDS_0 - records.size();
                check(k0 > 0, "ring 0 holds " + records.size() + " records: more than the 60 written, or none was consumed");
                for (int i = 0; i < records.size(); i++) {
                    long k = k0 + i;
                    int length = headers.get(i)[0];
                    int type = headers.get(i)[1];
                    String at = "ring 0, record " + i + " of " + records.size() + " (record " + k + " of stream 1)";
                    if (!special(k)) {
                        check(length == RecordStream.length(STREAM_0, k, max), at + ": length " + length
                                + ", expected " + RecordStream.length(STREAM_0, k, max));
                    }
                    check(type == RecordStream.type(STREAM_0, k), at + ": type " + type + ", expected "
                            + RecordStream.type(STREAM_0, k));
                    int diff = java.util.Arrays.mismatch(records.get(i), RecordStream.payload(STREAM_0, k, length));
                    check(diff < 0, at + ": payload byte " + diff + " differs");
                }
                try (RingConsumer c1 = region.attachConsumer(1)) {
                    RecordStream.Checker checker1 = new RecordStream.Checker(STREAM_1,
                            GEOMETRY.rings().get(1).maxRecordLength(), 0);
                    while (c1.poll(checker1::check, 1000) > 0) {
                        // until empty
                    }
                    check(checker1.next() == RECORDS_1, "ring 1 held " + checker1.next() + " records, expected "
                            + RECORDS_1);
                }
                try (RingProducer p0 = region.attachProducer(0)) {
                    check(p0.leaseEpoch() == 2, "ring 0's producer attached with epoch " + p0.leaseEpoch() + ", expected 2");
                    int length = RecordStream.length(STREAM_0, RECORDS_0, max);
                    ClaimedRecord record = p0.tryClaim(length, RecordStream.type(STREAM_0, RECORDS_0));
                    check(record != null, "ring 0's producer found no room for record 60 (" + length + " bytes) in an empty ring");
                    RecordStream.fill(STREAM_0, RECORDS_0, length, record);
                    p0.commit();
                }
                RecordStream.Checker checker = new RecordStream.Checker(STREAM_0, max, RECORDS_0);
                while (c0.poll(checker::check, 1000) > 0) {
                    // until empty
                }
                check(checker.next() == RECORDS_0 + 1, "ring 0's consumer got " + (checker.next() - RECORDS_0)
                        + " records after the producer committed record 60, expected 1");
            }
            return "golden image read: ring 0 records " + k0 + " .. 59 of stream 1, ring 1 records 0 .. 9 of"
                    + " stream 2, record 60 committed and read";
        }
    }

    private static void check(boolean ok, String problem) {
        if (!ok) {
            throw new AssertionError("golden read: " + problem);
        }
    }

    /** The directory page says ready, generation 1, and its checksum is the CRC32C of bytes 8 .. 4095. */
    private static void requireReadyDirectory(Path image) {
        byte[] page = new byte[RegionLayout.DIRECTORY_LENGTH];
        try (var in = Files.newInputStream(image)) {
            check(in.readNBytes(page, 0, page.length) == page.length, image + " is shorter than a directory page");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long word = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        check((word >>> 56) == RegionLayout.READY, "the format word 0x" + Long.toHexString(word) + " is not ready ('R')");
        CRC32C crc = new CRC32C();
        crc.update(page, 8, page.length - 8);
        check((int) word == (int) crc.getValue(), "the format word's checksum 0x" + Integer.toHexString((int) word)
                + " is not the CRC32C of directory bytes 8 .. 4095, 0x" + Integer.toHexString((int) crc.getValue()));
    }

    /**
     * Where byte {@code offset} of a golden image lies: the directory page (and its field), a ring's
     * header page (and its field), or a ring's data (and the data offset).
     */
    static String structureAt(long offset) {
        for (int i = 0; i < GEOMETRY.rings().size(); i++) {
            long span = GEOMETRY.ringOffset(i);
            int capacity = GEOMETRY.rings().get(i).capacity();
            int prefix = GEOMETRY.lapPrefix(i);
            if (offset < span || offset >= span + capacity) {
                continue;
            }
            long headerPage = span + prefix - RingLayout.HEADER_LENGTH;
            if (offset < headerPage) {
                return "directory page, " + directoryField((int) offset);
            }
            if (offset < span + prefix) {
                return "ring " + i + " header page, " + headerField((int) (offset - headerPage));
            }
            return "ring " + i + " data, data offset " + (offset - span);
        }
        return "past the rings (region size " + GEOMETRY.size() + ")";
    }

    private static String directoryField(int at) {
        if (at >= RegionLayout.SLOTS_OFFSET && at < RegionLayout.SLOTS_OFFSET + RegionLayout.MAX_RINGS * RegionLayout.SLOT_LENGTH) {
            int slot = (at - RegionLayout.SLOTS_OFFSET) / RegionLayout.SLOT_LENGTH;
            int in = (at - RegionLayout.SLOTS_OFFSET) % RegionLayout.SLOT_LENGTH;
            String field = in < 8 ? "ring offset" : in < 12 ? "capacity" : in < 16 ? "max record length"
                    : in < 20 ? "producer node" : in < 24 ? "consumer node" : in < 32 ? "ring id"
                    : in < 36 ? "lap prefix" : "unused";
            return "ring slot " + slot + " (" + field + ", byte " + in + " of the slot)";
        }
        String field = at < 8 ? "format word (state, generation, checksum)" : at < 16 ? "magic" : at < 20 ? "layout version"
                : at < 24 ? "directory length" : at < 32 ? "region size" : at < 36 ? "ring count"
                : at >= 40 && at < 48 ? "tag" : "unused";
        return field + " (byte " + at + " of the page)";
    }

    private static String headerField(int at) {
        String field;
        if (at >= RingLayout.HOLE_TABLE_OFFSET && at < RingLayout.HOLE_TABLE_OFFSET + RingLayout.HOLE_SLOTS * 8) {
            field = "hole table slot " + (at - RingLayout.HOLE_TABLE_OFFSET) / 8;
        } else {
            field = switch (at & ~7) {
                case 0 -> "magic";
                case 8 -> at < 12 ? "layout version" : "header length";
                case 16 -> "capacity";
                case 24 -> at < 28 ? "max record length" : "lap prefix";
                case 32 -> "creation epoch";
                case 40 -> "tag";
                case 128 -> "producer position word";
                case 136 -> "producer lease word";
                case 144 -> "producer heartbeat";
                case 152 -> "reservation word";
                case 256 -> "consumer position word";
                case 264 -> "consumer lease word";
                case 272 -> "consumer heartbeat";
                case 384 -> at < 388 ? "consumer needs wake-up" : "unused";
                case 512 -> at < 516 ? "producer needs wake-up" : "unused";
                default -> "unused";
            };
        }
        return field + " (byte " + at + " of the page)";
    }
}
