package io.dataport.mesh;

import io.dataport.queue.DataportException;
import io.dataport.queue.Notifier;
import io.dataport.queue.RegionGeometry;
import io.dataport.queue.RegionLayout;
import io.dataport.queue.RingLayout;
import io.dataport.region.nativemap.EventDeviceNotifier;
import io.dataport.region.nativemap.EventDeviceNotifier.Kick;
import io.dataport.region.nativemap.NativeMapping;
import io.dataport.region.nativemap.RegionMapException;
import io.dataport.region.nativemap.UioDevice;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The links of a node whose regions and wake-ups are UIO devices ({@link MeshConfig.Notify#UIO}):
 * in a guest of a seL4/CAmkES system, each link to a peer is a cross-VM connection that the guest's
 * {@code connection.ko} exposes as a UIO device named {@link MeshConfig#uioDeviceName}
 * ({@code pair-A-B}, {@code A < B}, the same name in both guests). Map 0 of the device is its event
 * register page (a 32-bit store at offset 0 emits an event to the peer VM), map 1 its dataport (the
 * pair's shared memory), and a 4-byte read of {@code /dev/uioN} returns when the peer's event
 * arrives (no re-arm: the driver has no {@code irqcontrol}).
 *
 * <p>This class is the one that maps and unmaps a UIO node's memory for the mesh, and owns the
 * notifiers over its devices. {@link #open} finds every peer's device and checks it (map 0 present,
 * map 1 page-aligned and large enough for {@link MeshConfig#regionGeometry}) before it maps
 * anything, so a missing or wrong device is refused with a one-line error naming it, what was found
 * and the fix. Then, for every peer: map 1 mapped whole ({@link UioDevice#mapRegion}; the region is
 * its first {@code regionGeometry(...).size()} bytes, the rest is left alone), one kick-only
 * {@link EventDeviceNotifier} per peer (by default {@link Kick#camkesEmit}: a store of 1 at offset 0
 * of map 0 of the device shared with that peer), and one wait-only {@link EventDeviceNotifier} over
 * every peer's node at once (read size {@value EventDeviceNotifier#UIO_READ_SIZE}, no re-arm), opened
 * before any ring end can sleep: UIO counts events from the moment its node is opened.
 *
 * <p>The wake-up protocol is not here: the {@link Node} gives each kicker to the producer of its
 * ring to that peer ({@code wakePeerWith}) and sleeps on {@link #waiting()} through the library's
 * group sleep, exactly as with the socket doorbell. {@code kick} and {@code await} allocate nothing.
 *
 * <p>{@link #close()} closes the notifiers and unmaps the dataports: call it only once the ring
 * ends over them are closed and no thread uses them (an access to an unmapped dataport crashes the
 * JVM; the node's own {@link Node#close()} does it in that order).
 */
final class UioLinks implements AutoCloseable {
    /** UIO map 0 of a CAmkES cross-VM connection: its event register page. */
    static final int EVENT_MAP = 0;
    /** UIO map 1 of a CAmkES cross-VM connection: its dataport, the pair's region. */
    static final int DATAPORT_MAP = 1;

    /**
     * Where a node waits for the events of a link's device, and how it signals the peer through
     * it. {@link #CAMKES} is the real thing; tests give stand-ins (a FIFO per device and node),
     * because one regular file cannot be both mapped and waited on.
     */
    interface Wiring {
        /** The node the receive thread polls and reads 4 bytes from when the peer's event arrives. */
        Path waitNode(UioDevice device, Path devRoot);

        /** How to emit an event to the peer on the other end of {@code device}. */
        Kick kick(UioDevice device, Path devRoot);
    }

    /**
     * {@code connection.ko}: wait on {@code /dev/uioN}; kick by a store of 1 at offset 0 of map 0
     * of the same node ({@link Kick#camkesEmit}).
     */
    static final Wiring CAMKES = new Wiring() {
        @Override
        public Path waitNode(UioDevice device, Path devRoot) {
            return device.node(devRoot);
        }

        @Override
        public Kick kick(UioDevice device, Path devRoot) {
            return Kick.camkesEmit(device.node(devRoot));
        }

        @Override
        public String toString() {
            return "CAmkES cross-VM connections (connection.ko)";
        }
    };

    private final UioDevice[] devices;
    private final NativeMapping[] dataports;
    private final int regionSize;
    private final EventDeviceNotifier waiting;
    private final EventDeviceNotifier[] kickers;
    private final Path devRoot;
    private boolean closed;

    private UioLinks(UioDevice[] devices, NativeMapping[] dataports, int regionSize, EventDeviceNotifier waiting,
                     EventDeviceNotifier[] kickers, Path devRoot) {
        this.devices = devices;
        this.dataports = dataports;
        this.regionSize = regionSize;
        this.waiting = waiting;
        this.kickers = kickers;
        this.devRoot = devRoot;
    }

    /**
     * Finds and checks the devices of node {@code id}'s links, maps their dataports and opens the
     * notifiers. On any failure closes what it opened and throws a {@link MeshException}.
     */
    static UioLinks open(MeshConfig config, int id, Wiring wiring) {
        int nodes = config.nodes();
        Path sysfs = config.uioSysfs();
        Path dev = config.uioDev();
        UioDevice[] devices = new UioDevice[nodes];
        List<UioDevice> all = listDevices(config, id);
        long regionSize = config.regionGeometry(0, 1).size(); // the same for every pair
        if (regionSize > Integer.MAX_VALUE) {
            throw new MeshException("node " + id + ": rings of " + config.ringCapacity() + " bytes make regions of "
                    + regionSize + " bytes, more than one mapping holds (" + Integer.MAX_VALUE + "): use --ring "
                    + (config.ringCapacity() / 2) + " or less");
        }
        for (int peer = 0; peer < nodes; peer++) {
            if (peer != id) {
                devices[peer] = check(config, id, peer, find(config, id, peer, all), regionSize);
            }
        }
        NativeMapping[] dataports = new NativeMapping[nodes];
        EventDeviceNotifier[] kickers = new EventDeviceNotifier[nodes];
        EventDeviceNotifier waiting = null;
        try {
            List<Path> waitNodes = new ArrayList<>();
            for (int peer = 0; peer < nodes; peer++) {
                if (peer == id) {
                    continue;
                }
                UioDevice device = devices[peer];
                try {
                    dataports[peer] = device.mapRegion(DATAPORT_MAP, dev);
                } catch (RegionMapException e) {
                    throw new MeshException("node " + id + ": cannot map the dataport (map1) of " + describe(device)
                            + ", its link to node " + peer + ": " + e.getMessage(), e);
                }
                waitNodes.add(wiring.waitNode(device, dev));
            }
            try {
                waiting = EventDeviceNotifier.waitOnly(waitNodes, EventDeviceNotifier.UIO_READ_SIZE, false);
            } catch (DataportException | RegionMapException e) {
                throw new MeshException("node " + id + ": cannot wait for its peers' events on " + waitNodes + ": "
                        + e.getMessage(), e);
            }
            for (int peer = 0; peer < nodes; peer++) {
                if (peer == id) {
                    continue;
                }
                Kick kick = wiring.kick(devices[peer], dev);
                try {
                    kickers[peer] = EventDeviceNotifier.kickOnly(kick);
                } catch (DataportException | RegionMapException e) {
                    throw new MeshException("node " + id + ": cannot signal node " + peer + " through "
                            + describe(devices[peer]) + " (" + kick + "): " + e.getMessage(), e);
                }
            }
            return new UioLinks(devices, dataports, (int) regionSize, waiting, kickers, dev);
        } catch (RuntimeException | Error e) {
            closeAll(kickers, waiting, dataports);
            throw e;
        }
    }

    private static List<UioDevice> listDevices(MeshConfig config, int id) {
        try {
            return UioDevice.list(config.uioSysfs());
        } catch (RegionMapException e) {
            throw new MeshException("node " + id + ": cannot read the UIO devices in " + config.uioSysfs() + ": "
                    + e.getMessage(), e);
        }
    }

    /** The one device named {@code pair-LOW-HIGH} among {@code all}, or a one-line refusal. */
    private static UioDevice find(MeshConfig config, int id, int peer, List<UioDevice> all) {
        String name = MeshConfig.uioDeviceName(id, peer);
        List<UioDevice> named = new ArrayList<>();
        List<String> found = new ArrayList<>();
        for (UioDevice d : all) {
            found.add("uio" + d.number() + " \"" + d.name() + "\"");
            if (d.name().equals(name)) {
                named.add(d);
            }
        }
        if (named.size() == 1) {
            return named.get(0);
        }
        String where = "node " + id + ": the link to node " + peer + " is the UIO device named " + name + ", but ";
        if (named.isEmpty()) {
            throw new MeshException(where + config.uioSysfs() + " has "
                    + (found.isEmpty() ? "no UIO device at all" : "only " + String.join(", ", found))
                    + ": give this guest the CAmkES cross-VM connection " + name + " between nodes "
                    + Math.min(id, peer) + " and " + Math.max(id, peer) + (found.isEmpty()
                            ? " and load connection.ko" : "") + ", or point --uio-sysfs at the devices' sysfs directory");
        }
        List<String> twice = new ArrayList<>();
        for (UioDevice d : named) {
            twice.add("uio" + d.number());
        }
        throw new MeshException(where + config.uioSysfs() + " has " + named.size() + " of them ("
                + String.join(", ", twice) + "): name each cross-VM connection once, pair-A-B for nodes A < B");
    }

    /** Checks map 0 and map 1 of {@code device} against the region it must hold. */
    private static UioDevice check(MeshConfig config, int id, int peer, UioDevice device, long regionSize) {
        String what = "node " + id + ": " + describe(device) + ", the link to node " + peer + ", ";
        UioDevice.Map events = find(device, EVENT_MAP);
        UioDevice.Map dataport = find(device, DATAPORT_MAP);
        if (events == null || dataport == null) {
            throw new MeshException(what + "has " + maps(device) + " but needs map0 (the event registers) and map1"
                    + " (the dataport) of a CAmkES cross-VM connection: is it a connection.ko device? Only the"
                    + " pair's connection may be named " + MeshConfig.uioDeviceName(id, peer));
        }
        Path attributes = device.directory().resolve("maps").resolve("map" + DATAPORT_MAP);
        if (dataport.offset() != 0) {
            throw new MeshException(what + "has its dataport (map1, " + attributes + ") starting 0x"
                    + Long.toHexString(dataport.offset()) + " bytes into a page: a region must be page-aligned;"
                    + " give the connection's dataport a page-aligned address and size in the CAmkES configuration");
        }
        if (dataport.size() < regionSize) {
            throw new MeshException(what + "has a dataport (map1, " + attributes + ") of " + dataport.size()
                    + " bytes, but this mesh's region needs " + regionSize + " (two rings of " + config.ringCapacity()
                    + " bytes): " + fitHint(config, dataport.size()));
        }
        return device;
    }

    /** What to do about a dataport of {@code size} bytes that is too small for the mesh's rings. */
    private static String fitHint(MeshConfig config, long size) {
        long ring = 0;
        for (long r = MeshConfig.MIN_RING_CAPACITY; r <= RingLayout.MAX_CAPACITY
                && RegionGeometry.sizeFor((int) r, (int) r) <= size; r *= 2) {
            ring = r;
        }
        String bigger = "give every connection a dataport of at least "
                + RegionGeometry.sizeFor(config.ringCapacity(), config.ringCapacity()) + " bytes";
        if (ring == 0) {
            return bigger + " (no ring fits in " + size + " bytes)";
        }
        String smaller = "use --ring " + ring + " (or less) on every node";
        if (MeshConfig.minimumRingCapacity(config.maxPacketLength()) > ring) {
            smaller += " with --max-packet " + (RegionGeometry.maxRecordLengthFor((int) ring) - MeshConfig.HEADER_LENGTH)
                    + " (or less)";
        }
        return smaller + ", or " + bigger;
    }

    private static UioDevice.Map find(UioDevice device, int index) {
        for (UioDevice.Map m : device.maps()) {
            if (m.index() == index) {
                return m;
            }
        }
        return null;
    }

    private static String maps(UioDevice device) {
        if (device.maps().isEmpty()) {
            return "no maps";
        }
        List<String> parts = new ArrayList<>();
        for (UioDevice.Map m : device.maps()) {
            parts.add("map" + m.index() + (m.name().isEmpty() ? "" : " \"" + m.name() + "\"") + " of " + m.size()
                    + " bytes");
        }
        return String.join(", ", parts);
    }

    private static String describe(UioDevice device) {
        return "UIO device uio" + device.number() + " \"" + device.name() + "\" (" + device.directory() + ")";
    }

    // ------------------------------------------------------------------------------------ use

    /** The pair's region: the first {@code regionGeometry(...).size()} bytes of the device's dataport. */
    ByteBuffer region(int peer) {
        return dataports[peer].buffer().slice(0, regionSize);
    }

    /**
     * The region as formatted, to read the directory of one a peer formatted with other sizes: the
     * dataport's first bytes up to the size its directory states ({@link RegionLayout#REGION_SIZE_OFFSET}),
     * or the whole dataport when that size does not fit in it (then the reader refuses it).
     */
    ByteBuffer formattedRegion(int peer) {
        ByteBuffer dataport = dataports[peer].buffer();
        long stated = dataport.duplicate().order(ByteOrder.LITTLE_ENDIAN).getLong(RegionLayout.REGION_SIZE_OFFSET);
        return stated > 0 && stated <= dataport.capacity() ? dataport.slice(0, (int) stated) : dataport;
    }

    /** The region's name in messages: the device's node, map and name, e.g. {@code /dev/uio3 map1 "pair-0-1"}. */
    String regionName(int peer) {
        UioDevice device = devices[peer];
        return device.node(devRoot) + " map" + DATAPORT_MAP + " \"" + device.name() + "\"";
    }

    /** The one wait-only notifier over every peer's event node: the receive thread sleeps on it. */
    Notifier waiting() {
        return waiting;
    }

    /** The kick-only notifier that emits an event to {@code peer} through the device they share. */
    Notifier kicker(int peer) {
        return kickers[peer];
    }

    /**
     * Closes the kickers and the waiting notifier and unmaps every dataport; idempotent. Only once
     * the ring ends over the dataports are closed and no thread kicks or waits.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeAll(kickers, waiting, dataports);
    }

    private static void closeAll(EventDeviceNotifier[] kickers, EventDeviceNotifier waiting, NativeMapping[] dataports) {
        RuntimeException first = null;
        List<AutoCloseable> all = new ArrayList<>();
        for (EventDeviceNotifier k : kickers) {
            all.add(k);
        }
        all.add(waiting);
        for (NativeMapping m : dataports) {
            all.add(m);
        }
        for (AutoCloseable c : all) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            } catch (Exception e) {
                first = first == null ? new IllegalStateException(e) : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        List<String> links = new ArrayList<>();
        for (UioDevice d : devices) {
            if (d != null) {
                links.add("uio" + d.number() + " \"" + d.name() + "\"");
            }
        }
        return "UIO links " + links;
    }
}
