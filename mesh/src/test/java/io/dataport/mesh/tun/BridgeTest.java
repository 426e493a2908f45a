package io.dataport.mesh.tun;

import static io.dataport.mesh.tun.Ipv4RouterTest.ipv4;
import static org.junit.jupiter.api.Assertions.*;

import io.dataport.mesh.MeshConfig;
import io.dataport.mesh.MeshException;
import io.dataport.mesh.Node;
import io.dataport.mesh.tun.BridgeCounters.Drop;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge's algorithm without a TUN device (no root needed): real mesh nodes in a temporary
 * directory, a fake device that records what the bridge writes. Every bad packet is counted under
 * its reason and reaches no ring and no device; a missing peer costs drops, not a blocked bridge.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BridgeTest {
    @TempDir
    Path dir;

    private final List<Node> nodes = new ArrayList<>();

    /** A device that only records the packets written to it. */
    static class FakeDevice implements PacketDevice {
        final boolean vnet;
        final List<byte[]> written = new ArrayList<>();

        FakeDevice(boolean vnet) {
            this.vnet = vnet;
        }

        @Override
        public boolean vnetHeader() {
            return vnet;
        }

        @Override
        public boolean awaitReadable(int timeoutMillis) {
            return false;
        }

        @Override
        public int read(long address, int capacity) {
            return 0;
        }

        @Override
        public int write(long address, int length) {
            written.add(new Pointer(address).getByteArray(0, length));
            return length;
        }

        @Override
        public String name() {
            return "fake";
        }
    }

    private MeshConfig config() {
        return MeshConfig.defaults(dir).withSizes(256 * 1024, Bridge.MAX_RECORD);
    }

    private Node join(int id) {
        Node node = Node.join(config(), id);
        nodes.add(node);
        return node;
    }

    @AfterEach
    void close() {
        for (Node node : nodes) {
            node.close();
        }
    }

    /** Puts {@code packet} behind {@code header} bytes in the bridge's read buffer and forwards it. */
    private static void read(Bridge bridge, int header, byte[] packet) {
        ByteBuffer in = bridge.inBuffer();
        for (int i = 0; i < header; i++) {
            in.put(i, (byte) 0);
        }
        in.put(header, packet);
        bridge.forward(header + packet.length);
    }

    private static int receive(Node node, Bridge bridge) {
        int total = 0;
        int n;
        while ((n = node.poll(bridge::deliver)) > 0) {
            total += n;
        }
        return total;
    }

    @Test
    void aPacketGoesToTheNodeOwningItsDestinationAndIsWrittenUnchanged() {
        FakeDevice d0 = new FakeDevice(false);
        FakeDevice d1 = new FakeDevice(false);
        Bridge b0 = new Bridge(join(0), d0, 1500);
        Node n1 = join(1);
        Bridge b1 = new Bridge(n1, d1, 1500);
        byte[] packet = ipv4("198.18.0.1", "198.18.0.2", 1500);
        read(b0, 0, packet);
        assertEquals(1, receive(n1, b1));
        assertEquals(1, d1.written.size());
        assertArrayEquals(packet, d1.written.get(0));
        assertEquals(1, b0.counters().sentPackets(1));
        assertEquals(1, b1.counters().receivedPackets(0));
    }

    @Test
    void trailingBytesAfterTheTotalLengthAreNotSent() {
        FakeDevice d1 = new FakeDevice(false);
        Bridge b0 = new Bridge(join(0), new FakeDevice(false), 1500);
        Node n1 = join(1);
        Bridge b1 = new Bridge(n1, d1, 1500);
        byte[] padded = new byte[120];
        System.arraycopy(ipv4("198.18.0.1", "198.18.0.2", 100), 0, padded, 0, 100);
        read(b0, 0, padded);
        receive(n1, b1);
        assertEquals(100, d1.written.get(0).length);
    }

    @Test
    void badPacketsFromTheDeviceAreCountedAndGoNowhere() {
        Bridge b0 = new Bridge(join(0), new FakeDevice(false), 1500);
        Node n1 = join(1);
        Node n2 = join(2);
        FakeDevice d1 = new FakeDevice(false);
        Bridge b1 = new Bridge(n1, d1, 1500);
        Bridge b2 = new Bridge(n2, new FakeDevice(false), 1500);

        byte[] v6 = ipv4("198.18.0.1", "198.18.0.2", 60);
        v6[0] = 0x60;
        read(b0, 0, v6);
        byte[] badIhl = ipv4("198.18.0.1", "198.18.0.2", 60);
        badIhl[0] = 0x43;
        read(b0, 0, badIhl);
        byte[] cut = ipv4("198.18.0.1", "198.18.0.2", 1500);
        ByteBuffer.wrap(cut).putShort(2, (short) 1600); // says 1600 bytes, 1500 were read
        read(b0, 0, cut);
        read(b0, 0, new byte[] {0x45, 0, 0});
        read(b0, 0, ipv4("198.18.0.1", "198.18.0.9", 60));
        read(b0, 0, ipv4("198.18.0.1", "10.0.0.2", 60));
        read(b0, 0, ipv4("198.18.0.1", "198.18.0.1", 60));

        BridgeCounters c = b0.counters();
        assertEquals(1, c.droppedOut(Drop.NOT_IPV4));
        assertEquals(1, c.droppedOut(Drop.MALFORMED));
        assertEquals(2, c.droppedOut(Drop.TRUNCATED));
        assertEquals(2, c.droppedOut(Drop.UNKNOWN_DESTINATION));
        assertEquals(1, c.droppedOut(Drop.TO_SELF));
        assertEquals(0, c.sentPackets(1) + c.sentPackets(2));
        assertEquals(0, receive(n1, b1) + receive(n2, b2), "nothing reached any ring");
        assertTrue(d1.written.isEmpty());
    }

    @Test
    void badRecordsFromAPeerAreCountedAndNeverWritten() {
        Node n0 = join(0);
        Node n1 = join(1);
        FakeDevice d1 = new FakeDevice(false);
        Bridge b1 = new Bridge(n1, d1, 1500);
        byte[] forTwo = ipv4("198.18.0.1", "198.18.0.3", 100);
        byte[] padded = new byte[120];
        System.arraycopy(ipv4("198.18.0.1", "198.18.0.2", 100), 0, padded, 0, 100);
        byte[] v6 = ipv4("198.18.0.1", "198.18.0.2", 60);
        v6[0] = 0x60;
        byte[] good = ipv4("198.18.0.1", "198.18.0.2", 100);
        // a hostile node 0 writes records of its own making into node 1's ring
        assertTrue(n0.trySend(1, Bridge.TYPE_IP, forTwo, 0, forTwo.length));
        assertTrue(n0.trySend(1, Bridge.TYPE_IP, padded, 0, padded.length));
        assertTrue(n0.trySend(1, Bridge.TYPE_IP, v6, 0, v6.length));
        assertTrue(n0.trySend(1, 7, good, 0, good.length));
        assertTrue(n0.trySend(1, Bridge.TYPE_VNET, good, 0, 5));
        byte[] gso = new byte[VirtioNetHeader.LENGTH + good.length];
        gso[VirtioNetHeader.GSO_TYPE] = VirtioNetHeader.GSO_TCPV4;
        gso[VirtioNetHeader.GSO_SIZE] = (byte) 200;
        System.arraycopy(good, 0, gso, VirtioNetHeader.LENGTH, good.length);
        assertTrue(n0.trySend(1, Bridge.TYPE_VNET, gso, 0, gso.length), "a GSO packet for a device without offloads");
        assertTrue(n0.trySend(1, Bridge.TYPE_IP, good, 0, good.length));
        assertEquals(7, receive(n1, b1));
        BridgeCounters c = b1.counters();
        assertEquals(1, c.droppedIn(Drop.NOT_FOR_ME));
        assertEquals(2, c.droppedIn(Drop.MALFORMED), "padded, and the 5-byte record with no room for its header");
        assertEquals(1, c.droppedIn(Drop.NOT_IPV4));
        assertEquals(1, c.droppedIn(Drop.BAD_RECORD_TYPE));
        assertEquals(1, c.droppedIn(Drop.OFFLOAD_MISMATCH));
        assertEquals(1, d1.written.size(), "only the good packet was written");
        assertArrayEquals(good, d1.written.get(0));
    }

    @Test
    void aPlainPacketGetsAnEmptyVirtioHeaderAndABadHeaderIsRefused() {
        Node n0 = join(0);
        Node n1 = join(1);
        FakeDevice d1 = new FakeDevice(true);
        Bridge b1 = new Bridge(n1, d1, 1500);
        byte[] good = ipv4("198.18.0.1", "198.18.0.2", 100);
        assertTrue(n0.trySend(1, Bridge.TYPE_IP, good, 0, good.length));
        byte[] badCsum = new byte[VirtioNetHeader.LENGTH + good.length];
        ByteBuffer h = ByteBuffer.wrap(badCsum).order(ByteOrder.nativeOrder());
        h.put(VirtioNetHeader.FLAGS, (byte) VirtioNetHeader.F_NEEDS_CSUM).putShort(VirtioNetHeader.CSUM_START, (short) 20)
                .putShort(VirtioNetHeader.CSUM_OFFSET, (short) 500); // checksum field beyond the packet
        System.arraycopy(good, 0, badCsum, VirtioNetHeader.LENGTH, good.length);
        assertTrue(n0.trySend(1, Bridge.TYPE_VNET, badCsum, 0, badCsum.length));
        receive(n1, b1);
        assertEquals(1, b1.counters().droppedIn(Drop.BAD_VNET_HEADER));
        assertEquals(1, d1.written.size());
        byte[] w = d1.written.get(0);
        assertEquals(VirtioNetHeader.LENGTH + good.length, w.length);
        for (int i = 0; i < VirtioNetHeader.LENGTH; i++) {
            assertEquals(0, w[i], "header byte " + i);
        }
    }

    @Test
    void aVirtioPacketCrossesWithItsHeader() {
        FakeDevice d1 = new FakeDevice(true);
        Bridge b0 = new Bridge(join(0), new FakeDevice(true), 1500);
        Node n1 = join(1);
        Bridge b1 = new Bridge(n1, d1, 1500);
        byte[] big = ipv4("198.18.0.1", "198.18.0.2", 65535);
        ByteBuffer in = b0.inBuffer();
        in.put(VirtioNetHeader.FLAGS, (byte) VirtioNetHeader.F_NEEDS_CSUM).put(VirtioNetHeader.GSO_TYPE,
                (byte) VirtioNetHeader.GSO_TCPV4).putShort(VirtioNetHeader.GSO_SIZE, (short) 1448)
                .putShort(VirtioNetHeader.CSUM_START, (short) 20).putShort(VirtioNetHeader.CSUM_OFFSET, (short) 16)
                .putShort(VirtioNetHeader.HDR_LEN, (short) 52);
        in.put(VirtioNetHeader.LENGTH, big);
        b0.forward(VirtioNetHeader.LENGTH + big.length);
        assertEquals(1, receive(n1, b1));
        byte[] w = d1.written.get(0);
        assertEquals(VirtioNetHeader.LENGTH + 65535, w.length);
        assertEquals(VirtioNetHeader.GSO_TCPV4, w[VirtioNetHeader.GSO_TYPE]);
        assertEquals(big[40000], w[VirtioNetHeader.LENGTH + 40000]);
    }

    @Test
    void aMissingPeerCostsCountedDropsNotABlockedBridge() {
        Node n0 = join(0);
        Bridge b0 = new Bridge(n0, new FakeDevice(false), 1500); // node 2 never joins
        byte[] packet = ipv4("198.18.0.1", "198.18.0.3", 1500);
        BridgeCounters c = b0.counters();
        int i = 0;
        while (i < 2000 && c.droppedOut(Drop.PEER_ABSENT) == 0) {
            read(b0, 0, packet); // until the ring is full and the first packet is dropped
            i++;
        }
        assertEquals(1, c.droppedOut(Drop.PEER_ABSENT), "the ring of the absent peer filled up");
        long triesAtFirstDrop = n0.outboundStats(2).fullEvents();
        for (; i < 2000; i++) {
            read(b0, 0, packet);
        }
        long sent = c.sentPackets(2);
        long dropped = c.droppedOut(Drop.PEER_ABSENT);
        assertTrue(sent > 50 && sent < 2000, "the ring took what it holds: " + sent);
        assertEquals(2000, sent + dropped, "every other packet was counted as dropped");
        // Counted, not timed: the bridge waited for room once (the first drop); after that the
        // stalled link costs each packet one attempt and no wait, so it cannot hold the bridge up.
        assertEquals(dropped - 1, n0.outboundStats(2).fullEvents() - triesAtFirstDrop,
                "one attempt per packet once the absent peer's link stalled");
    }

    @Test
    void forwardingAndDeliveringAllocateNothingPerPacket() {
        FakeDevice d1 = new FakeDevice(true) {
            @Override
            public int write(long address, int length) {
                return length; // records nothing: the test measures the bridge's allocations
            }
        };
        Bridge b0 = new Bridge(join(0), new FakeDevice(true), 1500);
        Node n1 = join(1);
        Bridge b1 = new Bridge(n1, d1, 1500);
        byte[] packet = ipv4("198.18.0.1", "198.18.0.2", 9000);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        io.dataport.mesh.PacketHandler deliver = b1::deliver; // made once, as the bridge's ring thread does
        long before = 0;
        for (int round = 0; round < 3; round++) { // rounds 0 and 1 warm up (class loading, JIT)
            before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 5_000; i++) {
                read(b0, VirtioNetHeader.LENGTH, packet);
                n1.poll(deliver);
            }
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(15_000, b1.counters().receivedPackets(0));
        assertTrue(allocated < 5_000, "5000 packets allocated " + allocated + " bytes");
    }

    @Test
    void badDeviceNamesAreRefusedByName() {
        for (String bad : new String[] {"", "a/b", "has space", "sixteen-chars-xx", "..", "tun%d"}) {
            MeshException e = assertThrows(MeshException.class, () -> TunDevice.checkName(bad), bad);
            assertTrue(e.getMessage().startsWith("bad TUN device name '" + bad + "'"), e.getMessage());
        }
        TunDevice.checkName("dp0");
        TunDevice.checkName("fifteen-chars-x");
    }

    @Test
    void badMtusAndTooSmallMeshPacketsAreRefused() {
        Node n0 = join(0);
        assertThrows(MeshException.class, () -> new Bridge(n0, new FakeDevice(false), 67));
        assertThrows(MeshException.class, () -> new Bridge(n0, new FakeDevice(false), 65536));
        Path other = dir.resolve("small");
        try (Node small = Node.join(MeshConfig.defaults(other).withSizes(64 * 1024, 9000), 0)) {
            MeshException e = assertThrows(MeshException.class, () -> new Bridge(small, new FakeDevice(true), 1500));
            assertTrue(e.getMessage().contains("--max-packet 65545"), e.getMessage());
            new Bridge(small, new FakeDevice(false), 9000); // without offloads, MTU-sized packets suffice
        }
    }
}
