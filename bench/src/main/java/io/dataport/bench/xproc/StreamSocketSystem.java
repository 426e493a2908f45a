package io.dataport.bench.xproc;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.HdrHistogram.Histogram;

/**
 * A stream socket as a user would use it for messages: each message framed by a 4-byte length,
 * frames accumulated in a 256 KiB direct buffer and written with one system call when the next
 * frame does not fit (batched writes: one write per message is several times slower, and no user
 * chasing throughput does that); blocking channels on both sides. The consumer reads into a
 * 256 KiB direct buffer and checks each complete frame in that buffer (in place) or copies it out.
 * Ping-pong: one frame written, one frame read back, TCP_NODELAY where it applies.
 */
abstract class StreamSocketSystem implements MessagingSystem {
    static final int BUFFER = 256 * 1024;
    private static final int FRAME_HEADER = 4;

    /** Opens the listening socket in {@code dir} (Unix) or on the loopback (TCP). */
    abstract ServerSocketChannel listen(Path dir) throws IOException;

    /** The address the producer passes to {@link #connect}. */
    abstract String address(ServerSocketChannel server) throws IOException;

    abstract SocketChannel connect(String address) throws IOException;

    /** Socket options applied to both ends of a connection. */
    void configure(SocketChannel channel) throws IOException {
    }

    private SocketChannel accept(PeerContext ctx) throws IOException {
        try (ServerSocketChannel server = listen(ctx.dir())) {
            ctx.ready(address(server));
            SocketChannel channel = server.accept();
            configure(channel);
            return channel;
        }
    }

    private SocketChannel connect(PeerContext ctx) throws IOException {
        SocketChannel channel = connect(ctx.address());
        configure(channel);
        return channel;
    }

    private static ByteBuffer buffer() {
        return ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void consume(PeerContext ctx, Sink sink) throws IOException {
        int size = ctx.size();
        boolean inPlace = ctx.mode() == Mode.INPLACE;
        byte[] copy = sink.buffer();
        ByteBuffer in = buffer();
        try (SocketChannel channel = accept(ctx)) {
            while (sink.running()) {
                if (channel.read(in) < 0) {
                    throw new EOFException("the producer closed the connection");
                }
                in.flip();
                int p = in.position();
                while (in.limit() - p >= FRAME_HEADER) {
                    int length = in.getInt(p);
                    if (length != size) {
                        throw new IllegalStateException("frame length " + length + ", expected " + size);
                    }
                    if (in.limit() - p < FRAME_HEADER + length) {
                        break;
                    }
                    int at = p + FRAME_HEADER;
                    if (inPlace) {
                        sink.inPlace(length, in.getLong(at), in.getLong(at + length - 8));
                    } else {
                        in.get(at, copy, 0, length);
                        sink.copied(length);
                    }
                    p = at + length;
                }
                in.position(p);
                in.compact();
            }
        }
    }

    @Override
    public void produce(PeerContext ctx) throws IOException {
        int size = ctx.size();
        byte[] template = ctx.payload().template();
        ByteBuffer out = buffer();
        try (SocketChannel channel = connect(ctx)) {
            for (long seq = 0; ; seq++) {
                if (out.remaining() < FRAME_HEADER + size) {
                    out.flip();
                    writeFully(channel, out);
                    out.clear();
                }
                putFrame(out, template, size, seq, Payload.trailer(seq));
            }
        }
    }

    /** Appends one framed message at the buffer's position. */
    private static void putFrame(ByteBuffer out, byte[] template, int size, long seq, long trailer) {
        int at = out.position() + FRAME_HEADER;
        out.putInt(size).put(template, 0, size);
        out.putLong(at, seq).putLong(at + size - 8, trailer);
    }

    private static void writeFully(SocketChannel channel, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    private static void readFully(SocketChannel channel, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            if (channel.read(buf) < 0) {
                throw new EOFException("the peer closed the connection");
            }
        }
    }

    @Override
    public boolean pingPong() {
        return true;
    }

    @Override
    public void echo(PeerContext ctx) throws IOException {
        ByteBuffer frame = ByteBuffer.allocateDirect(FRAME_HEADER + ctx.size()).order(ByteOrder.LITTLE_ENDIAN);
        try (SocketChannel channel = accept(ctx)) {
            while (true) {
                frame.clear();
                readFully(channel, frame);
                frame.flip();
                writeFully(channel, frame);
            }
        } catch (EOFException e) {
            // the initiator finished and closed the connection: the normal end of a ping-pong
        }
    }

    @Override
    public long ping(PeerContext ctx, Histogram rtt) throws Exception {
        int size = ctx.size();
        byte[] template = ctx.payload().template();
        ByteBuffer frame = ByteBuffer.allocateDirect(FRAME_HEADER + size).order(ByteOrder.LITTLE_ENDIAN);
        try (SocketChannel channel = connect(ctx)) {
            return PingLoop.run(ctx, rtt, seq -> {
                frame.clear();
                putFrame(frame, template, size, seq, Payload.trailer(seq));
                frame.flip();
                writeFully(channel, frame);
                frame.clear();
                readFully(channel, frame);
                long echoed = frame.getLong(FRAME_HEADER);
                if (echoed != seq || frame.getLong(FRAME_HEADER + size - 8) != Payload.trailer(seq)) {
                    throw PingLoop.badEcho(seq, echoed);
                }
            });
        }
    }
}
