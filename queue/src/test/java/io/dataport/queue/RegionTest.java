package io.dataport.queue;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Regions in one process: formatting, reuse, refusal of other geometries and of corrupt directories. */
class RegionTest {
    static final long SIZE = RegionGeometry.sizeFor(1 << 16, 1 << 16);
    static final RegionGeometry PAIR = RegionGeometry.pair(SIZE, 0, 1, 42);

    @TempDir
    Path dir;

    static RegionOptions quiet(int holder) {
        return RegionOptions.defaults().withHolder(holder).withKeeper(false).withClock(new ManualClock())
                .withLeaseTimeout(Duration.ofSeconds(10));
    }

    Path fresh() {
        Path file = dir.resolve("pair.region");
        Region.createFile(file, SIZE);
        return file;
    }

    @Test
    void aPairRegionHasNoSpareBytesAndItsFileIsPrivate() throws IOException {
        Path file = fresh();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(1 << 16, PAIR.rings().get(0).capacity());
        assertEquals(SIZE, PAIR.ringOffset(1) + (1 << 16));
        assertEquals(1 << 17, SIZE, "two rings of 64 KiB: a region of 128 KiB, nothing else");
        // a power-of-two region (an ivshmem BAR) gets half per ring (decision 0906)
        assertEquals(1 << 23, RegionGeometry.pair(1 << 24, 0, 1, 0).rings().get(0).capacity());
        assertEquals(8192, PAIR.lapPrefix(0), "the directory page and ring 0's header page");
        assertEquals(4096, PAIR.lapPrefix(1), "ring 1's header page");
        RegionException e = assertThrows(RegionException.class, () -> Region.createFile(file, SIZE));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    }

    @Test
    void ofTwoThreadsCreatingARegionFileExactlyOneDoesAndTheFileIsSizedWhenItAppears() throws Exception {
        for (int round = 0; round < 100; round++) {
            Path file = dir.resolve("race-" + round + ".region");
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
            java.util.concurrent.Callable<Boolean> create = () -> {
                start.await();
                return Region.createFileIfAbsent(file, SIZE);
            };
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                var a = pool.submit(create);
                var b = pool.submit(create);
                assertTrue(a.get() ^ b.get(), "round " + round + ": exactly one creates it");
            } finally {
                pool.shutdownNow();
            }
            assertEquals(SIZE, Files.size(file));
            try (var names = Files.list(dir)) {
                assertEquals(0, names.filter(p -> p.getFileName().toString().contains(".creating.")).count(),
                        "no temporary file left");
            }
        }
    }

    @Test
    void bothRingsOfAFreshRegionCarryRecordsBothWays() {
        Path file = fresh();
        try (Region a = Region.open(file, PAIR, quiet(1));
             Region b = Region.open(file, PAIR, quiet(2));
             RingProducer aToB = a.attachProducer(PAIR.indexOf(0, 1));
             RingConsumer bFromA = b.attachConsumer(PAIR.indexOf(0, 1));
             RingProducer bToA = b.attachProducer(PAIR.indexOf(1, 0));
             RingConsumer aFromB = a.attachConsumer(PAIR.indexOf(1, 0))) {
            assertEquals(1, a.generation());
            assertEquals(1, b.generation());
            assertEquals(1, aToB.leaseEpoch());
            for (int i = 0; i < 1000; i++) {
                assertTrue(aToB.offer(("ping " + i).getBytes()));
                assertTrue(bToA.offer(("pong " + i).getBytes()));
                List<String> got = new ArrayList<>();
                assertEquals(1, bFromA.poll(r -> got.add(text(r)), 8));
                assertEquals(1, aFromB.poll(r -> got.add(text(r)), 8));
                assertEquals(List.of("ping " + i, "pong " + i), got);
            }
        }
    }

    static String text(RecordView r) {
        byte[] b = new byte[r.length()];
        r.getBytes(0, b, 0, b.length);
        return new String(b);
    }

    @Test
    void aRegionOfAnEarlierRunIsReusedWithItsRecords() {
        Path file = fresh();
        try (Region first = Region.open(file, PAIR, quiet(1)); RingProducer p = first.attachProducer(0)) {
            assertTrue(p.offer("kept".getBytes()));
        }
        try (Region again = Region.open(file, PAIR, quiet(2)); RingConsumer c = again.attachConsumer(0)) {
            assertEquals(1, again.generation());
            List<String> got = new ArrayList<>();
            c.poll(r -> got.add(text(r)), 8);
            assertEquals(List.of("kept"), got);
        }
        try (Region joiner = Region.open(file, null, quiet(3))) {
            assertEquals(PAIR, joiner.geometry());
        }
    }

    @Test
    void aRegionOfAnotherGeometryIsRefusedNotReformatted() {
        Path file = fresh();
        try (Region first = Region.open(file, PAIR, quiet(1))) {
            RegionGeometry other = RegionGeometry.pair(SIZE, 0, 2, 42);
            RegionException e = assertThrows(RegionException.class, () -> Region.open(file, other, quiet(2)));
            assertTrue(e.getMessage().contains("holds another geometry (" + SIZE + " bytes, tag 42; ring 0: 0->1, capacity 65536,"
                    + " max record 28664; ring 1: 1->0, capacity 65536, max record 28664) than the one asked for ("), e.getMessage());
            assertTrue(e.getMessage().contains("ring 0: 0->2"), e.getMessage());
            assertEquals(1, Region.open(file, PAIR, quiet(3)).generation());
        }
    }

    @Test
    void aRegionThatIsNotZeroFilledIsRefused() throws IOException {
        Path file = fresh();
        poke(file, 100, 7);
        RegionException e = assertThrows(RegionException.class, () -> Region.open(file, PAIR, quiet(1)));
        assertTrue(e.getMessage().contains("not zero-filled"), e.getMessage());
        poke(file, 100, 0);
        poke(file, RegionLayout.DIRECTORY_LENGTH + RingLayout.CONSUMER_POSITION_OFFSET, 64);
        e = assertThrows(RegionException.class, () -> Region.open(file, PAIR, quiet(1)));
        assertTrue(e.getMessage().contains("ring 0's positions"), e.getMessage());
        poke(file, 0, 0x1234);
        e = assertThrows(RegionException.class, () -> Region.open(file, PAIR, quiet(1)));
        assertTrue(e.getMessage().contains("not a Dataport directory"), e.getMessage());
    }

    @Test
    void aStalledFormatIsTakenOverAfterTheLeaseTimeout() throws IOException {
        Path file = fresh();
        poke(file, 0, RegionLayout.formatWord(RegionLayout.FORMATTING, 1, 77)); // a formatter that died
        ManualClock clock = new ManualClock();
        try (Region r = Region.open(file, PAIR, quiet(1).withClock(clock))) {
            assertEquals(2, r.generation());
            assertTrue(clock.nanoTime() - 1_000_000_000L >= Duration.ofSeconds(10).toNanos());
        }
    }

    @Test
    void aJoinerWithoutGeometryGivesUpOnAnUnformattedRegion() {
        Path file = fresh();
        RegionException e = assertThrows(RegionException.class, () -> Region.open(file, null, quiet(1)));
        assertTrue(e.getMessage().contains("not formatted"), e.getMessage());
    }

    static void poke(Path file, long offset, long value) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
            ch.write(b, offset);
        }
    }
}
