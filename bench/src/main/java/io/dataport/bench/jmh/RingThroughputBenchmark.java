package io.dataport.bench.jmh;

import io.dataport.queue.ClaimedRecord;
import io.dataport.queue.RecordHandler;
import io.dataport.queue.RecordView;
import io.dataport.queue.RingConfig;
import io.dataport.queue.RingConsumer;
import io.dataport.queue.RingFile;
import io.dataport.queue.RingProducer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
 * In-process ring throughput: one producer thread and one consumer thread on one 4 MiB ring file in
 * a fresh /dev/shm directory (removed at tear-down). The producer claims a record in place, copies a
 * preallocated message in (sequence number first, trailer word last) and commits it; the consumer
 * polls batches of up to 256 records and checks each one's length, sequence number and trailer in
 * place. Neither side spins inside an invocation (a full or empty ring returns at once and counts as
 * a failed attempt), so JMH can always stop the iteration. Read the {@code received} counter:
 * records verified per second; with {@code -prof gc} both methods allocate 0 B/op.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class RingThroughputBenchmark {
    private static final int CAPACITY = 4 << 20;

    @Param({"64", "1500", "65536"})
    int size;

    private Path dir;
    private RingFile ring;
    private RingProducer producer;
    private RingConsumer consumer;
    private byte[] message;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory(Path.of(Files.isDirectory(Path.of("/dev/shm")) ? "/dev/shm"
                : System.getProperty("java.io.tmpdir")), "dataport-jmh-");
        ring = RingFile.create(dir.resolve("jmh.ring"), RingConfig.of(CAPACITY));
        producer = ring.attachProducer();
        consumer = ring.attachConsumer();
        message = new byte[size];
        for (int i = 0; i < size; i++) {
            message[i] = (byte) (i * 31 + 7);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        consumer.close();
        producer.close();
        ring.close();
        Files.deleteIfExists(dir.resolve("jmh.ring"));
        Files.deleteIfExists(dir);
    }

    static long trailer(long seq) {
        return (seq * 0x9E3779B97F4A7C15L) ^ 0x5DEECE66DL;
    }

    /**
     * Producer-side state, per thread so that nothing the producer writes per record shares a cache
     * line with what the consumer reads (JMH pads state objects): counters and the next sequence number.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Sent {
        public long sent;
        public long ringFull;
        long nextToSend;

        @Setup(Level.Iteration)
        public void reset() {
            sent = 0;
            ringFull = 0;
        }
    }

    /** Consumer-side state: {@code received} is the throughput to read; the verifier lives here too. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Received {
        public long received;
        public long ringEmpty;
        Verifier verifier;

        @Setup(Level.Iteration)
        public void reset() {
            received = 0;
            ringEmpty = 0;
        }
    }

    @Benchmark
    @Group("ring")
    @GroupThreads(1)
    public void produce(Sent counters) {
        ClaimedRecord r = producer.tryClaim(size);
        if (r == null) {
            counters.ringFull++;
            Thread.onSpinWait();
            return;
        }
        long seq = counters.nextToSend++;
        r.putBytes(0, message, 0, size).putLong(0, seq).putLong(size - 8, trailer(seq));
        producer.commit();
        counters.sent++;
    }

    @Benchmark
    @Group("ring")
    @GroupThreads(1)
    public void consume(Received counters) {
        if (counters.verifier == null) {
            counters.verifier = new Verifier(size); // once per trial: the sequence continues across iterations
        }
        int n = consumer.poll(counters.verifier, 256);
        if (n == 0) {
            counters.ringEmpty++;
            Thread.onSpinWait();
        }
        counters.received += n;
    }

    /** Checks each record in place; a wrong record fails the benchmark. */
    static final class Verifier implements RecordHandler {
        private final int size;
        private long next;

        Verifier(int size) {
            this.size = size;
        }

        @Override
        public void onRecord(RecordView r) {
            long seq = r.getLong(0);
            if (r.length() != size || seq != next || r.getLong(size - 8) != trailer(seq)) {
                throw new IllegalStateException("record " + next + " is wrong: length " + r.length() + ", sequence " + seq);
            }
            next++;
        }
    }
}
