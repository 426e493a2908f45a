package io.dataport.bench.jmh;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One thread, no consumer: the cost of copying one small message from a heap array into a mapped
 * /dev/shm buffer, walking a 4 MiB region as a ring producer does, by the three routes a Java ring
 * can take: {@code ByteBuffer.put(int, byte[], int, int)} (what Dataport's {@code putBytes} uses),
 * Agrona's {@code UnsafeBuffer.putBytes} (Unsafe.copyMemory), and a loop of 8-byte VarHandle stores.
 * It isolates the per-call overhead that dominates at 64 B (the copy itself is a few ns).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
public class SmallCopyBenchmark {
    private static final int CAPACITY = 4 << 20;
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle ARRAY_LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    @Param({"64", "1500"})
    int size;

    private Path dir;
    private MappedByteBuffer region;
    private UnsafeBuffer unsafe;
    private byte[] block;
    private int stride;
    private int index;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory(Path.of(Files.isDirectory(Path.of("/dev/shm")) ? "/dev/shm"
                : System.getProperty("java.io.tmpdir")), "dataport-jmh-");
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("copy.buf").toFile(), "rw")) {
            f.setLength(CAPACITY);
            region = f.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, CAPACITY);
        }
        unsafe = new UnsafeBuffer(region);
        block = new byte[size];
        stride = (8 + size + 7) & ~7;
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        Files.deleteIfExists(dir.resolve("copy.buf"));
        Files.deleteIfExists(dir);
    }

    private int next() {
        int i = index;
        if (i + stride > CAPACITY) {
            i = 0;
        }
        index = i + stride;
        return i + 8;
    }

    @Benchmark
    public void byteBufferPut() {
        region.put(next(), block, 0, size);
    }

    @Benchmark
    public void agronaPutBytes() {
        unsafe.putBytes(next(), block, 0, size);
    }

    @Benchmark
    public void longStores() {
        int at = next();
        int n = size & ~7;
        for (int i = 0; i < n; i += 8) {
            LONGS.set(region, at + i, (long) ARRAY_LONGS.get(block, i));
        }
        for (int i = n; i < size; i++) {
            region.put(at + i, block[i]);
        }
    }
}
