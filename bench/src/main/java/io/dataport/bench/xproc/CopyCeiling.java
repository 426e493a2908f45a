package io.dataport.bench.xproc;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The copy ceiling: one thread copying the same message block into a mapped /dev/shm buffer of the
 * rings' capacity, walking it record by record (8-byte header + payload, 8-byte aligned) exactly as
 * a producer would, with no consumer and no synchronisation. No single-copy system can move a
 * message faster than this; the 64 KiB result bounds every system's copy-bound throughput.
 */
final class CopyCeiling {
    private CopyCeiling() {
    }

    /** Returns {copies, nanos} counted in the window after the warm-up. */
    static long[] run(Path dir, Payload payload, double warmupSeconds, double seconds) throws IOException {
        int capacity = DataportSystem.CAPACITY;
        MappedByteBuffer region;
        try (RandomAccessFile file = new RandomAccessFile(dir.resolve("ceiling.buf").toFile(), "rw")) {
            file.setLength(capacity);
            region = file.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, capacity);
        }
        byte[] block = payload.template();
        int size = payload.size();
        int stride = (8 + size + 7) & ~7;
        long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        long start = 0;
        long startCount = 0;
        long count = 0;
        int index = 0;
        while (true) {
            for (int i = 0; i < 256; i++) {
                if (index + stride > capacity) {
                    index = 0;
                }
                region.put(index + 8, block, 0, size);
                index += stride;
            }
            count += 256;
            long now = System.nanoTime();
            if (start == 0) {
                if (now - warmupEnd >= 0) {
                    start = now;
                    startCount = count;
                }
            } else if (now - start >= (long) (seconds * 1e9)) {
                return new long[] {count - startCount, now - start};
            }
        }
    }
}
