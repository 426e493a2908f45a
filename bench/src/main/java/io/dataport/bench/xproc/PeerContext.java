package io.dataport.bench.xproc;

import java.nio.file.Path;

/**
 * What a child JVM was told: the system's working directory (a fresh temp dir under /dev/shm),
 * the address the consumer announced (null on the consumer side), payload size, consumer mode,
 * warm-up and window in seconds.
 */
public record PeerContext(Path dir, String address, Payload payload, Mode mode, double warmupSeconds,
        double seconds) {

    /** Announces the endpoint to the driver: it starts the other side only after this line. */
    public void ready(String endpoint) {
        System.out.println("ready " + endpoint);
        System.out.flush();
    }

    public int size() {
        return payload.size();
    }

    /** The nanoTime at which a ping-pong warm-up ends and at which its window ends, from now. */
    public long[] windowFromNow() {
        long now = System.nanoTime();
        long start = now + (long) (warmupSeconds * 1e9);
        return new long[] {start, start + (long) (seconds * 1e9)};
    }
}
