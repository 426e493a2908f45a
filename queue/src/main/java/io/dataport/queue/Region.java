package io.dataport.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;

/**
 * A fixed-size shared memory area holding a directory and rings: the way two VMs (or processes
 * that share nothing but memory) exchange records. Dataport maps a region but never creates,
 * resizes or renames it, locks it or opens a socket for it: the directory is formatted exactly once
 * through the region's own bytes ({@link RegionDirectory}), and each ring's roles are held by leases
 * in shared memory ({@link Lease}).
 *
 * <p>Where a region comes from (docs/regions.md): a file ({@link #open(Path, RegionGeometry,
 * RegionOptions)}: a host file in {@code /dev/shm} made by {@link #createFile}, or an ivshmem BAR's
 * {@code /sys/bus/pci/devices/ADDR/resource2}), or memory mapped elsewhere ({@link #wrap}: a UIO map
 * or a CAmkES dataport node mapped by {@code dataport-region-native}).
 *
 * <pre>{@code
 * RegionGeometry pair = RegionGeometry.pair(size, 0, 1, 42);      // ring 0: 0->1, ring 1: 1->0
 * try (Region region = Region.open(path, pair, RegionOptions.defaults());
 *      RingProducer out = region.attachProducer(pair.indexOf(0, 1));
 *      RingConsumer in = region.attachConsumer(pair.indexOf(1, 0))) { ... }
 * }</pre>
 */
public final class Region implements AutoCloseable {
    private final String name;
    private final SharedRegion shared;
    private final RegionDirectory directory;
    private final RegionOptions options;
    private final FileChannel channel;

    private Region(String name, SharedRegion shared, RegionDirectory directory, RegionOptions options, FileChannel channel) {
        this.name = name;
        this.shared = shared;
        this.directory = directory;
        this.options = options;
        this.channel = channel;
    }

    /**
     * Creates a zero-filled region file of {@code size} bytes (mode 0600); fails if it exists: a
     * host file in {@code /dev/shm} to back an ivshmem device or to link processes of one host.
     */
    public static void createFile(Path path, long size) {
        if (!createFileIfAbsent(path, size)) {
            throw new RegionException(path + ": already exists; open it, or remove it if it is stale");
        }
    }

