package io.dataport.mesh;

import io.dataport.queue.RegionGeometry;
import io.dataport.queue.RegionLayout;
import io.dataport.queue.RegionOptions;
import io.dataport.queue.RingConfig;
import io.dataport.queue.RingLayout;
import io.dataport.region.nativemap.UioDevice;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What every node of one mesh must agree on: the shared directory, the number of nodes, the mesh
 * name, the size of each link's ring and the largest packet. Plus three per-node knobs that need not
 * agree: the receive batch limit (fairness), how long a blocking send waits for room, and the lease
 * timeout after which this node takes over a role whose holder stopped beating (its own previous
 * incarnation's, after a crash).
 *
 * <p>Every pair of nodes shares one region ({@link #regionFile}, {@link #regionGeometry}; with
 * {@link Notify#UIO}, the dataport of the UIO device {@link #uioDeviceName}): one ring per
 * direction. The name and the node count make the mesh's {@link #tag() tag}, written into the
 * directory of every region the mesh formats: a node refuses a region with another tag (another
 * mesh, or the same name with another node count) and one with other sizes. Immutable; use the
 * {@code with...} methods.
 *
 * @param dir             the directory holding the mesh's region files and doorbells (unused with
 *                        {@link Notify#UIO}: the regions are the UIO devices' dataports)
 * @param nodes           node ids are {@code 0 .. nodes - 1}
 * @param name            the mesh's name (with {@code nodes}, it makes the tag)
 * @param ringCapacity    bytes of each link's ring (a power of two, at least {@link #MIN_RING_CAPACITY})
 * @param maxPacketLength the largest packet a node may send (the ring record adds an 8-byte mesh header)
 * @param batchLimit      the most packets taken from one inbound link per receive round
 * @param sendTimeoutNanos how long {@link Node#send(int, byte[])} waits for room before it fails
 * @param leaseTimeoutNanos how long a role's holder must have stopped beating before this node takes
 *                        the role over ({@link RegionOptions#withLeaseTimeout}); default 10 s
 * @param notifier        how a node with nothing to receive is woken: {@link Notify#SOCKET} (a Unix-socket
 *                        doorbell, one kernel), {@link Notify#POLL} (bounded polling, works between VMs) or
 *                        {@link Notify#UIO} (the links and their events are UIO devices: CAmkES cross-VM
 *                        connections)
 * @param uioSysfs        with {@link Notify#UIO}: where the UIO devices are listed (default
 *                        {@code /sys/class/uio}; a fake tree in tests); may differ per node
 * @param uioDev          with {@link Notify#UIO}: where their nodes {@code uioN} are (default {@code /dev});
 *                        may differ per node
 */
public record MeshConfig(Path dir, int nodes, String name, int ringCapacity, int maxPacketLength,
                         int batchLimit, long sendTimeoutNanos, long leaseTimeoutNanos, Notify notifier,
                         Path uioSysfs, Path uioDev) {
    public static final int DEFAULT_NODES = 3;
    public static final String DEFAULT_NAME = "dataport";
    public static final int DEFAULT_RING_CAPACITY = 4 << 20;
    public static final int DEFAULT_MAX_PACKET_LENGTH = 65536;
    public static final int DEFAULT_BATCH_LIMIT = 64;
    public static final long DEFAULT_SEND_TIMEOUT_NANOS = 10_000_000_000L;
    /** The library's default lease timeout ({@link RegionOptions#defaults()}): far above any stall measured here. */
    public static final long DEFAULT_LEASE_TIMEOUT_NANOS = 10_000_000_000L;
    /** The smallest ring of a region: its first pages hold its header page ({@link RegionLayout#MIN_RING_CAPACITY}). */
    public static final int MIN_RING_CAPACITY = RegionLayout.MIN_RING_CAPACITY;
    /** The most nodes a mesh may have: it has {@code nodes * (nodes - 1) / 2} region files. */
    public static final int MAX_NODES = 64;
    /** Bytes of the mesh header in front of every packet in a ring record: the packet's sequence number. */
    public static final int HEADER_LENGTH = 8;

    public MeshConfig {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(notifier, "notifier");
        Objects.requireNonNull(uioSysfs, "uioSysfs");
        Objects.requireNonNull(uioDev, "uioDev");
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
        if (leaseTimeoutNanos <= 0) {
            throw new MeshException("the lease timeout must be more than 0 seconds");
        }
        if (maxPacketLength < 0) {
            throw new MeshException("the max packet length must not be negative, not " + maxPacketLength);
        }
        if (!isPowerOfTwo(ringCapacity) || ringCapacity < MIN_RING_CAPACITY
                || ringCapacity > RingLayout.MAX_CAPACITY) {
            throw new MeshException("the ring size " + ringCapacity + " must be a power of two in ["
                    + MIN_RING_CAPACITY + ", " + RingLayout.MAX_CAPACITY + "]");
        }
        long needed = minimumRingCapacity(maxPacketLength);
        if (ringCapacity < needed) {
            throw new MeshException("packets of up to " + maxPacketLength + " bytes need a ring of at least "
                    + needed + " bytes (a record, with its 8-byte ring and 8-byte mesh headers, may take at most"
                    + " half of the ring less its first " + RegionLayout.lapPrefix(0) + " bytes), not " + ringCapacity);
        }
    }

    /** The defaults (3 nodes, mesh "dataport", 4 MiB rings, 64 KiB packets) in {@code dir}. */
    public static MeshConfig defaults(Path dir) {
        return new MeshConfig(dir, DEFAULT_NODES, DEFAULT_NAME, DEFAULT_RING_CAPACITY,
                DEFAULT_MAX_PACKET_LENGTH, DEFAULT_BATCH_LIMIT, DEFAULT_SEND_TIMEOUT_NANOS,
                DEFAULT_LEASE_TIMEOUT_NANOS, Notify.SOCKET, UioDevice.DEFAULT_SYSFS_ROOT, UioDevice.DEFAULT_DEV_ROOT);
    }

    public MeshConfig withDir(Path value) {
        return new MeshConfig(value, nodes, name, ringCapacity, maxPacketLength, batchLimit,
                sendTimeoutNanos, leaseTimeoutNanos, notifier, uioSysfs, uioDev);
    }

    public MeshConfig withNodes(int value) {
        return new MeshConfig(dir, value, name, ringCapacity, maxPacketLength, batchLimit,
                sendTimeoutNanos, leaseTimeoutNanos, notifier, uioSysfs, uioDev);
    }

    public MeshConfig withName(String value) {
        return new MeshConfig(dir, nodes, value, ringCapacity, maxPacketLength, batchLimit,
                sendTimeoutNanos, leaseTimeoutNanos, notifier, uioSysfs, uioDev);
    }

    public MeshConfig withRingCapacity(int value) {
        return new MeshConfig(dir, nodes, name, value, maxPacketLength, batchLimit,
                sendTimeoutNanos, leaseTimeoutNanos, notifier, uioSysfs, uioDev);
    }

    public MeshConfig withMaxPacketLength(int value) {
        return new MeshConfig(dir, nodes, name, ringCapacity, value, batchLimit,
                sendTimeoutNanos, leaseTimeoutNanos, notifier, uioSysfs, uioDev);
    }

    /** Both sizes at once (each alone may be refused against the other's old value). */
    public MeshConfig withSizes(int ringCapacity, int maxPacketLength) {
        return new MeshConfig(dir, nodes, name, ringCapacity, maxPacketLength, batchLimit,
                sendTimeoutNanos, leaseTimeoutNanos, notifier, uioSysfs, uioDev);
    }

    public MeshConfig withBatchLimit(int value) {
        return new MeshConfig(dir, nodes, name, ringCapacity, maxPacketLength, value,
                sendTimeoutNanos, leaseTimeoutNanos, notifier, uioSysfs, uioDev);
    }

    public MeshConfig withSendTimeoutNanos(long value) {
        return new MeshConfig(dir, nodes, name, ringCapacity, maxPacketLength, batchLimit, value,
                leaseTimeoutNanos, notifier, uioSysfs, uioDev);
    }

    /**
     * How long a role's holder must have stopped beating before this node takes the role over:
     * after a crash, a restarted node waits this long for its previous incarnation's leases.
     */
    public MeshConfig withLeaseTimeout(Duration value) {
        return new MeshConfig(dir, nodes, name, ringCapacity, maxPacketLength, batchLimit, sendTimeoutNanos,
                value.toNanos(), notifier, uioSysfs, uioDev);
    }

    /**
     * Where the UIO devices of {@link Notify#UIO} are: {@code sysfs} lists them ({@code uioN/name},
     * {@code uioN/maps/mapM/...}) and {@code dev} holds their nodes {@code uioN}. The defaults are
     * {@link UioDevice#DEFAULT_SYSFS_ROOT} and {@link UioDevice#DEFAULT_DEV_ROOT}.
     */
    public MeshConfig withUioRoots(Path sysfs, Path dev) {
        return new MeshConfig(dir, nodes, name, ringCapacity, maxPacketLength, batchLimit, sendTimeoutNanos,
                leaseTimeoutNanos, notifier, sysfs, dev);
    }

    /** How a node that has nothing to receive is woken ({@link Notify}); every node of a mesh must use the same. */
    public MeshConfig withNotify(Notify value) {
        return new MeshConfig(dir, nodes, name, ringCapacity, maxPacketLength, batchLimit, sendTimeoutNanos,
                leaseTimeoutNanos, value, uioSysfs, uioDev);
    }

    /**
     * How a node's receive thread, asleep on all its inbound rings, is woken when a peer sends
     * (the wake-up protocol is the same for both, {@code docs/mesh.md}, "Wake-ups").
     */
    public enum Notify {
        /** A Unix-domain socket doorbell per node ({@link #doorbellFile}): one kernel only; the default. */
        SOCKET,
        /**
         * No signal: the sleeping node re-checks its rings at least every
         * {@link io.dataport.queue.Notifier#DEFAULT_POLL_NANOS} (a bounded back-off). Needs nothing but
         * the regions, so it works between virtual machines.
         */
        POLL,
        /**
         * The links are UIO devices, one per pair (a seL4/CAmkES cross-VM connection exposed by the
         * guest's {@code connection.ko}), named {@link MeshConfig#uioDeviceName}: the pair's region is the
         * device's map 1 (its dataport), the node sleeps on all its devices' nodes {@code /dev/uioN}
         * at once (one 4-byte read per event) and kicks a peer by a 32-bit store at offset 0 of map
         * 0 (the event register) of the device it shares with that peer. No file in {@link MeshConfig#dir}.
         */
        UIO;

        /** The option's value: {@code socket}, {@code poll} or {@code uio}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** Parses {@code socket}, {@code poll} or {@code uio}; anything else is a one-line error naming the choices. */
        public static Notify parse(String text) {
            for (Notify n : values()) {
                if (n.label().equals(text)) {
                    return n;
                }
            }
            throw new MeshException("unknown notifier '" + text + "': use socket (one host), poll (between VMs)"
                    + " or uio (CAmkES cross-VM connections as UIO devices)");
        }
    }

    /** The smallest ring that carries packets of {@code maxPacketLength} bytes. */
    public static long minimumRingCapacity(int maxPacketLength) {
        long record = HEADER_LENGTH + (long) maxPacketLength;
        long capacity = MIN_RING_CAPACITY;
        while (capacity <= RingLayout.MAX_CAPACITY && RegionGeometry.maxRecordLengthFor((int) capacity) < record) {
            capacity *= 2;
        }
        return capacity;
    }

    /** The sizes of every ring of this mesh. */
    public RingConfig ringConfig() {
        return new RingConfig(ringCapacity, maxPacketLength + HEADER_LENGTH);
    }

    /**
     * The identifier written into the directory of every region of this mesh: a 64-bit FNV-1a hash of the name and
     * the node count, never 0 (0 is "no tag" for the library).
     */
    public long tag() {
        long hash = 0xcbf29ce484222325L;
        for (byte b : ("dataport-mesh/1/" + name + "/" + nodes).getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        return hash == 0 ? 1 : hash;
    }

    /**
     * The region shared by nodes {@code a} and {@code b} (either order): one file per pair,
     * {@code pair-LOW-HIGH.region}, holding the ring of each direction ({@link #regionGeometry}).
     */
    public Path regionFile(int a, int b) {
        return dir.resolve("pair-" + Math.min(a, b) + "-" + Math.max(a, b) + ".region");
    }

    /**
     * The geometry of the region of nodes {@code a} and {@code b}, the same whichever of them asks:
     * the layout of {@link RegionGeometry#pair} for the lower id {@code lo} and the higher {@code hi}
     * (ring 0: {@code lo -> hi}, ring 1: {@code hi -> lo}, each of {@link #ringCapacity()} bytes, the
     * region {@code sizeFor(ringCapacity, ringCapacity)} bytes with nothing left over, tagged with
     * {@link #tag()}), with the mesh's max record length ({@link #ringConfig()}) instead of the
     * largest the capacity allows: a peer configured for other packet sizes is refused too.
     */
    public RegionGeometry regionGeometry(int a, int b) {
        int lo = Math.min(a, b);
        int hi = Math.max(a, b);
        int max = ringConfig().maxRecordLength();
        return new RegionGeometry(RegionGeometry.sizeFor(ringCapacity, ringCapacity), tag(), List.of(
                new RegionGeometry.Ring(0, ringCapacity, max, lo, hi),
                new RegionGeometry.Ring(1, ringCapacity, max, hi, lo)));
    }

    /** How this node holds its roles: a fresh random holder identity, this mesh's lease timeout, takeover on. */
    public RegionOptions regionOptions() {
        return RegionOptions.defaults().withLeaseTimeout(Duration.ofNanos(leaseTimeoutNanos));
    }

    /**
     * With {@link Notify#UIO}: the name of the UIO device (the CAmkES cross-VM connection) that
     * nodes {@code a} and {@code b} share, the same in both of them: {@code pair-LOW-HIGH}.
     */
    public static String uioDeviceName(int a, int b) {
        return "pair-" + Math.min(a, b) + "-" + Math.max(a, b);
    }

    /** The doorbell (a Unix-domain socket) that node {@code id} sleeps on. */
    public Path doorbellFile(int id) {
        return dir.resolve("node-" + id + ".bell");
    }

    /** A one-line description for logs: name, nodes, sizes, directory (or UIO roots). */
    public String describe() {
        String where = notifier == Notify.UIO
                ? "over UIO devices pair-A-B in " + uioSysfs + " (nodes in " + uioDev + ")"
                : "in " + dir;
        return "mesh '" + name + "' of " + nodes + " nodes " + where + " (one region per pair, rings of "
                + ringCapacity + " bytes, packets up to " + maxPacketLength + " bytes, " + notifier.label()
                + " notifier)";
    }

    private static boolean isPowerOfTwo(long value) {
        return value > 0 && (value & (value - 1)) == 0;
    }
}
