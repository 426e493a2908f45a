package io.dataport.mesh;

import static io.dataport.mesh.NodeTest.awaitEvent;
import static org.junit.jupiter.api.Assertions.*;

import io.dataport.queue.RegionLayout;
import io.dataport.region.nativemap.EventDeviceNotifier;
import io.dataport.region.nativemap.NativeMapping;
import io.dataport.region.nativemap.UioDevice;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes whose links are UIO devices ({@code --notify uio}), three in one JVM over {@link FakeUio}:
 * each guest's own fake {@code /sys/class/uio} and {@code /dev}, the dataports shared through one
 * file per pair, the events through FIFOs (the one seam, {@link UioLinks.Wiring}: what the node
 * waits on and how it kicks; everything else is the production path: finding the devices by name,
 * checking and mapping map 1 with {@code NativeMapping}, one wait-only and one kick-only
 * {@code EventDeviceNotifier} per peer, the wake-up protocol).
 *
 * <p>No test decides by time: a receiver is asleep when its sleep counter moved past the value it
 * had when it handled its last packet (it announced the sleep, fenced, re-checked, and is in or
 * about to be in {@code await}, with an hour as its bound), and the kicks waiting in a FIFO are
 * counted by reading them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UioNodeTest {
    private static final long HOUR = 3_600_000_000_000L;
    private static final int NODES = 3;

    @TempDir
    Path dir;

    /** 64 KiB rings in 256 KiB dataports: the region is the first 128 KiB of each. */
    private MeshConfig base() {
        return MeshConfig.defaults(dir.resolve("no-mesh-dir")).withSizes(64 * 1024, 4096);
    }

    private static Node[] joinAll(FakeUio uio, MeshConfig base) {
        Node[] nodes = new Node[NODES];
        try {
            for (int id = 0; id < NODES; id++) {
                nodes[id] = Node.join(uio.config(base, id), id, uio.wiring());
            }
            return nodes;
        } catch (RuntimeException e) {
            closeAll(nodes);
            throw e;
        }
    }

    private static void closeAll(Node[] nodes) {
        for (int i = nodes.length - 1; i >= 0; i--) {
            if (nodes[i] != null) {
                nodes[i].close();
            }
        }
    }

    /**
     * Every node kicked each peer once on joining (in case it slept on an earlier incarnation's
     * packet), through the device they share: so each guest's FIFO of each device holds exactly one
     * kick, from the other end of that device. Reading them empties the FIFOs.
     */
    private static void assertOneJoinKickPerLinkAndDrain(FakeUio uio) {
        for (int vm = 0; vm < NODES; vm++) {
            for (int peer = 0; peer < NODES; peer++) {
                if (peer != vm) {
                    String name = MeshConfig.uioDeviceName(vm, peer);
                    assertEquals(1, uio.pendingKicks(vm, name), "guest " + vm + "'s " + name + " ("
                            + uio.device(vm, name).events() + ") got exactly node " + peer + "'s join kick");
                }
            }
        }
    }

    private static List<String> drain(Node node) {
        List<String> got = new ArrayList<>();
        while (node.poll(p -> got.add(new String(p.toByteArray(), StandardCharsets.UTF_8))) > 0) {
            // until every inbound ring is empty
        }
        return got;
    }

    @Test
    void packetsFlowBothWaysOnEveryLinkThroughTheDevicesDataports() throws Exception {
        try (FakeUio uio = FakeUio.mesh(dir.resolve("guests"), NODES, 256 * 1024)) {
            MeshConfig base = base();
            Node[] nodes = joinAll(uio, base);
            try {
                assertOneJoinKickPerLinkAndDrain(uio);
                for (int from = 0; from < NODES; from++) {
                    for (int to = 0; to < NODES; to++) {
                        if (from != to) {
                            assertTrue(nodes[from].connectedTo(to), from + " sees " + to + " holding its role");
                            for (int i = 0; i < 50; i++) {
                                nodes[from].send(to, (from + "->" + to + " #" + i).getBytes(StandardCharsets.UTF_8));
                            }
                        }
                    }
                }
                for (int to = 0; to < NODES; to++) {
                    List<String> got = drain(nodes[to]);
                    assertEquals(100, got.size(), "node " + to + " got: " + got);
                    for (int from = 0; from < NODES; from++) {
                        if (from == to) {
                            continue;
                        }
                        String prefix = from + "->" + to + " #";
                        List<String> link = got.stream().filter(s -> s.startsWith(prefix)).toList();
                        List<String> expected = new ArrayList<>();
                        for (int i = 0; i < 50; i++) {
                            expected.add(prefix + i);
                        }
                        assertEquals(expected, link, "in order, once");
                        assertEquals(50, nodes[from].outboundStats(to).packets());
                        assertEquals(50, nodes[to].inboundStats(from).packets());
                    }
                }
                long page = NativeMapping.pageSize();
                for (int a = 0; a < NODES; a++) {
                    for (int b = a + 1; b < NODES; b++) {
                        String name = MeshConfig.uioDeviceName(a, b);
                        // the region is map 1, one page into the node; page 0 (the registers) is not region memory
                        assertEquals(base.tag(), uio.word(a, name, page + RegionLayout.TAG_OFFSET),
                                name + ": the mesh's tag at the start of map 1");
                        assertEquals(0, uio.word(a, name, 0), name + ": page 0 untouched (the tests kick by FIFO)");
                        assertTrue(uio.word(b, name, page + RegionLayout.FORMAT_WORD_OFFSET) != 0,
                                "guest " + b + " sees the region formatted through its own uioN");
                    }
                }
                assertTrue(nodes[0].config().describe().contains("over UIO devices pair-A-B in " + uio.sysfs(0)),
                        nodes[0].config().describe());
                assertFalse(Files.exists(base.dir()), "no files in the mesh directory: it is not even made");
            } finally {
                closeAll(nodes);
            }
        }
    }

    /**
     * A node's receive thread sleeps on all its devices' event nodes at once, with an hour as its
     * bound. For every ordered pair, three times: a receiver thread is started on the receiving
     * node, the test waits until it is asleep, sends one packet, and the packet arrives: only the
     * kick through the device the two share can have woken it. Only that node waits, so a kick that
     * went astray stays in another guest's FIFO, where the test looks for it while it waits (a
     * misrouted kick fails at once instead of after the hung-test bound). Each link counts exactly
     * one kick sent per packet, none suppressed or failed.
     */
    @Test
    void aReceiverAsleepOnAllItsDevicesIsWokenByEachPeersKick() throws Exception {
        int rounds = 3;
        try (FakeUio uio = FakeUio.mesh(dir.resolve("guests"), NODES, 256 * 1024)) {
            Node[] nodes = joinAll(uio, base());
            AtomicReference<Throwable> failed = new AtomicReference<>();
            List<Thread> receivers = new ArrayList<>();
            try {
                assertOneJoinKickPerLinkAndDrain(uio); // before any receiver runs: no kick is left to wake one
                for (int round = 0; round < rounds; round++) {
                    for (int s = 0; s < NODES; s++) {
                        for (int r = 0; r < NODES; r++) {
                            if (s == r) {
                                continue;
                            }
                            Node receiver = nodes[r];
                            long before = sleeps(receiver); // nobody receives on it now: stable
                            AtomicReference<Packet> arrived = new AtomicReference<>();
                            int[] from = {-1};
                            Thread t = new Thread(() -> {
                                try {
                                    while (arrived.get() == null) {
                                        if (receiver.poll(p -> {
                                            from[0] = p.from();
                                            arrived.set(p);
                                        }) == 0) {
                                            receiver.idle(HOUR); // only a kick ends this sleep within the test
                                        }
                                    }
                                } catch (Throwable e) {
                                    failed.compareAndSet(null, e);
                                }
                            }, "receiver-" + r);
                            t.setDaemon(true);
                            receivers.add(t);
                            t.start();
                            awaitEvent(() -> sleeps(receiver) > before || failed.get() != null,
                                    "node " + r + " asleep on its devices");
                            assertNull(failed.get());
                            long kicks = nodes[s].outboundStats(r).kicksSent();
                            nodes[s].send(r, new byte[64]);
                            assertEquals(kicks + 1, nodes[s].outboundStats(r).kicksSent(),
                                    s + "->" + r + ": the receiver was asleep, so the send kicked it");
                            String[] astray = {null};
                            int sender = s;
                            int target = r;
                            awaitEvent(() -> arrived.get() != null || failed.get() != null
                                    || (astray[0] = kicksElsewhere(uio, target)) != null,
                                    "node " + r + " woken by node " + s + "'s kick");
                            assertNull(astray[0], () -> "node " + sender + "'s kick to node " + target
                                    + " went astray: " + astray[0]);
                            assertNull(failed.get());
                            t.join(50_000); // only ends a hung test: it stops after its packet
                            assertFalse(t.isAlive());
                            assertEquals(s, from[0], "from");
                        }
                    }
                }
                for (int s = 0; s < NODES; s++) {
                    for (int r = 0; r < NODES; r++) {
                        if (s == r) {
                            continue;
                        }
                        LinkStats out = nodes[s].outboundStats(r);
                        assertEquals(rounds, out.kicksSent(), s + "->" + r + ": " + out);
                        assertEquals(0, out.kicksSuppressed(), s + "->" + r + ": " + out);
                        assertEquals(0, out.kickFailures(), s + "->" + r + ": " + out);
                        assertTrue(nodes[r].inboundStats(s).sleeps() >= rounds * (NODES - 1),
                                nodes[r].inboundStats(s).toString());
                    }
                }
            } finally {
                if (receivers.stream().noneMatch(Thread::isAlive)) {
                    closeAll(nodes); // never under a live receiver: its dataports would be unmapped
                }
            }
        }
    }

    /**
     * Kicks waiting in the FIFOs of every guest but {@code receiver}'s (read, so counted once), or
     * null when there are none: while only {@code receiver} waits, any kick there went astray.
     */
    private static String kicksElsewhere(FakeUio uio, int receiver) {
        List<String> found = new ArrayList<>();
        for (int vm = 0; vm < NODES; vm++) {
            for (int peer = 0; peer < NODES; peer++) {
                if (vm != receiver && peer != vm) {
                    String name = MeshConfig.uioDeviceName(vm, peer);
                    int n = uio.pendingKicks(vm, name);
                    if (n > 0) {
                        found.add(n + " in guest " + vm + "'s " + name);
                    }
                }
            }
        }
        return found.isEmpty() ? null : String.join(", ", found);
    }

    /**
     * The hot path allocates nothing: a receiver that sleeps on its devices and is woken by a kick
     * (its thread's allocation counter over 200 such rounds, after 200 to warm up), and a sender
     * whose send kicks it (the counter around each send).
     */
    @Test
    void sleepingOnTheDevicesAndKickingAllocateNothing() throws Exception {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        int warmUp = 200;
        int measured = 200;
        try (FakeUio uio = FakeUio.mesh(dir.resolve("guests"), 2, 256 * 1024)) {
            MeshConfig base = base().withNodes(2);
            try (Node zero = Node.join(uio.config(base, 0), 0, uio.wiring());
                 Node one = Node.join(uio.config(base, 1), 1, uio.wiring())) {
                uio.pendingKicks(0, "pair-0-1"); // the join kicks
                uio.pendingKicks(1, "pair-0-1");
                long[] received = {0};
                long[] sleepsAt = new long[warmUp + measured + 1];
                AtomicReference<Throwable> failed = new AtomicReference<>();
                long[] receiverBytes = {-1, -1}; // its allocation counter after the warm-up, and at the end
                PacketHandler count = p -> received[0]++;
                Thread receiver = new Thread(() -> {
                    try {
                        while (received[0] < warmUp + measured) {
                            if (one.poll(count) == 0) {
                                one.idle(HOUR);
                            } else if (received[0] == warmUp && receiverBytes[0] < 0) {
                                receiverBytes[0] = threads.getCurrentThreadAllocatedBytes();
                            }
                        }
                        receiverBytes[1] = threads.getCurrentThreadAllocatedBytes();
                    } catch (Throwable e) {
                        failed.compareAndSet(null, e);
                    }
                }, "receiver-1");
                receiver.setDaemon(true);
                receiver.start();
                byte[] packet = new byte[64];
                long sendBytes = 0;
                long asleep = 0;
                for (int i = 0; i < warmUp + measured; i++) {
                    long before = asleep;
                    awaitEvent(() -> one.inboundStats(0).sleeps() > before || failed.get() != null, "node 1 asleep");
                    assertNull(failed.get());
                    asleep = one.inboundStats(0).sleeps();
                    long b = threads.getCurrentThreadAllocatedBytes();
                    zero.send(1, 0, packet, 0, packet.length, MINUTE);
                    long a = threads.getCurrentThreadAllocatedBytes();
                    if (i >= warmUp) {
                        sendBytes += a - b;
                    }
                }
                receiver.join(50_000); // only ends a hung test
                assertFalse(receiver.isAlive());
                assertNull(failed.get());
                long receiverAllocated = receiverBytes[1] - receiverBytes[0];
                System.out.println(measured + " kicked sends allocated " + sendBytes + " bytes; the receiver, "
                        + (measured - 1) + " sleeps on its devices and wake-ups later, " + receiverAllocated + " bytes");
                assertTrue(receiverBytes[0] >= 0, "measured after the warm-up");
                assertEquals(warmUp + measured, zero.outboundStats(1).kicksSent(), "every send kicked a sleeper");
                assertTrue(sendBytes < 1_000, "sends that kick allocated " + sendBytes + " bytes");
                assertTrue(receiverAllocated < 1_000, "the receiver allocated " + receiverAllocated + " bytes");
            }
        }
    }

    private static final long MINUTE = 60_000_000_000L;

    /** The sleeps of {@code node}'s group sleep (every inbound ring counts each one). */
    private static long sleeps(Node node) {
        return node.inboundStats(node.id() == 0 ? 1 : 0).sleeps();
    }

    // ---------------------------------------------------------------------------------- refusals

    private static void assertOneLine(String message) {
        assertFalse(message.contains("\n"), "one line: " + message);
        System.out.println("refused: " + message);
    }

    @Test
    void aMissingDeviceIsRefusedNamingItWhatWasFoundAndTheFix() throws Exception {
        try (FakeUio uio = new FakeUio(dir.resolve("guests"), NODES)) {
            uio.pair(0, 1, 256 * 1024, 0);
            uio.unrelated(1, "virtio-rng");
            // guest 1 has pair-0-1 but not pair-1-2
            MeshException e = assertThrows(MeshException.class, () -> Node.join(uio.config(base(), 1), 1));
            String m = e.getMessage();
            assertOneLine(m);
            assertTrue(m.startsWith("node 1: the link to node 2 is the UIO device named pair-1-2, but "
                    + uio.sysfs(1) + " has only uio0 \"pair-0-1\", uio1 \"virtio-rng\": give this guest the CAmkES"
                    + " cross-VM connection pair-1-2 between nodes 1 and 2, or point --uio-sysfs at"), m);
            assertNotMapped(uio.dev(1));
            // a guest without any UIO device: the driver is not loaded
            e = assertThrows(MeshException.class, () -> Node.join(uio.config(base(), 2), 2));
            assertOneLine(e.getMessage());
            assertTrue(e.getMessage().contains("pair-0-2, but " + uio.sysfs(2) + " has no UIO device at all")
                    && e.getMessage().contains("load connection.ko"), e.getMessage());
        }
    }

    @Test
    void aDataportTooSmallForTheMeshsRegionIsRefusedWithTheRingSizeThatFits() throws Exception {
        try (FakeUio uio = new FakeUio(dir.resolve("guests"), 2)) {
            uio.pair(0, 1, 1 << 20, 0); // 1 MiB, as the seL4 system's connections
            MeshConfig config = uio.config(MeshConfig.defaults(dir).withNodes(2), 0); // 4 MiB rings: 8 MiB regions
            MeshException e = assertThrows(MeshException.class, () -> Node.join(config, 0));
            assertOneLine(e.getMessage());
            assertEquals("node 0: UIO device uio0 \"pair-0-1\" (" + uio.sysfs(0).resolve("uio0") + "), the link to"
                    + " node 1, has a dataport (map1, " + uio.sysfs(0).resolve("uio0/maps/map1") + ") of 1048576 bytes,"
                    + " but this mesh's region needs 8388608 (two rings of 4194304 bytes): use --ring 524288 (or less)"
                    + " on every node, or give every connection a dataport of at least 8388608 bytes", e.getMessage());
            assertNotMapped(uio.dev(0));
            // what it says works: 512 KiB rings fill the 1 MiB dataport exactly
            try (Node zero = Node.join(config.withRingCapacity(512 * 1024), 0, uio.wiring());
                 Node one = Node.join(uio.config(config.withRingCapacity(512 * 1024), 1), 1, uio.wiring())) {
                zero.send(1, "fits".getBytes(StandardCharsets.UTF_8));
                assertEquals(List.of("fits"), drain(one));
            }
        }
    }

    @Test
    void anUnalignedDataportAndADeviceWithoutItsEventMapAreRefused() throws Exception {
        try (FakeUio uio = new FakeUio(dir.resolve("guests"), 3)) {
            uio.pair(0, 1, 256 * 1024, 0x800);
            uio.pair(0, 2, 256 * 1024, 0);
            MeshException e = assertThrows(MeshException.class, () -> Node.join(uio.config(base(), 0), 0));
            assertOneLine(e.getMessage());
            assertTrue(e.getMessage().startsWith("node 0: UIO device uio0 \"pair-0-1\" (" + uio.sysfs(0).resolve("uio0")
                    + "), the link to node 1, has its dataport (map1, " + uio.sysfs(0).resolve("uio0/maps/map1")
                    + ") starting 0x800 bytes into a page: a region must be page-aligned"), e.getMessage());
            uio.removeMap(2, "pair-0-2", 0);
            e = assertThrows(MeshException.class, () -> Node.join(uio.config(base(), 2), 2));
            assertOneLine(e.getMessage());
            assertTrue(e.getMessage().startsWith("node 2: UIO device uio0 \"pair-0-2\" (" + uio.sysfs(2).resolve("uio0")
                    + "), the link to node 0, has map1 \"dataport_bar\" of 262144 bytes but needs map0 (the event"
                    + " registers) and map1 (the dataport) of a CAmkES cross-VM connection"), e.getMessage());
            assertNotMapped(uio.dev(0));
            assertNotMapped(uio.dev(2));
        }
    }

    @Test
    void aDataportHoldingAnotherMeshsRegionIsRefusedNamingTheDevice() throws Exception {
        try (FakeUio uio = FakeUio.mesh(dir.resolve("guests"), 2, 256 * 1024)) {
            MeshConfig ours = base().withNodes(2);
            Node.join(uio.config(ours.withName("other"), 0), 0, uio.wiring()).close(); // formats pair-0-1 as "other"
            MeshException e = assertThrows(MeshException.class,
                    () -> Node.join(uio.config(ours, 1), 1, uio.wiring()));
            assertOneLine(e.getMessage());
            assertTrue(e.getMessage().startsWith("node 1: " + uio.dev(1).resolve("uio1") + " map1 \"pair-0-1\" belongs"
                    + " to another mesh: its tag is " + Long.toHexString(ours.withName("other").tag())), e.getMessage());
            assertNotMapped(uio.dev(1));
        }
    }

    // ------------------------------------------------------------------------- the real wiring

    /**
     * {@link UioLinks#CAMKES}, what {@code Node.join(config, id)} uses: it waits on
     * {@code /dev/uioN} itself and kicks by a store of 1 at offset 0 of map 0 of the same node. The
     * store is made here into the fake node (a regular file may be mapped for a store kick) and read
     * back; a whole join with it gets as far as the events and refuses the regular file, leaving
     * nothing mapped.
     */
    @Test
    void theRealWiringWaitsOnDevUioAndKicksByAStoreAtOffset0OfMap0() throws Exception {
        try (FakeUio uio = FakeUio.mesh(dir.resolve("guests"), NODES, 256 * 1024)) {
            UioDevice device = UioDevice.byName(uio.sysfs(1), "pair-1-2");
            Path node = uio.dev(1).resolve("uio" + device.number());
            assertEquals(node, UioLinks.CAMKES.waitNode(device, uio.dev(1)));
            EventDeviceNotifier.Kick kick = UioLinks.CAMKES.kick(device, uio.dev(1));
            assertEquals(node, kick.node());
            long page = NativeMapping.pageSize();
            long dataportBefore = uio.word(1, "pair-1-2", page);
            try (EventDeviceNotifier kicker = EventDeviceNotifier.kickOnly(kick)) {
                assertTrue(kicker.kick());
            }
            assertEquals(1, uio.word(1, "pair-1-2", 0), "a 32-bit 1 at offset 0 of map 0 (the emit register)");
            assertEquals(dataportBefore, uio.word(1, "pair-1-2", page), "the dataport untouched");
            assertEquals(0, uio.word(1, "pair-1-2", 4), "only 4 bytes stored");

            MeshException e = assertThrows(MeshException.class, () -> Node.join(uio.config(base(), 1), 1));
            assertOneLine(e.getMessage());
            assertTrue(e.getMessage().startsWith("node 1: cannot wait for its peers' events on ["), e.getMessage());
            assertTrue(e.getMessage().contains(uio.dev(1).resolve("uio1") + ": is a regular file, not an event device"),
                    e.getMessage());
            assertNotMapped(uio.dev(1));
            assertEquals(0, descriptorsOn(uio.dev(1)), "nothing of guest 1's /dev left open");
        }
    }

    /** A node maps its dataports and opens its event nodes while it is in the mesh, and releases them all on close. */
    @Test
    void closingTheNodeUnmapsItsDataportsAndClosesItsEventNodes() throws Exception {
        try (FakeUio uio = FakeUio.mesh(dir.resolve("guests"), NODES, 256 * 1024)) {
            Path ownFifo = uio.device(0, "pair-0-1").events();
            Path peerFifo = uio.device(1, "pair-0-1").events();
            assertEquals(1, descriptorsOn(ownFifo), "the fixture's own");
            try (Node zero = Node.join(uio.config(base(), 0), 0, uio.wiring())) {
                assertEquals(2, mappings(uio.dev(0)), "map 1 of uio0 and uio1: " + mappings(uio.dev(0)));
                assertEquals(2, descriptorsOn(ownFifo), "the fixture's and the node's one waiter");
                assertEquals(2, descriptorsOn(peerFifo), "the fixture's and the node's kicker to node 1");
                zero.send(1, new byte[8]); // node 1 is not there: the packet waits in the dataport
                zero.close();
                assertEquals(0, mappings(uio.dev(0)), "unmapped");
                assertEquals(1, descriptorsOn(ownFifo));
                assertEquals(1, descriptorsOn(peerFifo));
                assertThrows(IllegalStateException.class, () -> zero.send(1, new byte[8]));
            }
            // the packet is in the shared memory: node 1 gets it through its own uioN
            try (Node one = Node.join(uio.config(base(), 1), 1, uio.wiring())) {
                assertEquals(1, one.poll(p -> assertEquals(8, p.length())));
            }
        }
    }

    /** How many of this process's mappings are of files under {@code root} ({@code /proc/self/maps}). */
    private static long mappings(Path root) throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.filter(l -> l.contains(root.toString() + "/")).count();
        }
    }

    private static void assertNotMapped(Path root) throws IOException {
        assertEquals(0, mappings(root), "nothing under " + root + " left mapped");
    }

    /** How many of this process's descriptors are open on {@code path}, or on files under it. */
    private static long descriptorsOn(Path path) throws IOException {
        long n = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.equals(path) || target.startsWith(path)) {
                        n++;
                    }
                } catch (IOException gone) {
                    // the listing's own descriptor, closed since
                }
            }
        }
        return n;
    }
}
