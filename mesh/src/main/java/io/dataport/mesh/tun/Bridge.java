package io.dataport.mesh.tun;

import io.dataport.mesh.MeshException;
import io.dataport.mesh.Node;
import io.dataport.mesh.Packet;
import io.dataport.mesh.PacketHandler;
import io.dataport.mesh.PacketWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.locks.LockSupport;

/**
 * Bridges a {@link PacketDevice} (a TUN device: IP packets) to a mesh {@link Node}: every IPv4
 * packet the kernel routes into the device goes to the node that owns its destination address
 * ({@link Ipv4Router}: node {@code id} owns 198.18.0.(id + 1)), and every packet arriving from a
 * peer is written to the device.
 *
 * <h2>How it works</h2>
 * Two threads. The <em>TUN thread</em> reads packets, each into one private direct buffer, until the
 * device is empty, and then waits for it to be readable (a bounded poll, so it notices
 * {@link #close()}); for each packet it checks the IPv4 header, routes it, and copies it into one record of
 * the destination's ring with {@link Node#trySend} (record type {@link #TYPE_IP} or, with
 * the virtio-net header in front, {@link #TYPE_VNET}). The <em>ring thread</em> calls
 * {@link Node#poll} (one fair round over every inbound ring) and {@link Node#idle} when it found
 * nothing; for each packet it copies the record out of shared memory into a second private direct
 * buffer, checks that copy (record type, virtio-net header, IPv4 header, total length, destination
 * is this node) and writes it to the device.
 *
 * <h2>Why it is correct</h2>
 * <ul>
 * <li><b>Never to a wrong node</b>: the destination node is a function of the packet's destination
 * address alone and exists only for addresses 198.18.0.1 to 198.18.0.nodes; anything else is
 * counted and dropped; the receiver re-checks that the destination is its own address.
 * <li><b>The peer is untrusted</b>: the ring thread validates only its private copy (the sender
 * cannot change the bytes between the check and the write: no TOCTOU), and writes exactly the
 * bytes it checked. The kernel checks the virtio-net header again.
 * <li><b>A missing or stalled peer never blocks the bridge</b>: a send to a full ring waits at most
 * {@link #FULL_WAIT_NANOS} (so a receiver that is merely behind back-pressures TCP instead of
 * dropping), and once a wait has expired that link drops at once, without waiting, until a send
 * succeeds again. Drops are counted per link as "ring full" or, when the peer's doorbell never
 * answered, "peer absent".
 * <li><b>Allocation-free per packet</b>: two buffers, one {@link PacketWriter} and one
 * {@link PacketHandler}, all made once; counters are plain fields of one writer thread each.
 * </ul>
 */
public final class Bridge implements AutoCloseable {
    /** Ring record type of a plain IPv4 packet. */
    public static final int TYPE_IP = 1;
    /** Ring record type of a virtio-net header followed by an IPv4 packet (possibly a GSO super-packet). */
    public static final int TYPE_VNET = 2;
    /** The largest packet: an IPv4 total length is 16 bits. */
    public static final int MAX_IP_PACKET = 65535;
    /** The largest ring record the bridge sends: a virtio-net header and the largest IPv4 packet. */
    public static final int MAX_RECORD = VirtioNetHeader.LENGTH + MAX_IP_PACKET;
    /** How long a send waits for room in a full ring before it drops the packet. */
    static final long FULL_WAIT_NANOS = 10_000_000;
    private static final int POLL_MILLIS = 100;
    private static final long IDLE_NANOS = 50_000_000;

    private final Node node;
    private final PacketDevice device;
    private final Ipv4Router router;
    private final int maxRecord;
    private final int header;
    private final BridgeCounters counters;
    private final ByteBuffer in;
    private final long inAddress;
    private final ByteBuffer out;
    private final long outAddress;
    private final boolean[] stalled;
    private final PacketWriter copyIn = this::writeRecord;
    private final PacketHandler deliver = this::deliver;
    private int pendingLength;
    private volatile boolean running;
    private volatile Throwable failure;
    private Thread tunThread;
    private Thread ringThread;

