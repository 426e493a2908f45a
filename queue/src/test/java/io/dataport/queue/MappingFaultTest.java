package io.dataport.queue;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile peer truncates the ring file under our mapping: the next access beyond the new end
 * raises SIGBUS, which the JVM reports as an {@code InternalError}. The consumer must turn it into
 * its poison: {@link RingCorruptedException} now and on every later call, never the JVM's error.
 * Each test first warms the path up, so the faulting access runs in JIT-compiled code, where the
 * JVM raises the error "a little after" the access, at its next safepoint check.
 *
 * <p>Not tested, because it is not guaranteed: the producer. Its {@code offer} has no loop, so when
 * it is inlined into a caller's loop the JVM may raise the error in the caller's frame, after the
 * library returned; see docs/layout.md, "A peer that truncates the file".
 */
class MappingFaultTest {
    private static final int WARM_UP = 200_000;
    @TempDir
    Path dir;

    @Test
    void aConsumerWhoseFileIsTruncatedIsPoisonedNotCrashed() throws IOException {
        Path file = dir.resolve("truncated.ring");
        try (RingFile ring = RingFile.create(file, RingConfig.of(1 << 20));
             RingProducer producer = ring.attachProducer();
             RingConsumer consumer = ring.attachConsumer()) {
            warmUp(producer, consumer);
            for (int i = 0; i < 100; i++) {
                assertTrue(producer.offer(new byte[100]));
            }
            truncate(file, RingLayout.HEADER_LENGTH); // the records are gone, the header page stays
            RingCorruptedException e = assertThrows(RingCorruptedException.class,
                    () -> consumer.poll(r -> r.getLong(0), 64));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
            assertTrue(consumer.isPoisoned());
            assertThrows(RingCorruptedException.class, () -> consumer.poll(r -> { }, 64), "poisoned for good");
        }
    }

    @Test
    void aBlockedConsumerWhoseFileIsTruncatedIsPoisoned() throws IOException {
        Path file = dir.resolve("truncated.ring");
        try (RingFile ring = RingFile.create(file, RingConfig.of(1 << 20));
             RingProducer producer = ring.attachProducer();
             RingConsumer consumer = ring.attachConsumer()) {
            warmUp(producer, consumer);
            truncate(file, 0); // the header page too: the wait's re-reads of the producer position fault
            RingCorruptedException e = assertThrows(RingCorruptedException.class,
                    () -> consumer.take(r -> { }, 64, WaitStrategy.backoff(), 5_000_000_000L));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        }
    }

    private static void warmUp(RingProducer producer, RingConsumer consumer) {
        byte[] payload = new byte[100];
        long received = 0;
        for (int i = 0; i < WARM_UP; i++) {
            assertTrue(producer.offer(payload));
            received += consumer.poll(r -> r.getLong(0), 64);
        }
        assertEquals(WARM_UP, received);
    }

    private static void truncate(Path file, long length) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(length);
        }
    }
}
