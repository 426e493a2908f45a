package io.dataport.bench.xproc;

import java.io.File;
import java.nio.MappedByteBuffer;
import org.HdrHistogram.Histogram;
import org.agrona.IoUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Agrona 2.6.0's {@code OneToOneRingBuffer} over a file mapped from /dev/shm, the closest thing a
 * Java user would pick instead of Dataport: same 4 MiB data capacity, both sides busy-spinning, the
 * producer claims in place ({@code tryClaim}), copies the message in and commits each message; the
 * consumer reads batches of up to 256 in place or copies each out. Agrona's default bounds checks
 * stay on, as Dataport's do. Needs {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}.
 */
public final class AgronaSystem implements MessagingSystem {
    private static final int BATCH = 256;
    private static final int MSG_TYPE = 1;

    @Override
    public String name() {
        return "agrona";
    }

    private static MappedByteBuffer create(File file) {
        return IoUtil.mapNewFile(file, DataportSystem.CAPACITY + RingBufferDescriptor.TRAILER_LENGTH);
    }

    private static MappedByteBuffer open(String file) {
        return IoUtil.mapExistingFile(new File(file), "agrona ring");
    }

    @Override
    public void consume(PeerContext ctx, Sink sink) {
        File file = ctx.dir().resolve("agrona.ring").toFile();
        MappedByteBuffer mapped = create(file);
        try {
            OneToOneRingBuffer ring = new OneToOneRingBuffer(new UnsafeBuffer(mapped));
            ctx.ready(file.toString());
            byte[] copy = sink.buffer();
            MessageHandler handler = ctx.mode() == Mode.INPLACE
                    ? (type, buf, index, length) -> sink.inPlace(length, buf.getLong(index), buf.getLong(index + length - 8))
                    : (type, buf, index, length) -> {
                        buf.getBytes(index, copy, 0, Math.min(length, copy.length));
                        sink.copied(length);
                    };
            while (sink.running()) {
                if (ring.read(handler, BATCH) == 0) {
                    sink.idle();
                    Thread.onSpinWait();
                }
            }
        } finally {
            IoUtil.unmap(mapped);
        }
    }

    @Override
    public void produce(PeerContext ctx) {
        MappedByteBuffer mapped = open(ctx.address());
        OneToOneRingBuffer ring = new OneToOneRingBuffer(new UnsafeBuffer(mapped));
        UnsafeBuffer buf = (UnsafeBuffer) ring.buffer();
        byte[] template = ctx.payload().template();
        int size = ctx.size();
        for (long seq = 0; ; seq++) {
            send(ring, buf, template, size, seq, Payload.trailer(seq));
        }
    }

    private static void send(OneToOneRingBuffer ring, MutableDirectBuffer buf, byte[] template, int size, long seq,
            long trailer) {
        int index;
        while ((index = ring.tryClaim(MSG_TYPE, size)) < 0) {
            Thread.onSpinWait();
        }
        buf.putBytes(index, template, 0, size);
        buf.putLong(index, seq);
        buf.putLong(index + size - 8, trailer);
        ring.commit(index);
    }

    @Override
    public boolean pingPong() {
        return true;
    }

    @Override
    public void echo(PeerContext ctx) {
        File pingFile = ctx.dir().resolve("ping.agrona").toFile();
        File pongFile = ctx.dir().resolve("pong.agrona").toFile();
        MappedByteBuffer pingMap = create(pingFile);
        MappedByteBuffer pongMap = create(pongFile);
        OneToOneRingBuffer in = new OneToOneRingBuffer(new UnsafeBuffer(pingMap));
        OneToOneRingBuffer out = new OneToOneRingBuffer(new UnsafeBuffer(pongMap));
        ctx.ready(pingFile + "," + pongFile);
        byte[] template = ctx.payload().template();
        MessageHandler echo = (type, buf, index, length) ->
                send(out, out.buffer(), template, length, buf.getLong(index), buf.getLong(index + length - 8));
        while (true) {
            if (in.read(echo, BATCH) == 0) {
                Thread.onSpinWait();
            }
        }
    }

    @Override
    public long ping(PeerContext ctx, Histogram rtt) throws Exception {
        String[] files = ctx.address().split(",");
        OneToOneRingBuffer out = new OneToOneRingBuffer(new UnsafeBuffer(open(files[0])));
        OneToOneRingBuffer in = new OneToOneRingBuffer(new UnsafeBuffer(open(files[1])));
        byte[] template = ctx.payload().template();
        int size = ctx.size();
        long[] expect = new long[1];
        MessageHandler echoed = (type, buf, index, length) -> {
            long seq = buf.getLong(index);
            if (seq != expect[0] || buf.getLong(index + length - 8) != Payload.trailer(seq)) {
                throw PingLoop.badEcho(expect[0], seq);
            }
        };
        return PingLoop.run(ctx, rtt, seq -> {
            send(out, out.buffer(), template, size, seq, Payload.trailer(seq));
            expect[0] = seq;
            while (in.read(echoed, 1) == 0) {
                Thread.onSpinWait();
            }
        });
    }
}
