package io.dataport.bench.xproc;

import io.dataport.queue.ClaimedRecord;
import io.dataport.queue.RecordHandler;
import io.dataport.queue.RecordView;
import io.dataport.queue.RingConfig;
import io.dataport.queue.RingConsumer;
import io.dataport.queue.RingFile;
import io.dataport.queue.RingProducer;
import java.nio.file.Path;
import org.HdrHistogram.Histogram;

/**
 * The Dataport ring: one 4 MiB ring file in /dev/shm, both sides busy-spinning. The producer claims
 * each record in place, copies the message in and commits it (one publication per record, like
 * Agrona's commit); the consumer polls batches of up to 256 records, reading each in place or
 * copying it out. Same ring capacity, message bytes and per-record publication as {@link AgronaSystem}.
 * The "dataport-batched" variant uses the ring's own batching API instead: {@code commitBatched} for
 * each record and one {@code publish} per 16 records (or when the ring is full), which shows what
 * per-record publication costs; it is Dataport's API, not a different system.
 */
public final class DataportSystem implements MessagingSystem {
    static final int CAPACITY = 4 << 20;
    private static final int BATCH = 256;

    private final String name;
    private final int publishEvery;

    /** {@code publishEvery} 1: commit (publish) every record; n: publish once per n records. */
    public DataportSystem(String name, int publishEvery) {
        this.name = name;
        this.publishEvery = publishEvery;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void consume(PeerContext ctx, Sink sink) {
        Path file = ctx.dir().resolve("dataport.ring");
        try (RingFile ring = RingFile.create(file, RingConfig.of(CAPACITY)); RingConsumer consumer = ring.attachConsumer()) {
            ctx.ready(file.toString());
            RecordHandler handler = ctx.mode() == Mode.INPLACE
                    ? r -> sink.inPlace(r.length(), r.getLong(0), r.getLong(r.length() - 8))
                    : r -> copyOut(r, sink);
            while (sink.running()) {
                if (consumer.poll(handler, BATCH) == 0) {
                    sink.idle();
                    Thread.onSpinWait();
                }
            }
        }
    }

    private static void copyOut(RecordView r, Sink sink) {
        int length = r.length();
        r.getBytes(0, sink.buffer(), 0, Math.min(length, sink.buffer().length));
        sink.copied(length);
    }

    @Override
    public void produce(PeerContext ctx) {
        try (RingFile ring = RingFile.open(Path.of(ctx.address())); RingProducer producer = ring.attachProducer()) {
            Payload p = ctx.payload();
            byte[] template = p.template();
            int size = p.size();
            int untilPublish = publishEvery;
            for (long seq = 0; ; seq++) {
                write(producer, template, size, seq, Payload.trailer(seq));
                if (--untilPublish == 0) {
                    producer.publish();
                    untilPublish = publishEvery;
                }
            }
        }
    }

    /** Claims a record in place (spinning while the ring is full), copies the message in, commits and publishes it. */
    private static void send(RingProducer producer, byte[] template, int size, long seq, long trailer) {
        write(producer, template, size, seq, trailer);
        producer.publish();
    }

    /** Claims a record in place (spinning while the ring is full), copies the message in, commits it unpublished. */
    private static void write(RingProducer producer, byte[] template, int size, long seq, long trailer) {
        ClaimedRecord r;
        while ((r = producer.tryClaim(size)) == null) {
            producer.publish(); // a batching producer's ring can be full of its own unpublished records
            Thread.onSpinWait();
        }
        r.putBytes(0, template, 0, size).putLong(0, seq).putLong(size - 8, trailer);
        producer.commitBatched();
    }

    @Override
    public boolean pingPong() {
        return true;
    }

    @Override
    public void echo(PeerContext ctx) {
        Path pingFile = ctx.dir().resolve("ping.ring");
        Path pongFile = ctx.dir().resolve("pong.ring");
        try (RingFile ping = RingFile.create(pingFile, RingConfig.of(CAPACITY));
             RingFile pong = RingFile.create(pongFile, RingConfig.of(CAPACITY));
             RingConsumer in = ping.attachConsumer();
             RingProducer out = pong.attachProducer()) {
            ctx.ready(pingFile + "," + pongFile);
            byte[] template = ctx.payload().template();
            RecordHandler echo = r -> send(out, template, r.length(), r.getLong(0), r.getLong(r.length() - 8));
            while (true) {
                if (in.poll(echo, BATCH) == 0) {
                    Thread.onSpinWait();
                }
            }
        }
    }

    @Override
    public long ping(PeerContext ctx, Histogram rtt) throws Exception {
        String[] files = ctx.address().split(",");
        try (RingFile ping = RingFile.open(Path.of(files[0]));
             RingFile pong = RingFile.open(Path.of(files[1]));
             RingProducer out = ping.attachProducer();
             RingConsumer in = pong.attachConsumer()) {
            byte[] template = ctx.payload().template();
            int size = ctx.size();
            Echoed echoed = new Echoed();
            return PingLoop.run(ctx, rtt, seq -> {
                send(out, template, size, seq, Payload.trailer(seq));
                echoed.expect = seq;
                while (in.poll(echoed, 1) == 0) {
                    Thread.onSpinWait();
                }
            });
        }
    }

    /** Checks the echoed message of a ping-pong round trip in place. */
    private static final class Echoed implements RecordHandler {
        long expect;

        @Override
        public void onRecord(RecordView r) {
            long seq = r.getLong(0);
            if (seq != expect || r.getLong(r.length() - 8) != Payload.trailer(seq)) {
                throw PingLoop.badEcho(expect, seq);
            }
        }
    }
}