    /**
     * A bridge between {@code device} and {@code node}. The mesh must carry records of
     * {@link #MAX_RECORD} bytes when the device has the virtio-net header (a GSO packet is up to
     * 64 KiB whatever the MTU), else of {@code mtu} bytes.
     */
    public Bridge(Node node, PacketDevice device, int mtu) {
        checkMtu(mtu);
        this.node = node;
        this.device = device;
        this.router = new Ipv4Router(node.id(), node.config().nodes());
        this.header = device.vnetHeader() ? VirtioNetHeader.LENGTH : 0;
        int needed = device.vnetHeader() ? MAX_RECORD : mtu;
        if (node.config().maxPacketLength() < needed) {
            throw new MeshException("the bridge on " + device.name() + " sends packets of up to " + needed + " bytes"
                    + (device.vnetHeader() ? " (offloads on: 64 KiB GSO packets and their virtio-net header)"
                    : " (the MTU)") + " but " + node.config().describe() + ": give every node --max-packet " + needed
                    + " or more");
        }
        this.maxRecord = Math.min(needed, node.config().maxPacketLength());
        this.counters = new BridgeCounters(node.config().nodes());
        this.in = ByteBuffer.allocateDirect(MAX_RECORD + 64).order(ByteOrder.nativeOrder());
        this.inAddress = TunLibc.address(in);
        this.out = ByteBuffer.allocateDirect(MAX_RECORD + 64).order(ByteOrder.nativeOrder());
        this.outAddress = TunLibc.address(out);
        this.stalled = new boolean[node.config().nodes()];
    }

    /** MTUs from 68 (the IPv4 minimum) to 65535 (its maximum). */
    public static void checkMtu(int mtu) {
        if (mtu < 68 || mtu > MAX_IP_PACKET) {
            throw new MeshException("bad MTU " + mtu + ": IPv4 needs 68 to " + MAX_IP_PACKET + " bytes");
        }
    }

    /** Starts the TUN thread and the ring thread. */
    public synchronized void start() {
        if (running || tunThread != null) {
            throw new IllegalStateException("the bridge was started already");
        }
        running = true;
        tunThread = new Thread(() -> loop(true), "bridge-tun-" + device.name());
        ringThread = new Thread(() -> loop(false), "bridge-ring-" + node.id());
        tunThread.setDaemon(true);
        ringThread.setDaemon(true);
        tunThread.start();
        ringThread.start();
    }

    private void loop(boolean tun) {
        try {
            while (running) {
                if (tun) {
                    readDevice();
                } else if (node.poll(deliver) == 0) {
                    node.idle(IDLE_NANOS);
                }
            }
        } catch (Throwable e) {
            failure = e;
            running = false;
        }
    }

    // ------------------------------------------------------------------------------- TUN to ring

    /** Reads until the device is empty, then waits for it (bounded): no poll while packets keep coming. */
    private void readDevice() {
        int n = device.read(inAddress, in.capacity());
        if (n == 0) {
            device.awaitReadable(POLL_MILLIS);
        } else {
            forward(n);
        }
    }

    /** Routes and sends the {@code length} bytes read into {@link #in}. TUN thread only. */
    void forward(int length) {
        int ipLength = length - header;
        if (ipLength < 0) {
            counters.dropOut(BridgeCounters.Drop.MALFORMED, -1);
            return;
        }
        int peer = router.route(in, header, ipLength);
        if (peer < 0) {
            counters.dropOut(BridgeCounters.Drop.of(peer), -1);
            return;
        }
        int record = header + Ipv4Router.check(in, header, ipLength); // trailing bytes beyond the total length go
        if (record > maxRecord) {
            counters.dropOut(BridgeCounters.Drop.TOO_LONG, peer);
            return;
        }
        pendingLength = record;
        int type = header == 0 ? TYPE_IP : TYPE_VNET;
        if (!node.trySend(peer, type, record, copyIn) && !sendAfterWait(peer, type, record)) {
            counters.dropOut(node.connectedTo(peer) ? BridgeCounters.Drop.RING_FULL : BridgeCounters.Drop.PEER_ABSENT,
                    peer);
            return;
        }
        stalled[peer] = false;
        counters.sentPackets[peer]++;
        counters.sentBytes[peer] += record - header;
    }

