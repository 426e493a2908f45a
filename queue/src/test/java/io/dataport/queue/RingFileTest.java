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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RingFileTest {
    private static final RingConfig CONFIG = new RingConfig(4096, 1024);

    @TempDir
    Path dir;

    @Test
    void createdRingOpensWithTheSameSizesAndTag() {
        Path path = dir.resolve("a.ring");
        long epoch;
        try (RingFile created = RingFile.create(path, CONFIG, 77)) {
            epoch = created.creationEpoch();
            assertNotEquals(0, epoch);
        }
        try (RingFile opened = RingFile.open(path)) {
            assertEquals(CONFIG, opened.config());
            assertEquals(77, opened.tag());
            assertEquals(epoch, opened.creationEpoch());
        }
        assertEquals(CONFIG.fileLength(), fileLength(path));
        try (var files = list()) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void recordsCrossBetweenTwoOpeningsOfOneFile() {
        Path path = dir.resolve("a.ring");
        try (RingFile a = RingFile.create(path, CONFIG); RingFile b = RingFile.open(path);
             RingProducer producer = a.attachProducer(); RingConsumer consumer = b.attachConsumer()) {
            assertTrue(producer.offer(TestRing.pattern(100, 1)));
            byte[] got = new byte[100];
            assertEquals(1, consumer.poll(r -> r.getBytes(0, got, 0, 100), 10));
            assertArrayEquals(TestRing.pattern(100, 1), got);
        }
    }

    @Test
    void openingNeverRewritesALiveRing() {
        Path path = dir.resolve("a.ring");
        try (RingFile a = RingFile.create(path, CONFIG); RingProducer producer = a.attachProducer()) {
            producer.offer(TestRing.pattern(10, 1));
            try (RingFile b = RingFile.openOrCreate(path, CONFIG, 0); RingConsumer consumer = b.attachConsumer()) {
                assertEquals(1, consumer.poll(r -> assertEquals(10, r.length()), 10));
            }
        }
    }

    @Test
    void createRefusesAnExistingFile() {
        Path path = dir.resolve("a.ring");
        RingFile.create(path, CONFIG).close();
        assertRefused(() -> RingFile.create(path, CONFIG), path, "already exists");
    }

    @Test
    void openOrCreateRefusesOtherSizesAndOtherTags() {
        Path path = dir.resolve("a.ring");
        RingFile.create(path, CONFIG, 5).close();
        assertRefused(() -> RingFile.openOrCreate(path, new RingConfig(8192, 1024), 5), path, "capacity 4096");
        assertRefused(() -> RingFile.openOrCreate(path, CONFIG, 6), path, "tag 5");
        RingFile.openOrCreate(path, CONFIG, 5).close();
    }

    @Test
    void missingFileAndDirectoryAreRefused() {
        assertRefused(() -> RingFile.open(dir.resolve("none.ring")), dir.resolve("none.ring"), "no such file");
        assertRefused(() -> RingFile.open(dir), dir, "is a directory");
        Path orphan = dir.resolve("missing-dir/a.ring");
        assertRefused(() -> RingFile.create(orphan, CONFIG), orphan, "does not exist");
    }

    @Test
    void truncatedFileIsRefused() throws IOException {
        Path path = dir.resolve("short.ring");
        Files.write(path, new byte[100]);
        assertRefused(() -> RingFile.open(path), path, "truncated: 100 bytes");
    }

    @Test
    void fileWithoutTheMagicIsRefused() throws IOException {
        Path zero = dir.resolve("zero.ring");
        Files.write(zero, new byte[8192]);
        assertRefused(() -> RingFile.open(zero), zero, "magic is 0");
        Path text = dir.resolve("text.ring");
        Files.write(text, "hello, this is not a ring".repeat(400).getBytes());
        assertRefused(() -> RingFile.open(text), text, "bad magic");
    }

    @Test
    void wrongLayoutVersionIsRefused() throws IOException {
        Path path = validFile();
        patchInt(path, RingLayout.VERSION_OFFSET, 1);
        assertRefused(() -> RingFile.open(path), path,
                "layout version 1, but this library reads version " + RingLayout.LAYOUT_VERSION);
    }

    @Test
    void wrongHeaderLengthIsRefused() throws IOException {
        Path path = validFile();
        patchInt(path, RingLayout.HEADER_LENGTH_OFFSET, 64);
        assertRefused(() -> RingFile.open(path), path, "header length 64");
    }

    @Test
    void capacityThatIsNotAPowerOfTwoIsRefused() throws IOException {
        Path path = validFile();
        patchLong(path, RingLayout.CAPACITY_OFFSET, 3000);
        assertRefused(() -> RingFile.open(path), path, "capacity 3000 is not a power of two");
    }

    @Test
    void maxRecordLengthTooLargeForTheCapacityIsRefused() throws IOException {
        Path path = validFile();
        patchInt(path, RingLayout.MAX_RECORD_LENGTH_OFFSET, 4000);
        assertRefused(() -> RingFile.open(path), path, "max record length 4000");
    }

    @Test
    void fileLengthThatDoesNotMatchTheHeaderIsRefused() throws IOException {
        Path path = validFile();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
            channel.truncate(4096 + 2048);
        }
        assertRefused(() -> RingFile.open(path), path, "file length 6144 does not match");
    }

    @Test
    void fileWithoutReadWritePermissionIsRefused() throws Exception {
        Path path = validFile();
        boolean root = "0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream()
                .readAllBytes()).trim());
        // root ignores permission bits; the immutable attribute denies writing even to root
        String[] deny = root ? new String[] {"chattr", "+i", path.toString()} : null;
        String[] allow = root ? new String[] {"chattr", "-i", path.toString()} : null;
        if (root) {
            assertEquals(0, new ProcessBuilder(deny).inheritIO().start().waitFor());
        } else {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("---------"));
        }
        try {
            assertRefused(() -> RingFile.open(path), path, "permission denied");
        } finally {
            if (root) {
                new ProcessBuilder(allow).inheritIO().start().waitFor();
            } else {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            }
        }
    }

    @Test
    void aSecondProducerOrConsumerIsRefusedUntilTheFirstCloses() {
        Path path = dir.resolve("a.ring");
        try (RingFile a = RingFile.create(path, CONFIG); RingFile b = RingFile.open(path)) {
            RingProducer producer = a.attachProducer();
            assertRefused(b::attachProducer, path, "a producer is already attached");
            producer.close();
            b.attachProducer().close();
            RingConsumer consumer = a.attachConsumer();
            assertRefused(b::attachConsumer, path, "a consumer is already attached");
            consumer.close();
            b.attachConsumer().close();
        }
    }

    @Test
    void reattachingAdvancesTheEpochs() {
        Path path = dir.resolve("a.ring");
        try (RingFile ring = RingFile.create(path, CONFIG)) {
            assertEquals(0, ring.producerEpoch());
            ring.attachProducer().close();
            ring.attachProducer().close();
            ring.attachConsumer().close();
            assertEquals(2, ring.producerEpoch());
            assertEquals(1, ring.consumerEpoch());
        }
    }

    @Test
    void badConfigurationsNameTheProblem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RingConfig(1000, 10))
                .getMessage().contains("capacity 1000 is not a power of two"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RingConfig(32, 8))
                .getMessage().contains("outside [64"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RingConfig(1024, 600))
                .getMessage().contains("max record length 600"));
        assertEquals(65535, RingConfig.of(1 << 18).maxRecordLength() >= 65535 ? 65535 : -1,
                "a 64 KiB packet fits a 256 KiB ring");
    }

    private Path validFile() {
        Path path = dir.resolve("valid.ring");
        RingFile.create(path, CONFIG).close();
        return path;
    }

    private java.util.stream.Stream<Path> list() {
        try {
            return Files.list(dir);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static long fileLength(Path path) {
        try {
            return Files.size(path);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void patchInt(Path path, int offset, int value) throws IOException {
        patch(path, offset, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value));
    }

    private static void patchLong(Path path, int offset, long value) throws IOException {
        patch(path, offset, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value));
    }

    private static void patch(Path path, int offset, ByteBuffer bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
            channel.write(bytes, offset);
        }
    }

    private static void assertRefused(org.junit.jupiter.api.function.Executable call, Path path, String reason) {
        RingFileException e = assertThrows(RingFileException.class, call);
        assertTrue(e.getMessage().contains(path.toString()), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(reason), "says why (" + reason + "): " + e.getMessage());
    }
}
