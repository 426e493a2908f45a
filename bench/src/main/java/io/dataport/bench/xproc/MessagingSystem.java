package io.dataport.bench.xproc;

import org.HdrHistogram.Histogram;

/**
 * One system under comparison, seen from the two child JVMs the driver starts. The consumer side
 * opens the endpoint (a file it creates, or a socket it binds), announces its address with
 * {@link PeerContext#ready}, and receives until the {@link Sink} says the window is over. The
 * producer side connects to that address and sends numbered messages as fast as the system takes
 * them until the driver kills it. Every adapter preallocates: nothing is allocated per message by
 * the harness (a library may still allocate inside, JeroMQ does).
 */
public interface MessagingSystem {
    /** Name used in options and results. */
    String name();

    void consume(PeerContext ctx, Sink sink) throws Exception;

    void produce(PeerContext ctx) throws Exception;

    /** Whether this system has a ping-pong (round-trip) implementation. */
    default boolean pingPong() {
        return false;
    }

    /** Ping-pong responder: opens the two directions, announces them, echoes every message until killed. */
    default void echo(PeerContext ctx) throws Exception {
        throw new UnsupportedOperationException(name() + " has no ping-pong");
    }

    /**
     * Ping-pong initiator: sends one message, waits for its echo, records the round trip in
     * nanoseconds in {@code rtt} once the warm-up is over, until the window ends; returns round trips recorded.
     */
    default long ping(PeerContext ctx, Histogram rtt) throws Exception {
        throw new UnsupportedOperationException(name() + " has no ping-pong");
    }
}
