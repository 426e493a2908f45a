package io.dataport.queue;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ring file's life in one process: the size boundaries of {@link RingFile#open}, roles released
 * on every path (a refused attach, closing the file), no file descriptor left open by a refusal,
 * and the ends named after their file in a timeout, which says whether the peer is attached.
 */
class RingFileLifecycleTest {
    private static final RingConfig CONFIG = new RingConfig(4096, 1024);

    @TempDir
    Path dir;

    @Test
    void aFileOfExactlyTheHeaderLengthIsNotTruncatedButHasNoRing() throws IOException {
        Path path = dir.resolve("header-only.ring");
        Files.write(path, new byte[RingLayout.HEADER_LENGTH]);
        assertRefused(path, "not initialised (magic is 0): it is still being created, or it is not a ring file");
        Files.write(path, new byte[RingLayout.HEADER_LENGTH - 1]);
        assertRefused(path, "truncated: 4095 bytes, smaller than the 4096-byte header");
    }

    @Test
    void aFileOfExactlyTheLargestRingIsMappedAndOneByteMoreIsRefused() throws IOException {
        Path path = dir.resolve("huge.ring");
        long largest = RingLayout.HEADER_LENGTH + (long) RingLayout.MAX_CAPACITY;
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.setLength(largest); // sparse: nothing is written
        }
        assertRefused(path, "not initialised (magic is 0): it is still being created, or it is not a ring file");
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.setLength(largest + 1);
        }
        assertRefused(path, largest + 1 + " bytes is larger than any ring (4096 + 1073741824)");
    }

    @Test
    void aRefusedAttachReleasesTheRole() throws IOException {
        Path path = dir.resolve("a.ring");
        RingFile.create(path, CONFIG).close();
        patchLong(path, RingLayout.CONSUMER_POSITION_OFFSET, 12); // misaligned: both attaches refuse it
        try (RingFile ring = RingFile.open(path)) {
            assertThrows(RingCorruptedException.class, ring::attachConsumer);
            assertThrows(RingCorruptedException.class, ring::attachProducer);
            patchLong(path, RingLayout.CONSUMER_POSITION_OFFSET, 0);
            ring.attachConsumer().close(); // the refused attaches left no role locked
            ring.attachProducer().close();
        }
    }

    @Test
    void closingTheFileReleasesTheRolesOfItsEnds() {
        Path path = dir.resolve("a.ring");
        RingFile first = RingFile.create(path, CONFIG);
        RingProducer producer = first.attachProducer();
        RingConsumer consumer = first.attachConsumer();
        first.close(); // the ends are not closed, but their file is
        try (RingFile second = RingFile.open(path)) {
            second.attachProducer().close();
            second.attachConsumer().close();
        }
        assertFalse(producer.isPoisoned() || consumer.isPoisoned());
    }

    @Test
    void refusalsLeaveNoFileDescriptorOpen() throws IOException {
        Path other = dir.resolve("other.ring");
        RingFile.create(other, CONFIG, 5).close();
        Path bad = dir.resolve("bad.ring");
        Files.write(bad, new byte[8192]);
        int before = openDescriptors();
        for (int i = 0; i < 20; i++) {
            assertThrows(RingFileException.class, () -> RingFile.open(bad));                       // bad header
            assertThrows(RingFileException.class, () -> RingFile.openOrCreate(other, CONFIG, 6)); // wrong tag
        }
        assertEquals(before, openDescriptors(), "every refused open closed its file");
    }

    @Test
    void aTimeoutNamesTheFileAndWhetherThePeerIsAttached() {
        Path path = dir.resolve("named.ring");
        try (RingFile ring = RingFile.create(path, CONFIG); RingConsumer consumer = ring.attachConsumer()) {
            assertEquals(path, ring.path());
            PeerTimeoutException alone = assertThrows(PeerTimeoutException.class,
                    () -> consumer.take(r -> { }, 1, WaitStrategy.busySpin(), 0));
            assertEquals(path + " (consumer): no record arrived within 0 ms; the peer is not attached (its process"
                    + " is gone or never came)", alone.getMessage());
            try (RingProducer producer = ring.attachProducer()) {
                PeerTimeoutException quiet = assertThrows(PeerTimeoutException.class,
                        () -> consumer.take(r -> { }, 1, WaitStrategy.busySpin(), 0));
                assertEquals(path + " (consumer): no record arrived within 0 ms; the peer is attached but did"
                        + " nothing", quiet.getMessage());
                for (int i = 0; i < 4; i++) {
                    assertTrue(producer.offer(new byte[1000]));
                }
                PeerTimeoutException full = assertThrows(PeerTimeoutException.class,
                        () -> producer.claim(1000, 0, WaitStrategy.busySpin(), 0));
                assertEquals(path + " (producer): no room for a record of 1000 bytes within 0 ms; the peer is"
                        + " attached but did nothing", full.getMessage());
            }
        }
        try (RingFile ring = RingFile.open(path); RingProducer producer = ring.attachProducer()) {
            assertFalse(producer.offer(new byte[1000]), "still full of the first producer's records");
            PeerTimeoutException gone = assertThrows(PeerTimeoutException.class,
                    () -> producer.claim(1000, 0, WaitStrategy.busySpin(), 0));
            assertTrue(gone.getMessage().endsWith("; the peer is not attached (its process is gone or never came)"),
                    gone.getMessage());
        }
    }

    @Test
    void everyCreationEpochIsOddAndTheyDiffer() {
        java.util.Set<Long> epochs = new java.util.HashSet<>();
        for (int i = 0; i < 64; i++) {
            Path path = dir.resolve("e" + i + ".ring");
            try (RingFile ring = RingFile.create(path, new RingConfig(64, 24))) {
                long epoch = ring.creationEpoch();
                assertEquals(1, epoch & 1, "never 0: odd (" + epoch + ")");
                epochs.add(epoch);
            }
        }
        assertTrue(epochs.size() > 1, "random, not one constant: " + epochs);
    }

    private static int openDescriptors() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        }
    }

    private static void assertRefused(Path path, String reason) {
        RingFileException e = assertThrows(RingFileException.class, () -> RingFile.open(path));
        assertEquals(path + ": " + reason, e.getMessage());
    }

    private static void patchLong(Path path, int offset, long value) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value), offset);
        }
    }
}
