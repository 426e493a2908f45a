package io.dataport.bench.xproc;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import zmq.Msg;

/**
 * JeroMQ (pure-Java ZeroMQ) PUSH/PULL over TCP loopback, the messaging library a user would pick
 * for "just send messages between processes". Defaults (high-water marks 1000, one I/O thread);
 * JeroMQ batches on its own I/O thread. The producer sends from one preallocated array (JeroMQ
 * copies it); in place the consumer checks the received message's own buffer, copy-out copies it
 * into the private buffer. JeroMQ allocates a message object per message internally: that cost is
 * part of what a user of it pays.
 */
public final class JeroMqSystem implements MessagingSystem {
    @Override
    public String name() {
        return "jeromq";
    }

    @Override
    public void consume(PeerContext ctx, Sink sink) {
        try (ZContext zmq = new ZContext(1)) {
            ZMQ.Socket pull = zmq.createSocket(SocketType.PULL);
            int port = pull.bindToRandomPort("tcp://127.0.0.1");
            ctx.ready(Integer.toString(port));
            byte[] copy = sink.buffer();
            boolean inPlace = ctx.mode() == Mode.INPLACE;
            while (sink.running()) {
                Msg msg = pull.recvMsg(0);
                int length = msg.size();
                if (inPlace) {
                    ByteBuffer b = msg.buf().order(ByteOrder.LITTLE_ENDIAN);
                    int at = b.position();
                    sink.inPlace(length, b.getLong(at), length >= 8 ? b.getLong(at + length - 8) : 0);
                } else {
                    msg.getBytes(0, copy, 0, Math.min(length, copy.length));
                    sink.copied(length);
                }
            }
        }
    }

    @Override
    public void produce(PeerContext ctx) {
        try (ZContext zmq = new ZContext(1)) {
            ZMQ.Socket push = zmq.createSocket(SocketType.PUSH);
            push.connect("tcp://127.0.0.1:" + ctx.address());
            Payload p = ctx.payload();
            byte[] message = new byte[p.size()];
            for (long seq = 0; ; seq++) {
                p.fill(message, seq);
                if (!push.send(message, 0, message.length, 0)) {
                    throw new IllegalStateException("jeromq send failed: " + push.errno());
                }
            }
        }
    }
}
