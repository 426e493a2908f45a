package io.dataport.mesh;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import io.dataport.region.nativemap.EventDeviceNotifier.Kick;
import io.dataport.region.nativemap.NativeMapping;
import io.dataport.region.nativemap.UioDevice;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The guests of a CAmkES system, as far as their UIO devices go, in one directory: guest K has
 * {@code vmK/sys/class/uio/uioN/} (a {@code name} and {@code maps/map0}, {@code maps/map1} with
 * {@code name}, {@code addr}, {@code size}, {@code offset} written as the kernel writes them) and
 * {@code vmK/dev/uioN}, a regular file standing in for the node's memory: page 0 the event
 * registers (map 0), then the dataport (map 1, at 1 page). The two guests of a pair see the same
 * file under their own {@code uioN} (a hard link): one memory, as the cross-VM dataport is. Device
 * numbers differ from guest to guest, and some guests have an unrelated device first, so a node
 * that confused numbers, guests or names would map or kick the wrong thing.
 *
 * <p>The events: one regular file cannot be both mapped and waited on, so each device of each
 * guest has a FIFO, {@code vmK/events/uioN}, that the node waits on, and {@link #wiring()} turns a
 * node's kick through its device named {@code pair-A-B} into a one-byte write to the FIFO of the
 * device with the same name in the other guest: what the VMM does with a store into the emit
 * register. The fixture holds every FIFO open for reading and writing, like the kernel's event
 * count that exists whether or not anyone has the node open: a kick is kept until the node reads
 * it, and a kicker may open before its peer joins. {@link #pendingKicks} reads what a FIFO holds.
 * Files 0600, directories 0700.
 */
final class FakeUio implements AutoCloseable {
    /** {@code mkfifo}, {@code open}, {@code read} and {@code close}, for the tests only. */
    private static final class Calls {
        static {
            Native.register(Calls.class, Platform.C_LIBRARY_NAME);
        }

        static native int mkfifo(String path, int mode);

        static native int open(String path, int flags);

        static native long read(int fd, byte[] buffer, long count);

        static native int close(int fd);
    }

    private static final int O_RDWR = 2;
    private static final int O_NONBLOCK = 04000;
    private static final int O_CLOEXEC = 02000000;
    /** A page of event registers, like connection.ko's map 0. */
    static final long EVENT_MAP_SIZE = 0x1000;

    /** One device of one guest. */
    record Device(int vm, int number, String name, Path sysfsDir, Path node, Path events) {
    }

    private final Path root;
    private final int nodes;
    private final long pageSize = NativeMapping.pageSize();
    /** By guest, then by device name. */
    private final List<Map<String, Device>> devices = new ArrayList<>();
    private final Map<Path, Integer> fifoFds = new HashMap<>();
    /** Count of devices made per guest, for the numbers. */
    private final int[] nextNumber;

    /**
     * Guests {@code 0 .. nodes - 1} with a device {@code pair-A-B} for each pair of them, each
     * dataport {@code dataportSize} bytes; odd guests have an unrelated device first, so with three
     * guests the two ends of every pair have different numbers (pair-0-1: uio0 in guest 0, uio1 in
     * guest 1; pair-0-2: uio1 and uio0; pair-1-2: uio2 and uio1).
     */
    static FakeUio mesh(Path root, int nodes, long dataportSize) throws IOException {
        FakeUio uio = new FakeUio(root, nodes);
        try {
            for (int vm = 0; vm < nodes; vm++) {
                for (int i = 0; i < vm % 2; i++) {
                    uio.unrelated(vm, "virtio-rng-" + i);
                }
            }
            for (int a = 0; a < nodes; a++) {
                for (int b = a + 1; b < nodes; b++) {
                    uio.pair(a, b, dataportSize, 0);
                }
            }
            return uio;
        } catch (IOException | RuntimeException e) {
            uio.close();
            throw e;
        }
    }

    FakeUio(Path root, int nodes) throws IOException {
        this.root = dir(root);
        this.nodes = nodes;
        this.nextNumber = new int[nodes];
        for (int vm = 0; vm < nodes; vm++) {
            devices.add(new LinkedHashMap<>());
            dir(sysfs(vm));
            dir(dev(vm));
            dir(root.resolve("vm" + vm).resolve("events"));
        }
    }

    /** Guest {@code vm}'s {@code /sys/class/uio}. */
    Path sysfs(int vm) {
        return root.resolve("vm" + vm).resolve("sys/class/uio");
    }

    /** Guest {@code vm}'s {@code /dev}. */
    Path dev(int vm) {
        return root.resolve("vm" + vm).resolve("dev");
    }

    /** {@code config} for node {@code vm}: UIO links from that guest's trees. */
    MeshConfig config(MeshConfig config, int vm) {
        return config.withNotify(MeshConfig.Notify.UIO).withUioRoots(sysfs(vm), dev(vm));
    }

    /** Guest {@code vm}'s device named {@code name}. */
    Device device(int vm, String name) {
        Device d = devices.get(vm).get(name);
        if (d == null) {
            throw new IllegalArgumentException("guest " + vm + " has no device " + name);
        }
        return d;
    }

    /**
     * The connection of guests {@code a} and {@code b}: device {@code pair-a-b} in each, one file
     * for both (page 0 registers, then {@code dataportSize} bytes), map 1 at {@code offset} into its page.
     */
    void pair(int a, int b, long dataportSize, long offset) throws IOException {
        String name = MeshConfig.uioDeviceName(a, b);
        Device first = device(a, name, dataportSize, offset, null);
        device(b, name, dataportSize, offset, first.node());
    }

    /** The connection of guests {@code a} and {@code b} in guest {@code a} only (its peer's guest lacks it). */
    Device oneSided(int a, int b, long dataportSize) throws IOException {
        return device(a, MeshConfig.uioDeviceName(a, b), dataportSize, 0, null);
    }

    /** A device that is not a connection: one map of registers. */
    void unrelated(int vm, String name) throws IOException {
        int n = nextNumber[vm]++;
        Path d = dir(sysfs(vm).resolve("uio" + n));
        file(d.resolve("name"), name + "\n");
        map(d, 0, "registers", 0xfe800000L, EVENT_MAP_SIZE, 0);
        Path node = dev(vm).resolve("uio" + n);
        file(node, "");
    }

    /** Removes map {@code m}'s attributes from guest {@code vm}'s device {@code name}. */
    void removeMap(int vm, String name, int m) throws IOException {
        Path map = device(vm, name).sysfsDir().resolve("maps/map" + m);
        try (var files = Files.list(map)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(map);
    }

    private Device device(int vm, String name, long dataportSize, long offset, Path sharedNode) throws IOException {
        int n = nextNumber[vm]++;
        Path d = dir(sysfs(vm).resolve("uio" + n));
        file(d.resolve("name"), name + "\n");
        file(d.resolve("version"), "0.0.1\n");
        map(d, 0, "event_bar", 0xfe000000L + vm * 0x10000000L + n * 0x1000L, EVENT_MAP_SIZE, 0);
        map(d, 1, "dataport_bar", 0xe0000000L + vm * 0x10000000L + n * 0x1000000L + offset, dataportSize, offset);
        Path node = dev(vm).resolve("uio" + n);
        if (sharedNode == null) {
            file(node, "");
            try (var raf = new java.io.RandomAccessFile(node.toFile(), "rw")) {
                raf.setLength(pageSize + dataportSize); // sparse: zeros
            }
        } else {
            Files.createLink(node, sharedNode);
        }
        Path events = fifo(root.resolve("vm" + vm).resolve("events").resolve("uio" + n));
        Device device = new Device(vm, n, name, d, node, events);
        devices.get(vm).put(name, device);
        return device;
    }

    private static void map(Path device, int m, String name, long addr, long size, long offset) throws IOException {
        Path map = dir(device.resolve("maps").resolve("map" + m));
        // as drivers/uio/uio.c shows them: "%s\n", "%pa\n" (addr and size), "0x%llx\n" (offset)
        file(map.resolve("name"), name + "\n");
        file(map.resolve("addr"), String.format("0x%016x%n", addr));
        file(map.resolve("size"), String.format("0x%016x%n", size));
        file(map.resolve("offset"), String.format("0x%x%n", offset));
    }

    /**
     * What a test gives {@code Node.join} for the events: a node waits on its guest's FIFO of each
     * device, and its kick through device {@code pair-A-B} of guest K is a write to the FIFO of the
     * device {@code pair-A-B} of the other guest of the pair, found by name as the VMM does.
     */
    UioLinks.Wiring wiring() {
        return new UioLinks.Wiring() {
            @Override
            public Path waitNode(UioDevice device, Path devRoot) {
                return deviceAt(device, devRoot).events();
            }

            @Override
            public Kick kick(UioDevice device, Path devRoot) {
                Device mine = deviceAt(device, devRoot);
                String[] ends = mine.name().split("-"); // pair-A-B
                int a = Integer.parseInt(ends[1]);
                int b = Integer.parseInt(ends[2]);
                int other = mine.vm() == a ? b : a;
                return Kick.write(device(other, mine.name()).events(), 1);
            }
        };
    }

    /** The fixture's record of {@code device}, as seen by the node whose {@code /dev} is {@code devRoot}. */
    private Device deviceAt(UioDevice device, Path devRoot) {
        for (int vm = 0; vm < nodes; vm++) {
            if (dev(vm).equals(devRoot)) {
                Device d = device(vm, device.name());
                if (d.number() != device.number() || !d.node().equals(device.node(devRoot))) {
                    throw new IllegalStateException("guest " + vm + "'s " + device.name() + " is uio" + d.number()
                            + ", not uio" + device.number());
                }
                return d;
            }
        }
        throw new IllegalArgumentException(devRoot + " is no guest's /dev");
    }

    /**
     * Reads and counts the kicks waiting in guest {@code vm}'s FIFO of device {@code name} (one
     * byte each): afterwards it is empty. Only while no node of that guest waits on it.
     */
    int pendingKicks(int vm, String name) {
        int fd = fifoFds.get(device(vm, name).events());
        byte[] buffer = new byte[4096];
        int total = 0;
        while (true) {
            long n = Calls.read(fd, buffer, buffer.length);
            if (n <= 0) {
                return total; // -1 with EAGAIN: empty
            }
            total += (int) n;
        }
    }

    /**
     * The little-endian 8-byte word at {@code offset} of the file behind guest {@code vm}'s device
     * {@code name} (page 0: the event registers; from {@link NativeMapping#pageSize()}: the dataport).
     */
    long word(int vm, String name, long offset) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(device(vm, name).node())) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
                // a regular file: reads until the 8 bytes are in
            }
            return b.getLong(0);
        }
    }

    private Path fifo(Path path) throws IOException {
        if (Calls.mkfifo(path.toString(), 0600) != 0) {
            throw new IOException("mkfifo " + path + ": errno " + Native.getLastError());
        }
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        int fd = Calls.open(path.toString(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            throw new IOException("open " + path + ": errno " + Native.getLastError());
        }
        fifoFds.put(path, fd);
        return path;
    }

    private static Path dir(Path path) throws IOException {
        Path parent = path.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            dir(parent);
        }
        if (!Files.isDirectory(path)) {
            Files.createDirectory(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return path;
    }

    private static Path file(Path path, String content) throws IOException {
        dir(path.getParent());
        Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(path, content.getBytes(StandardCharsets.US_ASCII));
        return path;
    }

    /** Closes the fixture's own descriptors of the FIFOs. */
    @Override
    public void close() {
        for (int fd : fifoFds.values()) {
            Calls.close(fd);
        }
        fifoFds.clear();
    }
}
