package io.dataport.mesh;

import io.dataport.queue.RingConfig;
import io.dataport.queue.RingLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What every node of one mesh must agree on: the shared directory, the number of nodes, the mesh
 * name, the size of each link's ring and the largest packet. Plus two per-node knobs that need not
 * agree: the receive batch limit (fairness) and how long a blocking send waits for room.
 *
 * <p>The name and the node count make the mesh's {@link #tag() tag}, written into every ring file
 * the mesh creates: a node refuses a file with another tag (another mesh, or the same name with
 * another node count) and a file with other sizes. Immutable; use the {@code with...} methods.
 *
 * @param dir             the directory holding the mesh's ring files and doorbells
 * @param nodes           node ids are {@code 0 .. nodes - 1}
 * @param name            the mesh's name (with {@code nodes}, it makes the tag)
 * @param ringCapacity    bytes of each link's ring (a power of two)
 * @param maxPacketLength the largest packet a node may send (the ring record adds an 8-byte mesh header)
 * @param batchLimit      the most packets taken from one inbound link per receive round
 * @param sendTimeoutNanos how long {@link Node#send(int, byte[])} waits for room before it fails
 */
public record MeshConfig(Path dir, int nodes, String name, int ringCapacity, int maxPacketLength,
                         int batchLimit, long sendTimeoutNanos) {
    public static final int DEFAULT_NODES = 3;
    public static final String DEFAULT_NAME = "dataport";
    public static final int DEFAULT_RING_CAPACITY = 4 << 20;
    public static final int DEFAULT_MAX_PACKET_LENGTH = 65536;
    public static final int DEFAULT_BATCH_LIMIT = 64;
    public static final long DEFAULT_SEND_TIMEOUT_NANOS = 10_000_000_000L;
    /** The most nodes a mesh may have: it has {@code nodes * (nodes - 1)} ring files. */
    public static final int MAX_NODES = 64;
    /** Bytes of the mesh header in front of every packet in a ring record: the packet's sequence number. */
    public static final int HEADER_LENGTH = 8;

    public MeshConfig {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(name, "name");
        if (nodes < 2 || nodes > MAX_NODES) {
            throw new MeshException("a mesh has 2 to " + MAX_NODES + " nodes, not " + nodes);
        }
        if (name.isEmpty()) {
            throw new MeshException("the mesh name is empty");
        }
        if (batchLimit < 1) {
            throw new MeshException("the batch limit must be at least 1, not " + batchLimit);
        }
        if (sendTimeoutNanos < 0) {
            throw new MeshException("the send timeout must not be negative");
        }
        if (maxPacketLength < 0) {
            throw new MeshException("the max packet length must not be negative, not " + maxPacketLength);
        }
        if (!isPowerOfTwo(ringCapacity) || ringCapacity < RingLayout.MIN_CAPACITY
                || ringCapacity > RingLayout.MAX_CAPACITY) {
            throw new MeshException("the ring size " + ringCapacity + " must be a power of two in ["
                    + RingLayout.MIN_CAPACITY + ", " + RingLayout.MAX_CAPACITY + "]");
        }
        long needed = minimumRingCapacity(maxPacketLength);
        if (ringCapacity < needed) {
            throw new MeshException("packets of up to " + maxPacketLength + " bytes need a ring of at least "
                    + needed + " bytes (a record, with its 8-byte ring and 8-byte mesh headers, may take at most"
                    + " half the ring), not " + ringCapacity);
        }
    }

    /** The defaults (3 nodes, mesh "dataport", 4 MiB rings, 64 KiB packets) in {@code dir}. */
    public static MeshConfig defaults(Path dir) {
        return new MeshConfig(dir, DEFAULT_NODES, DEFAULT_NAME, DEFAULT_RING_CAPACITY,
                DEFAULT_MAX_PACKET_LENGTH, DEFAULT_BATCH_LIMIT, DEFAULT_SEND_TIMEOUT_NANOS);
    }

    public MeshConfig withDir(Path value) {
        return new MeshConfig(value, nodes, name, ringCapacity, maxPacketLength, batchLimit, sendTimeoutNanos);
    }

    public MeshConfig withNodes(int value) {
        return new MeshConfig(dir, value, name, ringCapacity, maxPacketLength, batchLimit, sendTimeoutNanos);
    }

    public MeshConfig withName(String value) {
        return new MeshConfig(dir, nodes, value, ringCapacity, maxPacketLength, batchLimit, sendTimeoutNanos);
    }

    public MeshConfig withRingCapacity(int value) {
        return new MeshConfig(dir, nodes, name, value, maxPacketLength, batchLimit, sendTimeoutNanos);
    }

    public MeshConfig withMaxPacketLength(int value) {
        return new MeshConfig(dir, nodes, name, ringCapacity, value, batchLimit, sendTimeoutNanos);
    }

    /** Both sizes at once (each alone may be refused against the other's old value). */
    public MeshConfig withSizes(int ringCapacity, int maxPacketLength) {
        return new MeshConfig(dir, nodes, name, ringCapacity, maxPacketLength, batchLimit, sendTimeoutNanos);
    }

    public MeshConfig withBatchLimit(int value) {
        return new MeshConfig(dir, nodes, name, ringCapacity, maxPacketLength, value, sendTimeoutNanos);
    }

    public MeshConfig withSendTimeoutNanos(long value) {
        return new MeshConfig(dir, nodes, name, ringCapacity, maxPacketLength, batchLimit, value);
    }

    /** The smallest ring that carries packets of {@code maxPacketLength} bytes. */
    public static long minimumRingCapacity(int maxPacketLength) {
        long record = RingLayout.RECORD_HEADER_LENGTH + HEADER_LENGTH + (long) maxPacketLength;
        long size = (record + RingLayout.RECORD_ALIGNMENT - 1) & -RingLayout.RECORD_ALIGNMENT;
        long capacity = RingLayout.MIN_CAPACITY;
        while (capacity / 2 < size) {
            capacity *= 2;
        }
        return capacity;
    }

    /** The sizes of every ring of this mesh. */
    public RingConfig ringConfig() {
        return new RingConfig(ringCapacity, maxPacketLength + HEADER_LENGTH);
    }

    /**
     * The identifier written into every ring file of this mesh: a 64-bit FNV-1a hash of the name and
     * the node count, never 0 (0 is "no tag" for the library).
     */
    public long tag() {
        long hash = 0xcbf29ce484222325L;
        for (byte b : ("dataport-mesh/1/" + name + "/" + nodes).getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        return hash == 0 ? 1 : hash;
    }

    /** The ring carrying packets from node {@code from} to node {@code to}: one file per direction. */
    public Path ringFile(int from, int to) {
        return dir.resolve(from + "-to-" + to + ".ring");
    }

    /** The doorbell (a Unix-domain socket) that node {@code id} sleeps on. */
    public Path doorbellFile(int id) {
        return dir.resolve("node-" + id + ".bell");
    }

    /** A one-line description for logs: name, nodes, sizes, directory. */
    public String describe() {
        return "mesh '" + name + "' of " + nodes + " nodes in " + dir + " (rings of " + ringCapacity
                + " bytes, packets up to " + maxPacketLength + " bytes)";
    }

    private static boolean isPowerOfTwo(long value) {
        return value > 0 && (value & (value - 1)) == 0;
    }
}