    /** The ring was full: retry for at most {@link #FULL_WAIT_NANOS}, unless this link stalled already. */
    private boolean sendAfterWait(int peer, int type, int record) {
        if (stalled[peer]) {
            return false;
        }
        long deadline = System.nanoTime() + FULL_WAIT_NANOS;
        for (int tries = 0; System.nanoTime() - deadline < 0; tries++) {
            if (tries < 10) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(20_000);
            }
            if (node.trySend(peer, type, record, copyIn)) {
                return true;
            }
        }
        stalled[peer] = true;
        return false;
    }

    private void writeRecord(io.dataport.mesh.OutgoingPacket packet) {
        packet.putBytes(0, in, 0, pendingLength);
    }

    // ------------------------------------------------------------------------------- ring to TUN

    /** Copies one packet out of shared memory, checks the copy, writes it to the device. Ring thread only. */
    void deliver(Packet packet) {
        int from = packet.from();
        int length = packet.length();
        int type = packet.type();
        int recordHeader = type == TYPE_VNET ? VirtioNetHeader.LENGTH : 0;
        if (type != TYPE_IP && type != TYPE_VNET) {
            counters.dropIn(BridgeCounters.Drop.BAD_RECORD_TYPE, from);
            return;
        }
        if (length > MAX_RECORD) {
            counters.dropIn(BridgeCounters.Drop.TOO_LONG, from);
            return;
        }
        if (length < recordHeader) {
            counters.dropIn(BridgeCounters.Drop.MALFORMED, from);
            return;
        }
        // The packet goes to out[start, start + written): with our header in front when the device wants one.
        int start;
        if (recordHeader == header) {
            start = 0;
            packet.getBytes(0, out, 0, length);
        } else if (recordHeader == 0) { // a plain packet for a device with offloads: a header saying "nothing to do"
            start = 0;
            VirtioNetHeader.clear(out, 0);
            packet.getBytes(0, out, VirtioNetHeader.LENGTH, length);
            length += VirtioNetHeader.LENGTH;
        } else { // a packet with a header for a device without offloads: only if it needs no offload
            packet.getBytes(0, out, 0, length);
            if (!VirtioNetHeader.plain(out, 0)) {
                counters.dropIn(BridgeCounters.Drop.OFFLOAD_MISMATCH, from);
                return;
            }
            start = VirtioNetHeader.LENGTH;
            length -= VirtioNetHeader.LENGTH;
        }
        int ipLength = length - header;
        if (header != 0 && !VirtioNetHeader.plausible(out, start, ipLength)) {
            counters.dropIn(BridgeCounters.Drop.BAD_VNET_HEADER, from);
            return;
        }
        int accepted = router.accept(out, start + header, ipLength);
        if (accepted < 0) {
            counters.dropIn(BridgeCounters.Drop.of(accepted), from);
            return;
        }
        int written = device.write(outAddress + start, length);
        if (written < 0) {
            counters.lastWriteErrno = -written;
            counters.dropIn(BridgeCounters.Drop.TUN_WRITE_FAILED, from);
            return;
        }
        counters.receivedPackets[from]++;
        counters.receivedBytes[from] += ipLength;
    }

    /** The buffer the TUN thread reads into (tests fill it and call {@link #forward}). */
    ByteBuffer inBuffer() {
        return in;
    }

    // ---------------------------------------------------------------------------------- control

    public BridgeCounters counters() {
        return counters;
    }

    public Node node() {
        return node;
    }

    public PacketDevice device() {
        return device;
    }

    /** Whether both threads run; false after {@link #close()} or when one of them failed. */
    public boolean running() {
        return running;
    }

    /** What stopped a thread (a poisoned ring, a device error), or null. */
    public Throwable failure() {
        return failure;
    }

    /**
     * Stops both threads (each within about {@value #POLL_MILLIS} ms: the TUN poll and the ring
     * thread's sleep are bounded). The node and the device stay open: the caller closes them.
     */
    @Override
    public void close() {
        running = false;
        Thread[] threads;
        synchronized (this) {
            threads = new Thread[] {tunThread, ringThread};
        }
        for (Thread t : threads) {
            if (t == null) {
                continue;
            }
            LockSupport.unpark(t);
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "bridge of node " + node.id() + " (" + Ipv4Router.addressText(node.id()) + ") on " + device.name()
                + (header != 0 ? " with offloads" : " without offloads") + ", " + node.config().describe();
    }
}