    /**
     * Creates a zero-filled region file of {@code size} bytes (mode 0600) unless one is there;
     * returns whether it created it. The file is sized under a private name in the same folder and
     * then hard-linked into place, so a peer never maps a file that is not sized yet, and of two
     * peers creating it at once exactly one does.
     */
    public static boolean createFileIfAbsent(Path path, long size) {
        if (size <= 0 || size % RegionLayout.ALIGNMENT != 0) {
            throw new IllegalArgumentException("region size " + size + " is not a positive multiple of "
                    + RegionLayout.ALIGNMENT);
        }
        Path dir = path.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw new RegionException(path + ": cannot create: its directory does not exist");
        }
        if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Path temporary = dir.resolve("." + path.getFileName() + ".creating." + ProcessHandle.current().pid() + "."
                + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()));
        try (FileChannel ch = FileChannel.open(temporary, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ch.write(ByteBuffer.allocate(1), size - 1); // sparse: zero-filled, sized
            ch.force(true);
            Files.createLink(path, temporary);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false; // a peer linked it first
        } catch (IOException e) {
            throw new RegionException(path + ": cannot create: " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException ignored) {
                // a hidden leftover; nothing maps it
            }
        }
    }

    /**
     * Maps the region in {@code path} (a file, or a PCI resource file such as an ivshmem BAR) and
     * formats it with {@code geometry}, or finds it formatted with the same geometry. With
     * {@code geometry} null, joins a region that a peer formats.
     */
    public static Region open(Path path, RegionGeometry geometry, RegionOptions options) {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            throw new RegionException(path + ": no such region file (create one with Region.createFile, or"
                    + " check the device path)", e);
        } catch (IOException e) {
            throw new RegionException(path + ": cannot open read-write: " + e.getMessage(), e);
        }
        try {
            long size = channel.size();
            if (size == 0) {
                throw new RegionException(path + ": its size reads 0: a device node must be mapped with an explicit"
                        + " length (dataport-region-native), or the file is empty");
            }
            if (size > Integer.MAX_VALUE) {
                throw new RegionException(path + ": " + size + " bytes; a region is at most " + Integer.MAX_VALUE);
            }
            MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, size);
            return attach(path.toString(), map, geometry, options, channel);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new RegionException(path + ": cannot map: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** A region in memory that the caller mapped (a UIO map, a dataport node): {@code memory} must stay mapped. */
    public static Region wrap(ByteBuffer memory, String name, RegionGeometry geometry, RegionOptions options) {
        return attach(name, memory, geometry, options, null);
    }

    private static Region attach(String name, ByteBuffer memory, RegionGeometry geometry, RegionOptions options,
            FileChannel channel) {
        SharedRegion shared = new SharedRegion(memory);
        RegionDirectory directory = RegionDirectory.attach(shared, geometry, options, name);
        return new Region(name, shared, directory, options, channel);
    }

    /** The region's rings, as its directory says. */
    public RegionGeometry geometry() {
        return directory.geometry;
    }

    /** The format generation: 1 unless a stalled format was taken over. */
    public int generation() {
        return directory.generation;
    }

    /** Attaches the producer of ring {@code index}, claiming its lease ({@link RegionOptions}). */
    public RingProducer attachProducer(int index) {
        return attach(index, Role.PRODUCER, (ring, lease) -> new RingProducer(ring, config(index), lease::close, lease.epoch()));
    }

    /** Attaches the consumer of ring {@code index}, claiming its lease ({@link RegionOptions}). */
    public RingConsumer attachConsumer(int index) {
        return attach(index, Role.CONSUMER, (ring, lease) -> new RingConsumer(ring, config(index), lease::close, lease.epoch()));
    }

    /** Claims {@code role}'s lease, then makes the end that holds it; the lease is released if that fails. */
    private <E extends RingEnd> E attach(int index, Role role, java.util.function.BiFunction<SharedRing, Lease, E> make) {
        SharedRing ring = ring(index);
        String end = name + " ring " + directory.geometry.rings().get(index).id() + " (" + role + ")";
        Lease lease = Lease.claim(ring, role, options, end);
        try {
            E e = make.apply(ring, lease);
            e.holdWith(lease);
            e.describe(end, () -> Lease.holderOf(ring.readLease(role.peer())) != 0);
            return e;
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
    }

    /**
     * What ring {@code index} holds now, read once from shared memory: positions, and who holds each
     * role (holder 0: free) with its epoch. For tools and diagnostics; the values may change at once.
     */
    public RingStatus status(int index) {
        SharedRing ring = ring(index);
        RegionGeometry.Ring r = directory.geometry.rings().get(index);
        long producer = ring.readLease(Role.PRODUCER);
        long consumer = ring.readLease(Role.CONSUMER);
        long hint = ring.readProducerPosition() & RingLayout.POSITION_MASK;
        long consumerPosition = RingLayout.positionNear(ring.readConsumerPosition(), hint);
        long end = Frontier.find(ring, directory.geometry.config(index),
                consumerPosition - hint > 0 ? consumerPosition : hint, consumerPosition);
        return new RingStatus(r, directory.geometry.lapPrefix(index), end < 0 ? hint : end, consumerPosition,
                Lease.holderOf(producer), Lease.epochOf(producer), ring.readHeartbeat(Role.PRODUCER),
                Lease.holderOf(consumer), Lease.epochOf(consumer), ring.readHeartbeat(Role.CONSUMER));
    }

    /**
     * A snapshot of one ring of a region ({@link #status}). The producer position is its frontier,
     * found by walking the committed headers from the hint in the producer position word (or the
     * consumer position, if later; the hint itself when a header there is corrupt); positions are
     * the 48-bit values of the position words (the consumer's rebuilt near the hint).
     */
    public record RingStatus(RegionGeometry.Ring ring, int lapPrefix, long producerPosition, long consumerPosition,
            int producerHolder, long producerEpoch, long producerHeartbeat,
            int consumerHolder, long consumerEpoch, long consumerHeartbeat) {

        /**
         * Bytes published and not consumed yet (records and paddings): the distance between the
         * positions less the lap prefixes that lie between them. Positions that are not within one
         * capacity of each other (a corrupt ring) give the plain distance.
         */
        public long unread() {
            long cap = ring.capacity();
            long distance = producerPosition - consumerPosition;
            if (distance < 0 || distance > cap) {
                return distance;
            }
            long skipped = 0;
            for (long start = Math.floorDiv(consumerPosition, cap) * cap; start < producerPosition; start += cap) {
                skipped += Math.max(0, Math.min(producerPosition, start + lapPrefix) - Math.max(consumerPosition, start));
            }
            return distance - skipped;
        }
    }

    /**
     * Writes zeros over the whole region file (its size is kept, so a peer's mapping stays valid):
     * what a region must be before it is formatted again with another geometry. Destroys every
     * record in it; callers make sure no peer uses it.
     */
    public static void zeroFile(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            long size = ch.size();
            ByteBuffer zeros = ByteBuffer.allocate(1 << 16);
            for (long at = 0; at < size; at += zeros.capacity()) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), size - at));
                while (zeros.hasRemaining()) {
                    ch.write(zeros, at + zeros.position());
                }
            }
            ch.force(true);
        } catch (NoSuchFileException e) {
            throw new RegionException(path + ": no such region file", e);
        } catch (IOException e) {
            throw new RegionException(path + ": cannot zero: " + e.getMessage(), e);
        }
    }

    private RingConfig config(int index) {
        return directory.geometry.config(index);
    }

    /** The ring's bytes, its header validated like any bytes a peer wrote. */
    SharedRing ring(int index) {
        RegionGeometry g = directory.geometry;
        if (index < 0 || index >= g.rings().size()) {
            throw new IllegalArgumentException("ring index " + index + " is outside [0, " + g.rings().size() + ")");
        }
        SharedRing ring = shared.ring(g.ringOffset(index), g.rings().get(index).capacity());
        String problem = RingHeader.problem(ring, ring.regionLength());
        if (problem == null && !RingHeader.config(ring).equals(config(index))) {
            problem = "its header's sizes differ from the directory's";
        }
        if (problem != null) {
            throw new RegionException(name + " ring " + index + ": corrupt ring header: " + problem);
        }
        return ring;
    }

    /** Unmaps nothing (the mapping lives until collected) but releases the file. Ends close their own leases. */
    @Override
    public void close() {
        if (channel != null) {
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to recover
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
