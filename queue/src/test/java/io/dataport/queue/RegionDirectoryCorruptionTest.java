package io.dataport.queue;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A directory is shared bytes like any other: every field corrupted in turn is refused with a
 * {@link RegionException} that names it, whether or not the corrupter also fixed the checksum (a
 * hostile peer would); random directories with a valid checksum never give anything else.
 */
class RegionDirectoryCorruptionTest {
    @TempDir
    Path dir;

    /** Each field of the directory, its offset, its size, and a bad value with the words its refusal must contain. */
    record Field(String name, int offset, int size, long bad, String says) {
    }

    static List<Field> fields() {
        int s0 = RegionLayout.slotOffset(0);
        int s1 = RegionLayout.slotOffset(1);
        return List.of(
                new Field("magic", RegionLayout.MAGIC_OFFSET, 8, 0x1234, "magic"),
                new Field("version", RegionLayout.VERSION_OFFSET, 4, 9, "layout version 9"),
                new Field("directory length", RegionLayout.DIRECTORY_LENGTH_OFFSET, 4, 8192, "directory length 8192"),
                new Field("region size", RegionLayout.REGION_SIZE_OFFSET, 8, RegionTest.SIZE * 2, "region size"),
                new Field("ring count", RegionLayout.RING_COUNT_OFFSET, 4, 0, "ring count 0"),
                new Field("ring count high", RegionLayout.RING_COUNT_OFFSET, 4, 1000, "ring count 1000"),
                new Field("tag", RegionLayout.TAG_OFFSET, 8, 43, "another geometry"),
                new Field("ring 0 offset", s0 + RegionLayout.SLOT_RING_OFFSET, 8, 4096, "ring 0 at offset 4096"),
                new Field("ring 1 offset", s1 + RegionLayout.SLOT_RING_OFFSET, 8, Long.MAX_VALUE, "ring 1 at offset"),
                new Field("ring 0 capacity", s0 + RegionLayout.SLOT_CAPACITY, 4, 3 << 16, "not a power of two"),
                new Field("ring 1 capacity", s1 + RegionLayout.SLOT_CAPACITY, 4, 1 << 30, "past the region"),
                new Field("ring 0 small capacity", s0 + RegionLayout.SLOT_CAPACITY, 4, 1 << 14, "capacity 16384 is below 32768"),
                new Field("ring 1 max record", s1 + RegionLayout.SLOT_MAX_RECORD_LENGTH, 4, -1, "max record length -1"),
                new Field("ring 0 producer", s0 + RegionLayout.SLOT_PRODUCER_NODE, 4, 7, "another geometry"),
                new Field("ring 1 consumer", s1 + RegionLayout.SLOT_CONSUMER_NODE, 4, 7, "another geometry"),
                new Field("ring 0 id", s0 + RegionLayout.SLOT_RING_ID, 8, 1, "ring 1 has the id of ring 0"),
                new Field("ring 0 lap prefix", s0 + RegionLayout.SLOT_LAP_PREFIX, 4, 4096, "lap prefix 4096, expected 8192"),
                new Field("ring 1 lap prefix", s1 + RegionLayout.SLOT_LAP_PREFIX, 4, 0, "lap prefix 0, expected 4096"),
                new Field("one ring", RegionLayout.RING_COUNT_OFFSET, 4, 1, "another geometry"),
                new Field("62 rings", RegionLayout.RING_COUNT_OFFSET, 4, 62, "ring 2 at offset 0"),
                new Field("63 rings", RegionLayout.RING_COUNT_OFFSET, 4, 63, "ring count 63"));
    }

    Path formatted() {
        Path file = dir.resolve("c.region");
        Region.createFile(file, RegionTest.SIZE);
        Region.open(file, RegionTest.PAIR, RegionTest.quiet(1)).close();
        return file;
    }

    @Test
    void everyFieldCorruptedInTurnIsRefusedByName() throws IOException {
        for (Field f : fields()) {
            for (boolean fixChecksum : new boolean[] {false, true}) {
                Path file = formatted();
                write(file, f.offset(), f.size(), f.bad());
                if (fixChecksum) {
                    fixChecksum(file);
                }
                RegionException e = assertThrows(RegionException.class,
                        () -> Region.open(file, RegionTest.PAIR, RegionTest.quiet(2)), f.name());
                String expected = fixChecksum ? f.says() : "checksum";
                assertTrue(e.getMessage().contains(expected), f.name() + " (checksum fixed: " + fixChecksum
                        + "): " + e.getMessage());
                java.nio.file.Files.delete(file);
            }
        }
    }

    @Test
    void aCorruptRingHeaderIsRefusedAtAttach() throws IOException {
        Path file = formatted();
        write(file, RegionTest.PAIR.ringOffset(1) + RingLayout.CAPACITY_OFFSET, 8, 1 << 12);
        try (Region r = Region.open(file, RegionTest.PAIR, RegionTest.quiet(2))) {
            assertNotNull(r.attachProducer(0));
            RegionException e = assertThrows(RegionException.class, () -> r.attachConsumer(1));
            assertTrue(e.getMessage().contains("corrupt ring header"), e.getMessage());
        }
    }

    @Test
    void randomDirectoriesWithAValidChecksumGiveOnlyRegionException() {
        long seed = Seeds.seed("RegionDirectoryCorruptionTest.randomDirectories", 20261207L);
        SplittableRandom random = new SplittableRandom(seed);
        ByteBuffer template = ByteBuffer.allocateDirect((int) RegionTest.SIZE);
        Region.wrap(template, "template", RegionTest.PAIR, RegionTest.quiet(1)).close();
        ByteBuffer memory = ByteBuffer.allocateDirect((int) RegionTest.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int round = 0; round < 300; round++) {
            memory.clear();
            memory.put(template.duplicate().clear());
            int flips = 1 + random.nextInt(6);
            for (int i = 0; i < flips; i++) {
                memory.put(8 + random.nextInt(RegionLayout.SLOTS_OFFSET + 2 * RegionLayout.SLOT_LENGTH - 8),
                        (byte) random.nextInt(256));
            }
            byte[] image = new byte[RegionLayout.DIRECTORY_LENGTH];
            memory.get(0, image);
            long word = memory.getLong(0);
            memory.putLong(0, RegionLayout.formatWord(RegionLayout.state(word), RegionLayout.generation(word),
                    RegionDirectory.crc(image))); // what a hostile peer would do
            try (Region r = Region.wrap(memory, "random", null, RegionTest.quiet(2))) {
                // accepted: then it is a valid directory, and every ring in it is inside the region
                for (int i = 0; i < r.geometry().rings().size(); i++) {
                    assertTrue(r.geometry().ringOffset(i) + r.geometry().rings().get(i).capacity()
                            <= RegionTest.SIZE);
                }
            } catch (RegionException expected) {
                assertNotNull(expected.getMessage());
            }
        }
    }

    static void write(Path file, long offset, int size, long value) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        switch (size) {
            case 1 -> b.put(0, (byte) value);
            case 4 -> b.putInt(0, (int) value);
            default -> b.putLong(0, value);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(b, offset);
        }
    }

    /** What a hostile peer would do: recompute the CRC of the directory and put it in the format word. */
    static void fixChecksum(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer page = ByteBuffer.allocate(RegionLayout.DIRECTORY_LENGTH);
            ch.read(page, 0);
            byte[] image = page.array();
            long word = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            long fixed = RegionLayout.formatWord(RegionLayout.state(word), RegionLayout.generation(word),
                    RegionDirectory.crc(image));
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, fixed), 0);
        }
    }
}
