package io.dataport.queue;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The region classes' edges, one by one: every refusal and its message, the exact number of
 * observations a timeout takes, in-process races, and the in-memory path ({@link Region#wrap}).
 */
class RegionUnitTest {
    static final long SIZE = RegionTest.SIZE;
    static final RegionGeometry PAIR = RegionTest.PAIR;
    static final long TIMEOUT = Duration.ofSeconds(10).toNanos();
    /** A 10 s timeout is watched every 100 ms (at most 100 ms, at least 1 ms, a fiftieth otherwise). */
    static final int OBSERVATIONS = 100;

    @TempDir
    Path dir;

    static RegionGeometry.Ring ring(long id, int capacity) {
        return new RegionGeometry.Ring(id, capacity, RegionGeometry.maxRecordLengthFor(capacity), 0, 1);
    }

    static String problem(long size, List<RegionGeometry.Ring> rings) {
        return assertThrows(IllegalArgumentException.class, () -> new RegionGeometry(size, 0, rings)).getMessage();
    }

    @Test
    void everyBadGeometryIsRefusedWithItsReason() {
        int min = RegionLayout.MIN_RING_CAPACITY;
        List<RegionGeometry.Ring> one = List.of(ring(0, min));
        assertEquals("region size 0 is not a positive multiple of 4096", problem(0, one));
        assertEquals("region size 12289 is not a positive multiple of 4096", problem(12289, one));
        assertEquals("0 rings: a region holds 1 to 62", problem(1 << 20, List.of()));
        RegionGeometry.Ring[] many = new RegionGeometry.Ring[63];
        for (int i = 0; i < many.length; i++) {
            many[i] = ring(i, min);
        }
        assertEquals("63 rings: a region holds 1 to 62", problem(1 << 22, List.of(many)));
        assertTrue(problem(1 << 20, List.of(new RegionGeometry.Ring(0, 3 << 15, 8, 0, 1)))
                .startsWith("ring 0: capacity 98304 is not a power of two"));
        assertEquals("ring 0: capacity 16384 is below 32768 (a region ring's first 8192 bytes hold its header page)",
                problem(1 << 20, List.of(ring(0, 16384))));
        assertEquals("ring 1: capacity 16384 is below 32768 (a region ring's first 4096 bytes hold its header page)",
                problem(1 << 20, List.of(ring(0, min), ring(1, 16384))));
        assertEquals("ring 0: max record length 16376 is outside [0, 12280] (a record may take at most half of the"
                + " capacity 32768 less its lap prefix 8192)",
                problem(1 << 20, List.of(new RegionGeometry.Ring(0, min, RingLayout.maxRecordLengthFor(min), 0, 1))));
        assertEquals("ring 1: id 0 is used twice", problem(1 << 20, List.of(ring(0, min), ring(0, min))));
        assertEquals("the rings need 32768 bytes but the region has 16384", problem(16384, one));
        assertEquals(min, new RegionGeometry(min, 0, one).size()); // exactly enough
        RegionGeometry.Ring[] sixtyTwo = java.util.Arrays.copyOf(many, 62);
        assertEquals(62, new RegionGeometry(62L * min, 0, List.of(sixtyTwo)).rings().size());
    }

    @Test
    void pairFitsTheLargestPowerOfTwoAndNamesTheSmallestRegion() {
        assertEquals(RegionGeometry.sizeFor(32768, 32768), RegionGeometry.minimumPairSize());
        assertEquals(65536, RegionGeometry.minimumPairSize());
        RegionGeometry smallest = RegionGeometry.pair(RegionGeometry.minimumPairSize(), 3, 4, 9);
        assertEquals(32768, smallest.rings().get(1).capacity());
        assertEquals(12280, smallest.rings().get(1).maxRecordLength(), "(32768 - 8192) / 2 - 8, for both rings");
        assertEquals(List.of(3, 4, 4, 3), List.of(smallest.rings().get(0).producerNode(), smallest.rings().get(0).consumerNode(),
                smallest.rings().get(1).producerNode(), smallest.rings().get(1).consumerNode()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegionGeometry.pair(RegionGeometry.minimumPairSize() - 4096, 0, 1, 0));
        assertEquals("a region of 61440 bytes is too small for two rings: it needs at least 65536 bytes", e.getMessage());
        // 2 x 64 KiB is exact; one page less halves the capacity
        assertEquals(1 << 16, RegionGeometry.pair(SIZE, 0, 1, 0).rings().get(0).capacity());
        assertEquals(1 << 15, RegionGeometry.pair(SIZE - 4096, 0, 1, 0).rings().get(0).capacity());
        assertEquals(0, PAIR.ringOffset(0));
        assertEquals(1 << 16, PAIR.ringOffset(1));
        assertEquals(1, PAIR.indexOf(1, 0));
        assertEquals(-1, PAIR.indexOf(1, 2));
        assertEquals(new RingConfig(1 << 16, 28664, 8192), PAIR.config(0));
        assertEquals(new RingConfig(1 << 16, 28664, 4096), PAIR.config(1));
    }

    @Test
    void optionsRefuseWhatCannotWork() {
        assertEquals("holder identity 0 means \"free\": choose another",
                assertThrows(IllegalArgumentException.class, () -> RegionOptions.defaults().withHolder(0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> RegionOptions.defaults().withLeaseTimeout(Duration.ZERO));
        RegionOptions o = RegionOptions.defaults();
        assertNotEquals(0, o.holder());
        assertTrue(o.keeper());
        assertTrue(o.takeOver());
        assertEquals(TIMEOUT, o.leaseTimeoutNanos());
        assertSame(LeaseClock.SYSTEM, o.clock());
        assertFalse(o.withKeeper(false).keeper());
        assertFalse(o.withTakeOver(false).takeOver());
        assertEquals(7, o.withHolder(7).holder());
        assertFalse(RegionOptions.lookOnly().keeper());
        assertEquals(1_000_000L, RegionOptions.lookOnly().leaseTimeoutNanos());
        assertEquals(1_000_000L, RegionOptions.lookOnly().observationPauseNanos());
        assertEquals(100_000_000L, o.observationPauseNanos());
    }

    @Test
    void aRegionInMemoryWorksLikeAFile() {
        ByteBuffer memory = ByteBuffer.allocateDirect((int) SIZE);
        try (Region a = Region.wrap(memory, "memory", PAIR, RegionTest.quiet(1));
             RingProducer p = a.attachProducer(0); RingConsumer c = a.attachConsumer(0)) {
            assertEquals("memory", a.toString());
            assertTrue(p.offer(new byte[] {1, 2, 3}));
            assertEquals(1, c.poll(r -> assertEquals(3, r.length()), 4));
        }
        RegionException small = assertThrows(RegionException.class,
                () -> Region.wrap(ByteBuffer.allocateDirect(4095), "tiny", null, RegionTest.quiet(1)));
        assertEquals("tiny: 4095 bytes is smaller than the 4096-byte directory", small.getMessage());
        RegionException size = assertThrows(RegionException.class,
                () -> Region.wrap(ByteBuffer.allocateDirect(4096 * 8), "other", PAIR, RegionTest.quiet(1)));
        assertEquals("other: the region has 32768 bytes but the geometry asks for " + SIZE, size.getMessage());
    }

    @Test
    void aTenSecondTimeoutTakesExactlyOneHundredObservations() throws IOException {
        // a joiner of a region nobody formats
        ManualClock clock = new ManualClock();
        RegionException e = assertThrows(RegionException.class, () -> Region.wrap(ByteBuffer.allocateDirect((int) SIZE),
                "empty", null, RegionTest.quiet(1).withClock(clock)));
        assertTrue(e.getMessage().startsWith("empty: not formatted"), e.getMessage());
        assertEquals(OBSERVATIONS, clock.pauses);
        ManualClock oneSecond = new ManualClock(); // a 1 s timeout is watched every 20 ms: 50 observations
        assertThrows(RegionException.class, () -> Region.wrap(ByteBuffer.allocateDirect((int) SIZE), "empty", null,
                RegionTest.quiet(1).withClock(oneSecond).withLeaseTimeout(Duration.ofSeconds(1))));
        assertEquals(50, oneSecond.pauses);
        // a stalled format: taken over by a peer with the geometry, refused by one without
        ByteBuffer stalled = ByteBuffer.allocateDirect((int) SIZE).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        stalled.putLong(0, RegionLayout.formatWord(RegionLayout.FORMATTING, 3, 77));
        ManualClock joiner = new ManualClock();
        e = assertThrows(RegionException.class, () -> Region.wrap(stalled, "stalled", null, RegionTest.quiet(1).withClock(joiner)));
        assertTrue(e.getMessage().contains("started formatting the region and stalled"), e.getMessage());
        assertEquals(OBSERVATIONS, joiner.pauses);
        ManualClock taker = new ManualClock();
        try (Region r = Region.wrap(stalled, "stalled", PAIR, RegionTest.quiet(1).withClock(taker))) {
            assertEquals(4, r.generation());
            assertEquals(OBSERVATIONS, taker.pauses);
        }
        // the last generation cannot be taken over
        ByteBuffer last = ByteBuffer.allocateDirect((int) SIZE).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        last.putLong(0, RegionLayout.formatWord(RegionLayout.FORMATTING, RegionLayout.MAX_GENERATION, 77));
        e = assertThrows(RegionException.class, () -> Region.wrap(last, "last", PAIR, RegionTest.quiet(1)));
        assertEquals("last: format generation overflow; zero the region", e.getMessage());
        // a silent lease holder
        ByteBuffer memory = ByteBuffer.allocateDirect((int) SIZE);
        try (Region a = Region.wrap(memory, "m", PAIR, RegionTest.quiet(1)); RingProducer held = a.attachProducer(0)) {
            ManualClock watcher = new ManualClock();
            try (Region b = Region.wrap(memory, "m", PAIR, RegionTest.quiet(2).withClock(watcher));
                 RingProducer taken = b.attachProducer(0)) {
                assertEquals(OBSERVATIONS, watcher.pauses);
                assertEquals(2, taken.leaseEpoch());
            }
        }
    }

    @Test
    void statusShowsPositionsAndHoldersAndZeroingClearsEverything() throws IOException {
        Path file = dir.resolve("s.region");
        Region.createFile(file, SIZE);
        try (Region a = Region.open(file, PAIR, RegionTest.quiet(0x51)); RingProducer p = a.attachProducer(1)) {
            assertTrue(p.offer(new byte[10]));
            Region.RingStatus s = a.status(1);
            assertEquals(PAIR.rings().get(1), s.ring());
            assertEquals(4096 + 24, s.producerPosition(), "the record after ring 1's lap prefix (its header page):"
                    + " the frontier, walked from the hint");
            assertEquals(0, s.consumerPosition());
            assertEquals(0x51, s.producerHolder());
            assertEquals(1, s.producerEpoch());
            assertEquals(1, s.producerHeartbeat());
            assertEquals(0, s.consumerHolder());
            assertEquals(0, s.consumerEpoch());
            assertEquals(0, s.consumerHeartbeat());
            try (RingConsumer c = a.attachConsumer(1)) {
                Region.RingStatus t = a.status(1);
                assertEquals(0x51, t.consumerHolder());
                assertEquals(1, t.consumerEpoch());
                assertEquals(1, t.consumerHeartbeat());
            }
        }
        Region.zeroFile(file);
        assertEquals(SIZE, java.nio.file.Files.size(file));
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        for (int i = 0; i < bytes.length; i++) {
            assertEquals(0, bytes[i], "byte " + i);
        }
        RegionException e = assertThrows(RegionException.class, () -> Region.zeroFile(dir.resolve("missing")));
        assertTrue(e.getMessage().endsWith("missing: no such region file"), e.getMessage());
    }

    @Test
    void aRingFileIsCreatedByOpenOrCreateThenOpened() {
        Path file = dir.resolve("one.ring");
        try (RingFile created = RingFile.openOrCreate(file, RingConfig.of(4096), 3)) {
            assertEquals(3, created.tag());
        }
        try (RingFile opened = RingFile.openOrCreate(file, RingConfig.of(4096), 3)) {
            assertEquals(RingConfig.of(4096), opened.config());
        }
    }

    @Test
    void ofTwoThreadsClaimingOneRoleExactlyOneWinsEachTime() throws Exception {
        ByteBuffer memory = ByteBuffer.allocateDirect((int) SIZE);
        Region a = Region.wrap(memory, "m", PAIR, RegionTest.quiet(1).withTakeOver(false));
        Region b = Region.wrap(memory, "m", PAIR, RegionTest.quiet(2).withTakeOver(false));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 1; round <= 200; round++) {
                CyclicBarrier start = new CyclicBarrier(2);
                Future<RingConsumer> x = pool.submit(() -> {
                    start.await();
                    return claim(a);
                });
                Future<RingConsumer> y = pool.submit(() -> {
                    start.await();
                    return claim(b);
                });
                RingConsumer cx = x.get();
                RingConsumer cy = y.get();
                assertTrue((cx == null) ^ (cy == null), "round " + round + ": exactly one claims the role");
                RingConsumer won = cx != null ? cx : cy;
                assertEquals(round, won.leaseEpoch());
                won.close();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static RingConsumer claim(Region r) {
        try {
            return r.attachConsumer(1);
        } catch (RegionException held) {
            return null;
        }
    }

    @Test
    void badRingIndexesAndHugeOrEmptyFilesAreRefused() throws IOException {
        ByteBuffer memory = ByteBuffer.allocateDirect((int) SIZE);
        try (Region a = Region.wrap(memory, "m", PAIR, RegionTest.quiet(1))) {
            assertEquals("ring index 2 is outside [0, 2)",
                    assertThrows(IllegalArgumentException.class, () -> a.attachProducer(2)).getMessage());
            assertEquals("ring index -1 is outside [0, 2)",
                    assertThrows(IllegalArgumentException.class, () -> a.attachConsumer(-1)).getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Region.createFile(dir.resolve("zero"), 0));
        Region.createFile(dir.resolve("page"), 4096);
        Path huge = dir.resolve("huge.region");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(1L << 31); // sparse
        }
        RegionException e = assertThrows(RegionException.class, () -> Region.open(huge, null, RegionTest.quiet(1)));
        assertTrue(e.getMessage().endsWith("bytes; a region is at most 2147483647"), e.getMessage());
        Path empty = dir.resolve("empty.region");
        java.nio.file.Files.createFile(empty);
        e = assertThrows(RegionException.class, () -> Region.open(empty, null, RegionTest.quiet(1)));
        assertTrue(e.getMessage().contains("its size reads 0"), e.getMessage());
        e = assertThrows(RegionException.class, () -> Region.open(dir.resolve("missing"), null, RegionTest.quiet(1)));
        assertTrue(e.getMessage().contains("no such region file"), e.getMessage());
    }

    @Test
    void anEndThatCannotAttachReleasesItsLeaseAndTimeoutsSayWhetherThePeerIsThere() {
        ByteBuffer memory = ByteBuffer.allocateDirect((int) SIZE).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        try (Region a = Region.wrap(memory, "m", PAIR, RegionTest.quiet(1))) {
            SharedRing ring = a.ring(0);
            try (RingConsumer c = a.attachConsumer(0)) {
                PeerTimeoutException t = assertThrows(PeerTimeoutException.class,
                        () -> c.take(r -> { }, 1, WaitStrategy.busySpin(), 1));
                assertTrue(t.getMessage().endsWith("the peer is not attached (its process is gone or never came)"), t.getMessage());
                try (RingProducer p = a.attachProducer(0)) {
                    t = assertThrows(PeerTimeoutException.class, () -> c.take(r -> { }, 1, WaitStrategy.busySpin(), 1));
                    assertTrue(t.getMessage().endsWith("the peer is attached but did nothing"), t.getMessage());
                    assertTrue(t.getMessage().startsWith("m ring 0 (consumer)"), t.getMessage());
                }
            }
            // a corrupt consumer position poisons the producer at attach: its lease must not stay held
            long base = PAIR.ringOffset(0) + PAIR.lapPrefix(0) - RingLayout.HEADER_LENGTH; // its header page
            memory.putLong((int) base + RingLayout.CONSUMER_POSITION_OFFSET, 4);
            assertThrows(RingCorruptedException.class, () -> a.attachProducer(0));
            assertEquals(0, Lease.holderOf(ring.readLease(Role.PRODUCER)), "the failed attach released its lease");
        }
    }
}
